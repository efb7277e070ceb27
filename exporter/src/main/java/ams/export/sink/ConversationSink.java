package ams.export.sink;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.DeadLetters;
import ams.events.conversation.ConversationEvent;
import ams.events.serde.EventDecodingException;
import ams.events.serde.SingleObjectSerde;
import ams.events.serde.Utf8Decoder;
import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import ams.export.ExporterConfig;
import ams.export.format.JsonFormats;
import ams.export.format.TurnBytes;
import ams.export.format.Utf8Turns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continuous sink: a plain consumer-group application over conversation-events. Positions come
 * from the files on disk (never from committed offsets), files are published atomically, and
 * offsets are committed only after the files they cover are renamed. A write failure (full disk,
 * unwritable root) drops the open files, reports the error in {@link #status()}, and retries after
 * a back-off from what is on disk.
 */
public final class ConversationSink implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConversationSink.class);

    private final ExporterConfig config;
    private final Topic<String, ConversationEvent> topic;
    private final Topic<byte[], DeadLetter> deadLetters;
    private final JsonFormats json = new JsonFormats();

    /**
     * Set when {@code turns} is the only dataset: events are then decoded with their strings as
     * UTF-8 bytes, which the turn lines copy as they are, instead of into the generated classes
     * (same checks, same dead letters: {@link Utf8Decoder}). Null: the generated classes, which the
     * other datasets read.
     */
    private final Utf8Decoder utf8Decoder;

    private final Utf8Turns utf8Turns;

    /** Reads the common message straight from its bytes; the decoder takes the rest. */
    private final TurnBytes turnBytes = new TurnBytes();

    private final Map<Integer, PartitionPipeline> pipelines = new HashMap<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    private final Optional<String> instanceId;
    private volatile KafkaConsumer<byte[], ByteBuffer> consumer;

    /** The thread that writes the files; the pipelines are its own while batches are in flight. */
    private SinkWriter writer;

    /** The thread that decodes polled batches and dead-letters what does not decode. */
    private SinkDecoder decoder;

    /** Offsets the writer thread last found safe to commit, per partition. */
    private volatile Map<Integer, Long> written = Map.of();

    /** A write failure reported while a rebalance drained the writer inside poll. */
    private IOException deferredFailure;

    private volatile SinkStatus status =
            new SinkStatus(SinkStatus.State.STARTING, null, 0, 0, 0, Map.of());
    private volatile boolean closed;

    /** Set by the consumer thread once it has published what it had on stopping. */
    private boolean stopped;

    private long recordsConsumed;

    /** Counted on the decoding thread, read for the status on the consumer thread. */
    private final AtomicLong deadLettered = new AtomicLong();

    private long failures;
    private String lastError;
    private boolean failed;

    /** A sink whose consumer is a dynamic group member. */
    public ConversationSink(ExporterConfig config) {
        this(config, Optional.empty());
    }

    /**
     * A sink whose consumer is a static group member under {@code instanceId} when given: a process
     * killed with -9 and started again under the same id takes its partitions back at once instead
     * of waiting out the dead member's session (45 s). The id must be stable across restarts of one
     * exporter and held by no other live one ({@code StaticMembership.instanceId} of the group and
     * the HTTP port the process has bound).
     */
    public ConversationSink(ExporterConfig config, Optional<String> instanceId) {
        this.instanceId = instanceId;
        this.config = config;
        TopicCatalogue catalogue = config.catalogue();
        this.topic = catalogue.conversationEvents();
        this.deadLetters = catalogue.deadLetters();
        if (config.datasets().equals(Set.of(Dataset.turns().name()))
                && topic.valueSerde() instanceof SingleObjectSerde<?> serde) {
            this.utf8Decoder = serde.utf8Decoder(Utf8Turns.FIELDS);
            this.utf8Turns = new Utf8Turns(utf8Decoder.schema());
        } else {
            this.utf8Decoder = null;
            this.utf8Turns = null;
        }
    }

    public SinkStatus status() {
        return status;
    }

    @Override
    // GroupExit is there to be closed (leaving the group), never referenced.
    @SuppressWarnings("try")
    public void run() {
        try (KafkaConsumer<byte[], ByteBuffer> c =
                        new KafkaConsumer<>(
                                consumerProperties(),
                                new ByteArrayDeserializer(),
                                // The value as a view of the fetched bytes: ByteArrayDeserializer
                                // copies every value into a new array on the consumer thread
                                // (CompletedFetch.parseRecord, 39 of that thread's 101 samples in
                                // the JSONL profile of 2026-12-05); the decoding thread reads it.
                                new ByteBufferDeserializer());
                GroupExit exit = new GroupExit(c);
                KafkaProducer<byte[], DeadLetter> producer =
                        new KafkaProducer<>(
                                producerProperties(),
                                deadLetters.keySerde().serializer(),
                                deadLetters.valueSerde().serializer());
                SinkDecoder d = new SinkDecoder(config.groupId() + "-decoder");
                // Closed before the decoder: a write waiting for its decode gets it.
                SinkWriter w = new SinkWriter(config.groupId() + "-writer")) {
            consumer = c;
            writer = w;
            decoder = d;
            if (closed) {
                return;
            }
            c.subscribe(List.of(topic.name()), new Rebalance());
            log.info(
                    "Exporter sink started: {} -> {}",
                    topic.name(),
                    config.datasetRoot().toAbsolutePath());
            while (!closed) {
                try {
                    if (failed) {
                        recover(
                                pipelines.keySet().stream()
                                        .map(p -> new TopicPartition(topic.name(), p))
                                        .toList());
                    }
                    ConsumerRecords<byte[], ByteBuffer> records = c.poll(Duration.ofMillis(200));
                    throwDeferredFailure();
                    Map<Integer, PartitionPipeline> assigned = Map.copyOf(pipelines);
                    countConsumed(records, assigned);
                    // Decoded on the decoding thread and written on the writer thread while
                    // this one polls the next batch.
                    Future<List<Decoded>> batch =
                            d.submit(() -> decode(records, assigned, producer));
                    List<PartitionPipeline> open = List.copyOf(assigned.values());
                    w.submit(() -> write(SinkDecoder.await(batch), open));
                    if (failed) {
                        // Only call it resumed once a batch has been written again.
                        drain();
                        log.info("Exporter sink resumed after the write failure");
                    }
                    commit(written);
                    failed = false;
                    lastError = null;
                    publishStatus(SinkStatus.State.RUNNING);
                } catch (IOException | UncheckedIOException e) {
                    onWriteFailure(e);
                } catch (WakeupException e) {
                    if (!closed) {
                        throw e;
                    }
                    // close() woke the poll: leave the loop and publish what is open below.
                }
            }
            if (!failed) {
                try {
                    drain();
                    throwDeferredFailure();
                    for (PartitionPipeline pipeline : pipelines.values()) {
                        pipeline.flush();
                    }
                    commit(safeOffsets(pipelines.values()));
                } catch (IOException | UncheckedIOException e) {
                    log.error(
                            "Could not publish the open files on shutdown; they will be written again on start",
                            e);
                    pipelines.values().forEach(PartitionPipeline::abort);
                }
            }
            // Closing the consumer below revokes the partitions; what they had is published and
            // committed above (or dropped), so the revocation has nothing left to do.
            stopped = true;
        } catch (WakeupException e) {
            if (!closed) {
                throw e;
            }
        } finally {
            // The writer thread has stopped (closed with the resources above).
            pipelines.values().forEach(PartitionPipeline::abort);
            publishStatus(SinkStatus.State.STOPPED);
            log.info("Exporter sink stopped");
        }
    }

    /**
     * A decoded record for the writer thread: the event, or (turns only) its turn fields; both
     * null: skip it (dead-lettered).
     */
    private record Decoded(
            PartitionPipeline pipeline,
            long offset,
            ConversationEvent event,
            Utf8Turns.Turn turn,
            long recordTime) {}

    /** Counts, on the consumer thread, the polled records of partitions this sink writes. */
    private void countConsumed(
            ConsumerRecords<byte[], ByteBuffer> records, Map<Integer, PartitionPipeline> assigned) {
        for (TopicPartition tp : records.partitions()) {
            if (assigned.containsKey(tp.partition())) {
                recordsConsumed += records.records(tp).size();
            }
        }
    }

    /**
     * Decodes a polled batch on the decoding thread. Undecodable records are dead-lettered, and
     * their letters acked, before the batch goes to the writer thread: a dead letter must be on its
     * topic before a file covering its offset is published. Sending a run of them before waiting
     * keeps a flood of bad records from costing one round trip each. {@code assigned} is the
     * consumer thread's map of pipelines as it was when the batch was polled.
     */
    private List<Decoded> decode(
            ConsumerRecords<byte[], ByteBuffer> records,
            Map<Integer, PartitionPipeline> assigned,
            KafkaProducer<byte[], DeadLetter> producer) {
        List<Decoded> batch = new ArrayList<>(records.count());
        List<PendingLetter> letters = new ArrayList<>();
        for (ConsumerRecord<byte[], ByteBuffer> record : records) {
            PartitionPipeline pipeline = assigned.get(record.partition());
            if (pipeline == null) {
                continue;
            }
            batch.add(decode(record, pipeline, producer, letters));
        }
        settleDeadLetters(letters);
        return batch;
    }

    /** The decoded record; a skip after dead-lettering it. */
    private Decoded decode(
            ConsumerRecord<byte[], ByteBuffer> record,
            PartitionPipeline pipeline,
            KafkaProducer<byte[], DeadLetter> producer,
            List<PendingLetter> letters) {
        Decoded skip = new Decoded(pipeline, record.offset(), null, null, record.timestamp());
        if (record.value() == null) {
            deadLetter(
                    record,
                    pipeline,
                    producer,
                    "Record without a value; conversation-events carries no tombstones",
                    letters);
            return skip;
        }
        try {
            if (utf8Decoder != null) {
                Utf8Turns.Turn turn = turnBytes.read(record.value());
                if (turn == null) {
                    turn = utf8Turns.read(utf8Decoder.decode(bytes(record.value())));
                }
                return new Decoded(pipeline, record.offset(), null, turn, record.timestamp());
            }
            ConversationEvent event =
                    topic.valueSerde()
                            .deserializer()
                            .deserialize(topic.name(), bytes(record.value()));
            return new Decoded(pipeline, record.offset(), event, null, record.timestamp());
        } catch (SerializationException e) {
            deadLetter(
                    record,
                    pipeline,
                    producer,
                    e instanceof EventDecodingException d
                            ? d.kind() + ": " + d.getMessage()
                            : e.getMessage(),
                    letters);
            return skip;
        }
    }

    /**
     * A copy of a value's bytes, for what needs an array of its own (the generated classes'
     * decoder, the fall-back decoder, a dead letter); on the decoding thread, not the consumer's.
     */
    private static byte[] bytes(ByteBuffer value) {
        byte[] copy = new byte[value.remaining()];
        value.duplicate().get(copy);
        return copy;
    }

    /**
     * The writer thread's part: rows, files, rotation; then the offsets now safe to commit. The
     * pipelines are this thread's until the consumer thread drains the writer.
     */
    private void write(List<Decoded> batch, List<PartitionPipeline> open) throws IOException {
        for (Decoded d : batch) {
            if (d.event() != null) {
                d.pipeline().handle(d.offset(), d.event());
            } else if (d.turn() != null) {
                d.pipeline().handle(d.offset(), d.turn());
            } else {
                d.pipeline().skip(d.offset(), d.recordTime());
            }
        }
        long now = System.currentTimeMillis();
        for (PartitionPipeline pipeline : open) {
            pipeline.rotateIfIdle(now);
        }
        written = safeOffsets(open);
    }

    private static Map<Integer, Long> safeOffsets(Collection<PartitionPipeline> open) {
        Map<Integer, Long> safe = new HashMap<>();
        for (PartitionPipeline pipeline : open) {
            safe.put(pipeline.partition(), pipeline.safeOffset());
        }
        return safe;
    }

    /** A write failure the writer reported while a rebalance drained it inside poll. */
    private void throwDeferredFailure() throws IOException {
        IOException e = deferredFailure;
        if (e != null) {
            deferredFailure = null;
            throw e;
        }
    }

    /**
     * Waits for the writer and decoding threads to be idle before the pipelines are touched here; a
     * write failure it reports is handled once poll returns.
     */
    private boolean drainWriter() {
        try {
            drain();
            return deferredFailure == null;
        } catch (IOException e) {
            deferredFailure = e;
            return false;
        }
    }

    /**
     * Waits until every batch polled so far is decoded and written (or skipped after a write
     * failure, which is thrown): both threads are idle afterwards.
     */
    private void drain() throws IOException {
        try {
            writer.drain();
        } finally {
            // A write skipped after a failure does not wait for its decode: wait here.
            decoder.idle();
        }
    }

    /**
     * An undecodable record waiting for its dead letter's ack before its offset is skipped in the
     * files.
     */
    private record PendingLetter(
            ConsumerRecord<byte[], ByteBuffer> record,
            PartitionPipeline pipeline,
            Future<RecordMetadata> sent,
            String detail) {}

    private void deadLetter(
            ConsumerRecord<byte[], ByteBuffer> record,
            PartitionPipeline pipeline,
            KafkaProducer<byte[], DeadLetter> producer,
            String detail,
            List<PendingLetter> letters) {
        Future<RecordMetadata> sent = null;
        // Not again when re-read after a restart: it was dead-lettered before its offset reached
        // the files.
        if (!pipeline.alreadyWritten(record.offset())) {
            DeadLetter letter =
                    DeadLetters.of(
                            // The application is named by its id, as every processor's letters are.
                            config.groupId(),
                            record.topic(),
                            record.partition(),
                            record.offset(),
                            record.key(),
                            record.value() == null ? null : bytes(record.value()),
                            record.timestamp(),
                            DeadLetterReason.UNDECODABLE,
                            detail,
                            null);
            sent = producer.send(new ProducerRecord<>(deadLetters.name(), record.key(), letter));
        }
        letters.add(new PendingLetter(record, pipeline, sent, detail));
    }

    /** Waits for the dead letters in flight (their records go to the writer as skips). */
    private void settleDeadLetters(List<PendingLetter> letters) {
        for (PendingLetter pending : letters) {
            ConsumerRecord<byte[], ByteBuffer> record = pending.record();
            if (pending.sent() != null) {
                await(pending);
                deadLettered.incrementAndGet();
                log.warn(
                        "Undecodable record {}-{}@{} sent to {}: {}",
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        deadLetters.name(),
                        pending.detail());
            }
        }
    }

    private void await(PendingLetter pending) {
        ConsumerRecord<byte[], ByteBuffer> record = pending.record();
        try {
            pending.sent().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException(
                    "Interrupted while dead-lettering "
                            + record.topic()
                            + "-"
                            + record.partition()
                            + "@"
                            + record.offset(),
                    e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new KafkaException(
                    "Cannot dead-letter "
                            + record.topic()
                            + "-"
                            + record.partition()
                            + "@"
                            + record.offset()
                            + " to "
                            + deadLetters.name(),
                    e);
        }
    }

    private void onWriteFailure(Exception e) {
        drainWriter(); // the pipelines are dropped below: the writer must be idle
        deferredFailure = null;
        failures++;
        failed = true;
        lastError =
                "Cannot write under "
                        + config.datasetRoot().toAbsolutePath()
                        + ": "
                        + e
                        + ". Nothing past the files on disk was committed; retrying in "
                        + config.retryBackoffMs()
                        + " ms.";
        log.error("Exporter sink stopped writing: {}", lastError);
        pipelines.values().forEach(PartitionPipeline::abort);
        publishStatus(SinkStatus.State.FAILED);
        try {
            stop.await(config.retryBackoffMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /** Re-reads the file chains of these partitions and seeks to where they end. */
    private void recover(Collection<TopicPartition> partitions) throws IOException {
        for (TopicPartition tp : partitions) {
            PartitionPipeline pipeline =
                    pipelines.computeIfAbsent(
                            tp.partition(),
                            p ->
                                    new PartitionPipeline(
                                            topic.name(),
                                            p,
                                            config.datasetRoot(),
                                            config.rotation(),
                                            config.parquetCodec(),
                                            json,
                                            config.datasets()));
            pipeline.abort();
            long seek = pipeline.recover();
            if (seek < 0) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, seek);
            }
            log.info(
                    "Partition {}: resuming from {} (derived from the files on disk)",
                    tp,
                    seek < 0 ? "the beginning" : "offset " + seek);
        }
    }

    /** Commits the offsets before which everything is in published files (lag monitoring). */
    private void commit(Map<Integer, Long> safeOffsets) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        safeOffsets.forEach(
                (p, safe) -> {
                    TopicPartition tp = new TopicPartition(topic.name(), p);
                    if (pipelines.containsKey(p)
                            && safe >= 0
                            && safe.longValue() != committed.getOrDefault(tp, -1L)) {
                        offsets.put(tp, new OffsetAndMetadata(safe));
                    }
                });
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets);
            offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
        }
    }

    private void publishStatus(SinkStatus.State state) {
        Map<Integer, Map<String, Long>> next = new TreeMap<>();
        pipelines.forEach(
                (p, pipeline) -> {
                    Map<String, Long> perDataset = new TreeMap<>();
                    pipeline.sinks().forEach(s -> perDataset.put(s.dataset().name(), s.next()));
                    next.put(p, perDataset);
                });
        status =
                new SinkStatus(
                        state, lastError, recordsConsumed, deadLettered.get(), failures, next);
    }

    private Properties consumerProperties() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Only committed transactions: an aborted turn must never reach a dataset.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.pollMaxRecords());
        // Closing the consumer (every stop) waits for the answer to the fetch in flight, which on
        // a caught-up topic is held for fetch.max.wait.ms: Kafka's 500 ms made most of a stop.
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, config.fetchMaxWaitMs());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId() + "-sink");
        instanceId.ifPresent(id -> props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        return props;
    }

    private Properties producerProperties() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.groupId() + "-dead-letters");
        return props;
    }

    /**
     * Closes the consumer saying that it leaves the group, before the try-with-resources closes it
     * again (a no-op then): a static member does not leave by default, and a clean stop must move
     * its partitions at once.
     */
    private record GroupExit(KafkaConsumer<?, ?> consumer) implements AutoCloseable {
        @Override
        public void close() {
            consumer.close(
                    CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP));
        }
    }

    @Override
    public void close() {
        closed = true;
        stop.countDown();
        KafkaConsumer<byte[], ByteBuffer> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /**
     * Publishes what is open for revoked partitions, so the next owner starts where this one
     * stopped.
     */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (stopped) {
                return;
            }
            boolean writable = drainWriter();
            for (TopicPartition tp : partitions) {
                PartitionPipeline pipeline = pipelines.remove(tp.partition());
                if (pipeline == null) {
                    continue;
                }
                try {
                    if (!failed && writable) {
                        pipeline.flush();
                        long safe = pipeline.safeOffset();
                        if (safe >= 0) {
                            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(safe)));
                        }
                    }
                } catch (IOException | UncheckedIOException | KafkaException e) {
                    log.warn(
                            "Partition {} revoked with unpublished data; the next owner re-reads it: {}",
                            tp,
                            e.toString());
                } finally {
                    pipeline.abort();
                    committed.remove(tp);
                }
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            drainWriter();
            try {
                recover(partitions);
            } catch (IOException | UncheckedIOException e) {
                // The loop retries from the files once the disk is usable again.
                failed = true;
                lastError = "Cannot read the dataset root: " + e;
                log.error(lastError);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            drainWriter();
            for (TopicPartition tp : partitions) {
                PartitionPipeline pipeline = pipelines.remove(tp.partition());
                if (pipeline != null) {
                    pipeline.abort();
                }
                committed.remove(tp);
            }
        }
    }
}
