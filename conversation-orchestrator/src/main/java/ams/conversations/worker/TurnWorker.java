package ams.conversations.worker;

import ams.conversations.ConversationConfig;
import ams.conversations.statemachine.ConversationStateMachine;
import ams.conversations.statemachine.ConversationTopology;
import ams.events.Envelope;
import ams.events.Envelopes;
import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import ams.events.topics.Topic;
import ams.service.kafka.Batch;
import ams.service.kafka.TransactionalClients;
import ams.service.kafka.TransactionalLoop;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A turn worker: a read_committed consumer of conversation-events (group {@code
 * <application.id>-workers}) that runs each TurnRequested on a bounded pool and publishes the
 * outcome in a transaction that also commits the consumed offsets (the shared {@link
 * TransactionalLoop}; an aborted transaction is published again, a fatal one stops the worker). On
 * every partition assignment it re-reads the partition from the beginning to rebuild the history of
 * open conversations and only then runs the turns still unanswered, so a turn whose worker died is
 * run again, and a turn already answered is never run twice.
 */
public final class TurnWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TurnWorker.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(50);
    private static final Duration BUSY_POLL = Duration.ofMillis(2);
    private static final long OFFSET_COMMIT_INTERVAL_MS = 2000;

    private final String name;
    private final Topic<String, ConversationEvent> topic;
    private final TurnRunner runner;
    private final KafkaConsumer<String, byte[]> consumer;
    private final ExecutorService pool;
    private final TransactionalLoop<String, byte[], String, ConversationEvent> loop;
    private final ConcurrentLinkedQueue<Completed> completed = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    // Poll-thread state only.
    private final Map<String, WorkerConversation> conversations = new HashMap<>();
    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private final Map<String, Pending> pendingByTurn = new HashMap<>();
    private int epochs;
    private long lastOffsetCommit;

    /**
     * A TurnRequested this worker still has to answer; {@code offset} holds back the partition's
     * committed offset.
     */
    private record Pending(
            String conversationId,
            int turn,
            long offset,
            TopicPartition partition,
            TurnRequested request,
            Envelope cause) {
        String key() {
            return turnKey(conversationId, turn);
        }
    }

    /**
     * A finished turn waiting for the poll thread to publish it. {@code payloads} null = abandoned.
     */
    private record Completed(Pending pending, int epoch, List<Object> payloads) {}

    private static final class PartitionState {
        final int epoch;
        final long rebuildEnd;
        boolean live;
        final TreeMap<Long, Pending> pending = new TreeMap<>();
        long committed = -1;

        PartitionState(int epoch, long rebuildEnd) {
            this.epoch = epoch;
            this.rebuildEnd = rebuildEnd;
        }
    }

    public TurnWorker(
            ConversationConfig config,
            Topic<String, ConversationEvent> topic,
            TurnRunner runner,
            String name) {
        this.name = name;
        this.topic = topic;
        this.runner = runner;
        String application = config.getString(ConversationConfig.APPLICATION_ID);
        String bootstrap = config.getString(ConversationConfig.BOOTSTRAP_SERVERS);
        Properties c = TransactionalClients.consumer(bootstrap, application + "-workers");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, name + "-consumer");
        c.put(
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                config.getInt(ConversationConfig.WORKER_MAX_POLL_INTERVAL_MS));
        int session = config.getInt(ConversationConfig.WORKER_SESSION_TIMEOUT_MS);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, session);
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(100, session / 4));
        c.put(
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                config.getInt(ConversationConfig.FETCH_MAX_WAIT_MS));
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        Properties p = TransactionalClients.producer(bootstrap, application + "-" + name);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, name + "-producer");
        p.put(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                config.getInt(ConversationConfig.WORKER_TRANSACTION_TIMEOUT_MS));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        KafkaProducer<String, ConversationEvent> producer =
                new KafkaProducer<>(
                        p, topic.keySerde().serializer(), topic.valueSerde().serializer());
        int threads = config.getInt(ConversationConfig.WORKER_THREADS);
        AtomicInteger n = new AtomicInteger();
        pool =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r, name + "-turn-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        loop =
                new TransactionalLoop<>(
                        name + "-poll",
                        consumer,
                        producer,
                        List.of(topic.name()),
                        new Rebalance(),
                        new Work());
    }

    public TurnWorker start() {
        loop.start();
        return this;
    }

    public String name() {
        return name;
    }

    /** Turns running or waiting to be published. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * The worker's part of the shared loop: every poll feeds the history, starts the turns of
     * partitions caught up, and publishes what finished.
     */
    private final class Work
            implements TransactionalLoop.Work<String, byte[], String, ConversationEvent> {

        @Override
        public Batch<String, ConversationEvent> process(ConsumerRecords<String, byte[]> records) {
            for (ConsumerRecord<String, byte[]> record : records) {
                handle(record);
            }
            goLiveWhereRebuilt();
            return publishable();
        }

        @Override
        public TransactionalLoop.Recovery processingFailed(Exception failure) {
            // The history is built record by record: rewound, a record would be applied twice.
            // Stopping moves the partitions to a worker that rebuilds them from the log.
            return TransactionalLoop.Recovery.STOP;
        }

        @Override
        public Duration pollTimeout() {
            return inFlight.get() > 0 ? BUSY_POLL : IDLE_POLL;
        }

        @Override
        public void stopped(Throwable failure) {
            pool.shutdownNow();
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        PartitionState ps = partitions.get(tp);
        if (ps == null) {
            return;
        }
        ConversationEvent event;
        try {
            event = topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            // The state machine dead-letters undecodable records; a worker has nothing to do with
            // them.
            return;
        }
        if (event == null) {
            return; // a tombstone, dead-lettered by the state machine like any undecodable record
        }
        String id = event.getConversationId();
        Object payload = event.getPayload();
        if (payload instanceof ConversationRequested requested) {
            if (!conversations.containsKey(id)) {
                Envelope env = event.getEnvelope();
                conversations.put(
                        id,
                        new WorkerConversation(
                                id,
                                tp,
                                requested,
                                env.getCorrelationId() != null
                                        ? env.getCorrelationId()
                                        : env.getEventId().toString()));
            }
        } else if (payload instanceof TurnRequested turn) {
            WorkerConversation c = conversations.get(id);
            if (c == null) {
                return;
            }
            if (ConversationStateMachine.isResumeRequest(event)) {
                // Mirrors the state machine, which re-requests the turn itself; this one is not
                // run.
                c.resume(turn.getTurnNumber());
                return;
            }
            // While failed, a request is stale: the state machine issued it before it saw the
            // failure.
            if (c.failed()
                    || turn.getTurnNumber() < c.turnsDone()
                    || pendingByTurn.containsKey(turnKey(id, turn.getTurnNumber()))) {
                return;
            }
            Pending pending =
                    new Pending(
                            id,
                            turn.getTurnNumber(),
                            record.offset(),
                            tp,
                            turn,
                            event.getEnvelope());
            ps.pending.put(record.offset(), pending);
            pendingByTurn.put(pending.key(), pending);
            if (ps.live) {
                dispatch(pending, ps.epoch);
            }
        } else if (payload instanceof MessageAppended message) {
            WorkerConversation c = conversations.get(id);
            if (c != null) {
                c.append(message);
                if (message.getRole() == MessageRole.ASSISTANT) {
                    forget(pendingByTurn.get(turnKey(id, message.getTurnNumber())));
                }
            }
        } else if (payload instanceof TurnFailed failed) {
            WorkerConversation c = conversations.get(id);
            if (c != null && !failed.getRetriable()) {
                forget(pendingByTurn.get(turnKey(id, failed.getTurnNumber())));
                if (c.fail(failed.getTurnNumber())) {
                    forgetAll(id);
                }
            }
        } else if (payload instanceof ConversationFailed) {
            // Kept (history and all) because a user may resume it; only its pending turns go.
            WorkerConversation c = conversations.get(id);
            if (c != null) {
                c.fail(c.turnsDone());
                forgetAll(id);
            }
        } else if (payload instanceof ConversationCompleted
                || payload instanceof ConversationCancelled) {
            WorkerConversation c = conversations.get(id);
            // The state machine ignores these on a FAILED conversation, which stays resumable.
            if (c != null && !c.failed()) {
                conversations.remove(id);
                forgetAll(id);
            }
        }
    }

    private void forgetAll(String conversationId) {
        pendingByTurn.values().stream()
                .filter(p -> p.conversationId().equals(conversationId))
                .toList()
                .forEach(this::forget);
    }

    private void forget(Pending pending) {
        if (pending == null) {
            return;
        }
        pendingByTurn.remove(pending.key());
        PartitionState ps = partitions.get(pending.partition());
        if (ps != null) {
            ps.pending.remove(pending.offset());
        }
    }

    private void goLiveWhereRebuilt() {
        for (Map.Entry<TopicPartition, PartitionState> e : partitions.entrySet()) {
            PartitionState ps = e.getValue();
            if (!ps.live && consumer.position(e.getKey()) >= ps.rebuildEnd) {
                ps.live = true;
                log.info(
                        "Worker {} rebuilt {} up to offset {}; {} turn(s) to run",
                        name,
                        e.getKey(),
                        ps.rebuildEnd,
                        ps.pending.size());
                for (Pending pending : ps.pending.values()) {
                    dispatch(pending, ps.epoch);
                }
            }
        }
    }

    private void dispatch(Pending pending, int epoch) {
        WorkerConversation c = conversations.get(pending.conversationId());
        if (c == null) {
            return;
        }
        ConversationSnapshot snapshot = c.snapshot();
        inFlight.incrementAndGet();
        pool.execute(
                () -> {
                    List<Object> payloads;
                    try {
                        payloads = runner.run(snapshot, pending.request());
                    } catch (RuntimeException e) {
                        log.error(
                                "Turn {} of {} failed unexpectedly",
                                pending.turn(),
                                pending.conversationId(),
                                e);
                        payloads =
                                List.of(
                                        TurnRunner.failed(
                                                pending.request(),
                                                pending.request().getSpeakerAgentId(),
                                                1,
                                                "internal error: " + e,
                                                false));
                    }
                    completed.add(new Completed(pending, epoch, payloads));
                });
    }

    /**
     * Finished turns and the offsets below every unanswered turn, to publish in one transaction;
     * null when there is nothing to publish yet.
     */
    private Batch<String, ConversationEvent> publishable() {
        List<Completed> batch = new ArrayList<>();
        for (Completed c; (c = completed.poll()) != null; ) {
            batch.add(c);
        }
        long now = System.currentTimeMillis();
        if (batch.isEmpty() && now - lastOffsetCommit < OFFSET_COMMIT_INTERVAL_MS) {
            return null;
        }
        List<Completed> publishable = new ArrayList<>();
        for (Completed c : batch) {
            Pending p = c.pending();
            PartitionState ps = partitions.get(p.partition());
            WorkerConversation conversation = conversations.get(p.conversationId());
            boolean current =
                    ps != null && ps.epoch == c.epoch() && isSame(pendingByTurn.get(p.key()), p);
            if (c.payloads() == null
                    || !current
                    || conversation == null
                    || conversation.failed()
                    || conversation.turnsDone() > p.turn()) {
                // Moved to another worker, ended, answered already, or abandoned: publishing would
                // duplicate.
                inFlight.decrementAndGet();
                continue;
            }
            publishable.add(c);
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, PartitionState> e : partitions.entrySet()) {
            PartitionState ps = e.getValue();
            if (!ps.live) {
                continue;
            }
            long safe = firstUnanswered(ps, publishable, e.getKey());
            if (safe != ps.committed) {
                offsets.put(e.getKey(), new OffsetAndMetadata(safe));
            }
        }
        lastOffsetCommit = now;
        if (publishable.isEmpty() && offsets.isEmpty()) {
            return null;
        }
        List<ProducerRecord<String, ConversationEvent>> records = new ArrayList<>();
        for (Completed c : publishable) {
            Envelope cause = c.pending().cause();
            for (Object payload : c.payloads()) {
                Envelope envelope =
                        cause == null
                                ? Envelopes.create(ConversationTopology.SOURCE)
                                : Envelopes.causedBy(
                                        cause, ConversationTopology.SOURCE, Instant.now());
                records.add(
                        new ProducerRecord<>(
                                topic.name(),
                                c.pending().conversationId(),
                                ConversationEvent.newBuilder()
                                        .setEnvelope(envelope)
                                        .setConversationId(c.pending().conversationId())
                                        .setPayload(payload)
                                        .build()));
            }
        }
        return Batch.of(records, offsets)
                .onCommitted(() -> published(publishable, offsets))
                .onAborted(
                        e -> {
                            // Nothing of the history changed: publish the same turns next time.
                            completed.addAll(publishable);
                            return TransactionalLoop.Recovery.RESUME;
                        });
    }

    private void published(
            List<Completed> publishable, Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach(
                (tp, o) -> {
                    PartitionState ps = partitions.get(tp);
                    if (ps != null) {
                        ps.committed = o.offset();
                    }
                });
        for (Completed c : publishable) {
            // The offset may move past it now, but the turn stays known until its outcome
            // (MessageAppended or final TurnFailed) is read back: a resume's re-request read in
            // between must not run it again.
            PartitionState ps = partitions.get(c.pending().partition());
            if (ps != null) {
                ps.pending.remove(c.pending().offset());
            }
            inFlight.decrementAndGet();
        }
    }

    private long firstUnanswered(PartitionState ps, List<Completed> publishing, TopicPartition tp) {
        for (Map.Entry<Long, Pending> e : ps.pending.entrySet()) {
            boolean beingPublished =
                    publishing.stream().anyMatch(c -> isSame(c.pending(), e.getValue()));
            if (!beingPublished) {
                return e.getKey();
            }
        }
        return consumer.position(tp);
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            Batch<String, ConversationEvent> last = publishable();
            if (last != null) {
                // A no-op once halted: a crashed worker publishes nothing.
                loop.commit(last);
            }
            drop(revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            drop(lost);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if (assigned.isEmpty()) {
                return;
            }
            // History lives in the log: re-read each partition from its start, run its turns once
            // caught up.
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
            for (TopicPartition tp : assigned) {
                partitions.put(tp, new PartitionState(++epochs, ends.getOrDefault(tp, 0L)));
            }
            log.info("Worker {} assigned {}", name, assigned);
        }

        private void drop(Collection<TopicPartition> gone) {
            for (TopicPartition tp : gone) {
                partitions.remove(tp);
            }
            conversations.values().removeIf(c -> gone.contains(c.partition));
            for (Iterator<Pending> it = pendingByTurn.values().iterator(); it.hasNext(); ) {
                if (gone.contains(it.next().partition())) {
                    it.remove();
                }
            }
        }
    }

    /**
     * Stops this worker the way a crash would: no more polling or publishing, nothing closed, no
     * offsets committed, no group left. Its partitions move once the group notices it is gone. For
     * tests of recovery; call {@link #close()} later to release the abandoned clients.
     */
    public void halt() {
        loop.halt();
        pool.shutdownNow();
    }

    @Override
    public void close() {
        loop.close();
    }

    /**
     * Whether two pending turns are the very same dispatch: a turn re-dispatched after a rebalance
     * is equal to its earlier self but must not be mistaken for it.
     */
    @SuppressWarnings("ReferenceEquality")
    private static boolean isSame(Pending a, Pending b) {
        return a == b;
    }

    static String turnKey(String conversationId, int turn) {
        return conversationId + "#" + turn;
    }
}
