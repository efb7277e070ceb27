package ams.service.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exactly-once consume-process-produce cycle, written once for every hand-written worker: on
 * its own thread it polls a read_committed consumer, lets the {@link Work} turn the records into a
 * {@link Batch}, and commits the batch's records and input offsets in one transaction (begin, send,
 * {@code sendOffsetsToTransaction(offsets, consumer.groupMetadata())}, commit).
 *
 * <p>A fatal failure ({@link TransactionErrors}), or a producer that cannot even abort, stops the
 * loop; {@link #failure()} keeps it. Any other failure aborts the transaction and recovers as the
 * batch says, by default by rewinding every assigned partition to its committed offset (or its
 * beginning when it has none), so the uncommitted input is read and processed again: output and
 * offsets land together or not at all. A process killed at any point leaves an open transaction
 * that the broker aborts (or that the next producer with the same {@code transactional.id} fences
 * and aborts), and the input is read again from the committed offsets.
 */
public final class TransactionalLoop<KI, VI, KO, VO> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TransactionalLoop.class);
    private static final long FIRST_BACKOFF_MS = 100;
    // Well below any max.poll.interval.ms: backing off must not cost the group membership.
    private static final long MAX_BACKOFF_MS = 1_000;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    /** What to do after a failed round, besides aborting its transaction. */
    public enum Recovery {
        /**
         * Seek every assigned partition back to its committed offset, or to its beginning when it
         * has none: the uncommitted input is read and processed again.
         */
        REWIND,
        /**
         * Leave the consumer where it is: the worker keeps what it needs to produce the output
         * again itself.
         */
        RESUME,
        /** Stop the loop with the failure. */
        STOP
    }

    /** The worker's part of the cycle. Every method runs on the loop's thread. */
    public interface Work<KI, VI, KO, VO> {

        /**
         * Turns one poll's records (possibly none) into what to commit, or null when there is
         * nothing to commit. Throwing fails the round; see {@link #processingFailed}.
         */
        Batch<KO, VO> process(ConsumerRecords<KI, VI> records) throws Exception;

        /**
         * How to recover when {@link #process} threw (no transaction was open); by default rewind
         * and process the input again.
         */
        default Recovery processingFailed(Exception failure) {
            return Recovery.REWIND;
        }

        /** How long the next poll may wait for records. */
        default Duration pollTimeout() {
            return Duration.ofMillis(200);
        }

        /**
         * The loop stopped, {@code failure} null on a clean stop, and is about to close its
         * clients. Not called after {@link #halt()}.
         */
        default void stopped(Throwable failure) {}
    }

    private final String name;
    private final Consumer<KI, VI> consumer;
    private final Producer<KO, VO> producer;
    private final Collection<String> topics;
    private final ConsumerRebalanceListener rebalance;
    private final Work<KI, VI, KO, VO> work;
    private final Thread thread;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong busyNanos = new AtomicLong();

    /** {@code System.nanoTime()} when the first poll with records began processing; 0 before. */
    private final AtomicLong firstBusyAt = new AtomicLong();

    /** {@code System.nanoTime()} when the last poll with records finished (committed). */
    private final AtomicLong lastBusyEndedAt = new AtomicLong();

    private volatile boolean running = true;
    private volatile boolean halted;
    private volatile boolean started;

    // Loop-thread state only.
    private boolean rewindPending;
    private long rewinds;
    private long backoffMs;

    /**
     * A loop over {@code consumer} (subscribed to {@code topics} with {@code rebalance} when the
     * loop starts) and {@code producer} (a transactional one, initialised when the loop starts);
     * the loop owns both and closes them when it stops. Use {@link TransactionalClients} for their
     * settings.
     */
    public TransactionalLoop(
            String name,
            Consumer<KI, VI> consumer,
            Producer<KO, VO> producer,
            Collection<String> topics,
            ConsumerRebalanceListener rebalance,
            Work<KI, VI, KO, VO> work) {
        this.name = name;
        this.consumer = consumer;
        this.producer = producer;
        this.topics = List.copyOf(topics);
        this.rebalance = rebalance;
        this.work = work;
        this.thread = new Thread(this::run, name);
    }

    /** A loop whose worker has nothing to do on rebalances. */
    public TransactionalLoop(
            String name,
            Consumer<KI, VI> consumer,
            Producer<KO, VO> producer,
            Collection<String> topics,
            Work<KI, VI, KO, VO> work) {
        this(name, consumer, producer, topics, new Unconcerned(), work);
    }

    public TransactionalLoop<KI, VI, KO, VO> start() {
        started = true;
        thread.start();
        return this;
    }

    public String name() {
        return name;
    }

    public boolean isRunning() {
        return running && thread.isAlive();
    }

    /** Why the loop stopped on its own, if it did. */
    public Throwable failure() {
        return failure.get();
    }

    /** Time spent on polls that returned records: processing and committing, not waiting. */
    public long busyNanos() {
        return busyNanos.get();
    }

    /**
     * Wall time from the start of the first poll that returned records to the end of the last one:
     * the span a throughput is measured over once the loop has work, without its start-up (client
     * start, group join) and without the idle polls after the input ran out.
     */
    public long busySpanNanos() {
        long first = firstBusyAt.get();
        return first == 0 ? 0 : lastBusyEndedAt.get() - first;
    }

    private void run() {
        Throwable stoppedBy = null;
        try {
            producer.initTransactions();
            consumer.subscribe(topics, rebalance);
            log.info("{} started on {}", name, topics);
            while (running) {
                if (rewindPending) {
                    rewind();
                    continue;
                }
                long rewindsBefore = rewinds;
                ConsumerRecords<KI, VI> records = consumer.poll(work.pollTimeout());
                if (halted) {
                    return;
                }
                if (rewinds != rewindsBefore) {
                    // A commit in a rebalance callback of this poll aborted and rewound; these
                    // records may lie past that, so read them again from the committed offsets.
                    rewindPending = true;
                    continue;
                }
                long start = System.nanoTime();
                if (!records.isEmpty()) {
                    firstBusyAt.compareAndSet(0, start);
                }
                round(records);
                if (!records.isEmpty()) {
                    long end = System.nanoTime();
                    busyNanos.addAndGet(end - start);
                    lastBusyEndedAt.set(end);
                }
            }
        } catch (InterruptException e) {
            if (running) {
                stoppedBy = e;
            }
        } catch (RuntimeException e) {
            stoppedBy = unwrap(e);
        } finally {
            running = false;
            if (stoppedBy != null && !halted) {
                failure.set(stoppedBy);
                log.error("{} stopped: {}", name, stoppedBy.toString(), stoppedBy);
            }
            if (!halted) {
                try {
                    work.stopped(stoppedBy);
                } finally {
                    closeClients();
                }
            }
            done.countDown();
        }
    }

    private void round(ConsumerRecords<KI, VI> records) {
        Batch<KO, VO> batch;
        try {
            batch = work.process(records);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (InterruptException | WakeupException e) {
            throw e;
        } catch (Exception e) {
            recover(
                    work.processingFailed(e),
                    e,
                    "processing " + records.count() + " record(s) failed");
            return;
        }
        if (batch != null) {
            commit(batch);
        }
    }

    /**
     * Commits {@code batch}'s records and offsets in one transaction, then runs its {@link
     * Batch#onCommitted} action; on an abortable failure aborts and recovers as the batch says.
     * Called by the loop with each batch its work returns, and by the worker's rebalance listener
     * (on the loop's thread) to commit what it has before partitions go.
     *
     * @return whether the batch committed; false also after {@link #halt()}, when nothing is
     *     written any more
     * @throws KafkaException a fatal failure, which stops the loop
     */
    // In a transaction a failed send fails commitTransaction: its future has nothing more to say.
    @SuppressWarnings("FutureReturnValueIgnored")
    public boolean commit(Batch<KO, VO> batch) {
        if (halted) {
            return false;
        }
        if (!batch.isEmpty()) {
            try {
                producer.beginTransaction();
                for (ProducerRecord<KO, VO> record : batch.records()) {
                    producer.send(record);
                }
                if (!batch.offsets().isEmpty()) {
                    producer.sendOffsetsToTransaction(batch.offsets(), consumer.groupMetadata());
                }
                producer.commitTransaction();
            } catch (InterruptException e) {
                throw e;
            } catch (RuntimeException e) {
                if (TransactionErrors.isFatal(e)) {
                    throw e;
                }
                abort(e);
                recover(
                        batch.aborted(e),
                        e,
                        "transaction of "
                                + batch.records().size()
                                + " record(s) and "
                                + batch.offsets().size()
                                + " offset(s) aborted");
                return false;
            }
        }
        backoffMs = 0;
        batch.committed();
        return true;
    }

    /** Aborts the open transaction; a producer that cannot is beyond repair (fatal). */
    private void abort(RuntimeException cause) {
        while (true) {
            try {
                producer.abortTransaction();
                return;
            } catch (TimeoutException e) {
                // The broker did not answer in max.block.ms; the abort may be retried.
                if (!running) {
                    e.addSuppressed(cause);
                    throw e;
                }
                log.warn("{} could not abort yet, retrying: {}", name, e.toString());
                pause();
            } catch (RuntimeException e) {
                e.addSuppressed(cause);
                throw new Stop(e);
            }
        }
    }

    private void recover(Recovery recovery, Exception cause, String what) {
        switch (recovery) {
            case STOP -> throw new Stop(cause);
            case REWIND -> {
                log.warn(
                        "{}: {}; rewinding to the committed offsets: {}",
                        name,
                        what,
                        cause.toString());
                rewindPending = true;
                pause();
                rewind();
            }
            case RESUME -> {
                log.warn("{}: {}; retrying: {}", name, what, cause.toString());
                pause();
            }
        }
    }

    /**
     * Seeks every assigned partition to its committed offset, or its beginning without one. A
     * failure leaves {@code rewindPending} set, and the loop tries again before it polls.
     */
    private void rewind() {
        try {
            Set<TopicPartition> assigned = consumer.assignment();
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
            List<TopicPartition> fresh = new ArrayList<>();
            for (TopicPartition tp : assigned) {
                OffsetAndMetadata offset = committed.get(tp);
                if (offset != null) {
                    consumer.seek(tp, offset);
                } else {
                    fresh.add(tp);
                }
            }
            if (!fresh.isEmpty()) {
                consumer.seekToBeginning(fresh);
            }
            rewindPending = false;
            rewinds++;
        } catch (InterruptException | WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            if (TransactionErrors.isFatal(e)) {
                throw e;
            }
            log.warn("{} could not rewind yet, retrying: {}", name, e.toString());
            pause();
        }
    }

    /**
     * Rewinds every assigned partition to its committed offset now, for work that drops records it
     * had taken (e.g. work in flight when partitions are revoked). Only on the loop's thread: in a
     * {@link Work} callback or in the rebalance listener its polls run. A failure is retried before
     * the next poll, like the loop's own rewinds.
     */
    public void rewindToCommitted() {
        rewindPending = true;
        rewind();
    }

    /** Backs off after a failure, longer each time until a commit succeeds; cut short by close. */
    private void pause() {
        backoffMs = backoffMs == 0 ? FIRST_BACKOFF_MS : Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        try {
            stopping.await(backoffMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /**
     * Stops the loop the way a crash would: no more polling or committing, nothing closed, no
     * offsets committed, no group left; the partitions move once the group notices. For tests of
     * recovery; call {@link #close()} later to release the abandoned clients.
     */
    public void halt() {
        halted = true;
        running = false;
        stopping.countDown();
    }

    /**
     * Stops the loop after its current round and closes the clients; the consumer's close runs the
     * rebalance listener's revocation, which may still commit.
     */
    @Override
    public void close() {
        running = false;
        stopping.countDown();
        if (!started) {
            closeClients();
            return;
        }
        try {
            if (!done.await(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn(
                        "{} still busy after {}; it closes its clients when done",
                        name,
                        CLOSE_WAIT);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (halted) {
            closeClients();
        }
    }

    private void closeClients() {
        try {
            // A static member does not leave on close by default; a clean stop must, or its
            // partitions stay idle until its session times out.
            consumer.close(
                    CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP));
        } catch (RuntimeException e) {
            log.debug("Closing the consumer of {}", name, e);
        }
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.debug("Closing the producer of {}", name, e);
        }
    }

    /**
     * What stopped the loop: the failure a {@link Stop} carries, even when a consumer wrapped it on
     * its way out of a rebalance listener.
     */
    private static Throwable unwrap(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Stop stop) {
                return stop.getCause();
            }
        }
        return e;
    }

    /** Carries a failure that stops the loop out of a round. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop(Throwable cause) {
            super(cause);
        }
    }

    private static final class Unconcerned implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
    }
}
