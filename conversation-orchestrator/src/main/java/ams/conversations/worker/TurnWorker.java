package ams.conversations.worker;

import ams.conversations.ConversationConfig;
import ams.conversations.statemachine.ConversationTopology;
import ams.events.Envelope;
import ams.events.Envelopes;
import ams.events.conversation.ConversationEvent;
import ams.events.topics.Topic;
import ams.service.kafka.Batch;
import ams.service.kafka.TransactionalClients;
import ams.service.kafka.TransactionalLoop;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
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
    private final TurnLedger ledger = new TurnLedger();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private long lastOffsetCommit;

    /** A finished turn waiting for the poll thread to publish it. */
    private record Completed(TurnLedger.Turn turn, List<Object> payloads) {}

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
        if (!ledger.owns(tp)) {
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
        // A null event is a tombstone, dead-lettered by the state machine like any undecodable
        // record.
        ledger.apply(tp, record.offset(), event).forEach(this::dispatch);
    }

    private void goLiveWhereRebuilt() {
        for (TopicPartition tp : ledger.rebuilding()) {
            List<TurnLedger.Turn> run = ledger.caughtUp(tp, consumer.position(tp));
            if (!ledger.live(tp)) {
                continue;
            }
            log.info(
                    "Worker {} rebuilt {} up to offset {}; {} turn(s) to run",
                    name,
                    tp,
                    ledger.rebuildEnd(tp),
                    run.size());
            run.forEach(this::dispatch);
        }
    }

    private void dispatch(TurnLedger.Turn turn) {
        ConversationSnapshot snapshot = ledger.snapshot(turn);
        if (snapshot == null) {
            return;
        }
        inFlight.incrementAndGet();
        pool.execute(
                () -> {
                    List<Object> payloads;
                    try {
                        payloads = runner.run(snapshot, turn.request());
                    } catch (RuntimeException e) {
                        log.error(
                                "Turn {} of {} failed unexpectedly",
                                turn.turn(),
                                turn.conversationId(),
                                e);
                        payloads =
                                List.of(
                                        TurnRunner.failed(
                                                turn.request(),
                                                turn.request().getSpeakerAgentId(),
                                                1,
                                                "internal error: " + e,
                                                false));
                    }
                    completed.add(new Completed(turn, payloads));
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
        Set<TurnLedger.Turn> publishing = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Completed c : batch) {
            if (c.payloads() == null || !ledger.stillWanted(c.turn())) {
                // Moved to another worker, ended, answered already, or abandoned: publishing would
                // duplicate.
                inFlight.decrementAndGet();
                continue;
            }
            publishable.add(c);
            publishing.add(c.turn());
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : ledger.owned()) {
            long safe = ledger.safeOffset(tp, publishing, consumer.position(tp));
            if (safe >= 0 && safe != committed.getOrDefault(tp, -1L)) {
                offsets.put(tp, new OffsetAndMetadata(safe));
            }
        }
        lastOffsetCommit = now;
        if (publishable.isEmpty() && offsets.isEmpty()) {
            return null;
        }
        List<ProducerRecord<String, ConversationEvent>> records = new ArrayList<>();
        for (Completed c : publishable) {
            Envelope cause = c.turn().cause();
            for (Object payload : c.payloads()) {
                Envelope envelope =
                        cause == null
                                ? Envelopes.create(ConversationTopology.SOURCE)
                                : Envelopes.causedBy(
                                        cause, ConversationTopology.SOURCE, Instant.now());
                records.add(
                        new ProducerRecord<>(
                                topic.name(),
                                c.turn().conversationId(),
                                ConversationEvent.newBuilder()
                                        .setEnvelope(envelope)
                                        .setConversationId(c.turn().conversationId())
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
        offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
        for (Completed c : publishable) {
            ledger.published(c.turn());
            inFlight.decrementAndGet();
        }
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
                ledger.assigned(tp, ends.getOrDefault(tp, 0L));
                committed.remove(tp);
            }
            log.info("Worker {} assigned {}", name, assigned);
        }

        private void drop(Collection<TopicPartition> gone) {
            ledger.dropped(gone);
            gone.forEach(committed::remove);
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
}
