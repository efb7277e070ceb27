package ams.export.sink;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.DeadLetters;
import ams.events.conversation.ConversationEvent;
import ams.events.serde.EventDecodingException;
import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import ams.export.ExporterConfig;
import ams.export.format.JsonFormats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
    private final Map<Integer, PartitionPipeline> pipelines = new HashMap<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    /**
     * Undecodable records whose dead letters are in flight; their offsets reach the files only once
     * those are acked.
     */
    private final List<PendingLetter> pendingLetters = new ArrayList<>();

    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile SinkStatus status =
            new SinkStatus(SinkStatus.State.STARTING, null, 0, 0, 0, Map.of());
    private volatile boolean closed;
    private long recordsConsumed;
    private long deadLettered;
    private long failures;
    private String lastError;
    private boolean failed;

    public ConversationSink(ExporterConfig config) {
        this.config = config;
        TopicCatalogue catalogue = config.catalogue();
        this.topic = catalogue.conversationEvents();
        this.deadLetters = catalogue.deadLetters();
    }

    public SinkStatus status() {
        return status;
    }

    @Override
    public void run() {
        try (KafkaConsumer<byte[], byte[]> c =
                        new KafkaConsumer<>(
                                consumerProperties(),
                                new ByteArrayDeserializer(),
                                new ByteArrayDeserializer());
                KafkaProducer<byte[], DeadLetter> producer =
                        new KafkaProducer<>(
                                producerProperties(),
                                deadLetters.keySerde().serializer(),
                                deadLetters.valueSerde().serializer())) {
            consumer = c;
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
                    ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(200));
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        process(record, producer);
                    }
                    settleDeadLetters();
                    long now = System.currentTimeMillis();
                    for (PartitionPipeline pipeline : pipelines.values()) {
                        pipeline.rotateIfIdle(now);
                    }
                    commit();
                    if (failed) {
                        log.info("Exporter sink resumed after the write failure");
                    }
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
                    for (PartitionPipeline pipeline : pipelines.values()) {
                        pipeline.flush();
                    }
                    commit();
                } catch (IOException | UncheckedIOException e) {
                    log.error(
                            "Could not publish the open files on shutdown; they will be written again on start",
                            e);
                    pipelines.values().forEach(PartitionPipeline::abort);
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                throw e;
            }
        } finally {
            pipelines.values().forEach(PartitionPipeline::abort);
            publishStatus(SinkStatus.State.STOPPED);
            log.info("Exporter sink stopped");
        }
    }

    private void process(
            ConsumerRecord<byte[], byte[]> record, KafkaProducer<byte[], DeadLetter> producer)
            throws IOException {
        PartitionPipeline pipeline = pipelines.get(record.partition());
        if (pipeline == null) {
            return;
        }
        recordsConsumed++;
        ConversationEvent event;
        try {
            event =
                    record.value() == null
                            ? null
                            : topic.valueSerde()
                                    .deserializer()
                                    .deserialize(topic.name(), record.value());
        } catch (SerializationException e) {
            deadLetter(
                    record,
                    pipeline,
                    producer,
                    e instanceof EventDecodingException d
                            ? d.kind() + ": " + d.getMessage()
                            : e.getMessage());
            return;
        }
        if (event == null) {
            deadLetter(
                    record,
                    pipeline,
                    producer,
                    "Record without a value; conversation-events carries no tombstones");
            return;
        }
        settleDeadLetters();
        pipeline.handle(record.offset(), event);
    }

    /**
     * An undecodable record waiting for its dead letter's ack before its offset is skipped in the
     * files.
     */
    private record PendingLetter(
            ConsumerRecord<byte[], byte[]> record,
            PartitionPipeline pipeline,
            Future<RecordMetadata> sent,
            String detail) {}

    private void deadLetter(
            ConsumerRecord<byte[], byte[]> record,
            PartitionPipeline pipeline,
            KafkaProducer<byte[], DeadLetter> producer,
            String detail) {
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
                            record.value(),
                            record.timestamp(),
                            DeadLetterReason.UNDECODABLE,
                            detail,
                            null);
            sent = producer.send(new ProducerRecord<>(deadLetters.name(), record.key(), letter));
        }
        pendingLetters.add(new PendingLetter(record, pipeline, sent, detail));
    }

    /**
     * Waits for the dead letters in flight, then lets their offsets reach the files: a dead letter
     * must be on its topic before a file covering its offset is published. Sending a run of them
     * before waiting keeps a flood of bad records from costing one round trip each.
     */
    private void settleDeadLetters() throws IOException {
        try {
            for (PendingLetter pending : pendingLetters) {
                ConsumerRecord<byte[], byte[]> record = pending.record();
                if (pending.sent() != null) {
                    await(pending);
                    deadLettered++;
                    log.warn(
                            "Undecodable record {}-{}@{} sent to {}: {}",
                            record.topic(),
                            record.partition(),
                            record.offset(),
                            deadLetters.name(),
                            pending.detail());
                }
                pending.pipeline().skip(record.offset(), record.timestamp());
            }
        } finally {
            pendingLetters.clear();
        }
    }

    private void await(PendingLetter pending) {
        ConsumerRecord<byte[], byte[]> record = pending.record();
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
        pendingLetters
                .clear(); // their records are read again from the files' end, and dead-lettered
        // then
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

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        pipelines.forEach(
                (p, pipeline) -> {
                    long safe = pipeline.safeOffset();
                    TopicPartition tp = new TopicPartition(topic.name(), p);
                    if (safe >= 0 && safe != committed.getOrDefault(tp, -1L)) {
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
        status = new SinkStatus(state, lastError, recordsConsumed, deadLettered, failures, next);
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
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId() + "-sink");
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

    @Override
    public void close() {
        closed = true;
        stop.countDown();
        KafkaConsumer<byte[], byte[]> c = consumer;
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
            for (TopicPartition tp : partitions) {
                PartitionPipeline pipeline = pipelines.remove(tp.partition());
                if (pipeline == null) {
                    continue;
                }
                try {
                    if (!failed) {
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
