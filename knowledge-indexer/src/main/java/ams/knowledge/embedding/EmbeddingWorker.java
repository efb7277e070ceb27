package ams.knowledge.embedding;

import ams.events.DeadLetter;
import ams.events.topics.Topic;
import ams.knowledge.avro.IndexedDocument;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional consume-embed-produce loop: reads knowledge-events, embeds each poll's
 * documents off any stream thread, and writes the chunk records (or dead letters) together with the
 * input offsets in one transaction. A slow model therefore delays this loop only; the poll size
 * ({@code worker.max.poll.records}) bounds the time between polls.
 */
public final class EmbeddingWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddingWorker.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final String inputTopic;
    private final Topic<String, IndexedDocument> chunks;
    private final Topic<byte[], DeadLetter> deadLetters;
    private final BatchIndexer indexer;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong documentsIndexed = new AtomicLong();
    private final AtomicLong chunksEmbedded = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean started;

    public EmbeddingWorker(
            String bootstrapServers,
            String groupId,
            String transactionalId,
            int maxPollRecords,
            String inputTopic,
            Topic<String, IndexedDocument> chunks,
            Topic<byte[], DeadLetter> deadLetters,
            BatchIndexer indexer) {
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        this.consumer =
                new KafkaConsumer<>(
                        consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.producer =
                new KafkaProducer<>(
                        producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        this.inputTopic = inputTopic;
        this.chunks = chunks;
        this.deadLetters = deadLetters;
        this.indexer = indexer;
        this.thread = new Thread(this::run, "knowledge-embedder-" + transactionalId);
    }

    public void start() {
        started = true;
        thread.start();
    }

    public long documentsIndexed() {
        return documentsIndexed.get();
    }

    public long chunksEmbedded() {
        return chunksEmbedded.get();
    }

    public long deadLettered() {
        return deadLettered.get();
    }

    /**
     * Time spent processing polled batches (embedding, producing, committing), excluding idle
     * polls.
     */
    public long busyNanos() {
        return busyNanos.get();
    }

    /** Time of those batches spent inside the embedding model. */
    public long embeddingNanos() {
        return indexer.embeddingNanos();
    }

    /** Why the loop stopped on its own, if it did. */
    public Throwable failure() {
        return failure.get();
    }

    public boolean isRunning() {
        return running && thread.isAlive();
    }

    private void run() {
        try {
            producer.initTransactions();
            consumer.subscribe(List.of(inputTopic));
            log.info("Embedding worker started on {} -> {}", inputTopic, chunks.name());
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    long started = System.nanoTime();
                    processBatch(records);
                    busyNanos.addAndGet(System.nanoTime() - started);
                }
            }
        } catch (WakeupException | InterruptException e) {
            if (running) {
                failure.set(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.set(e);
            log.error("Embedding worker stopped: {}", e.toString(), e);
        } finally {
            running = false;
            closeQuietly();
            stopped.countDown();
        }
    }

    // In a transaction a failed send fails commitTransaction: the future has nothing more to say.
    @SuppressWarnings("FutureReturnValueIgnored")
    private void processBatch(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        List<ConsumerRecord<byte[], byte[]>> list = new ArrayList<>(records.count());
        records.forEach(list::add);
        List<BatchIndexer.Outcome> outcomes;
        try {
            outcomes = indexer.index(list);
        } catch (BatchIndexer.RetryLaterException e) {
            log.warn(
                    "Embedding service unavailable, retrying {} records later: {}",
                    list.size(),
                    e.getMessage());
            rewind(list);
            return;
        }
        try {
            producer.beginTransaction();
            for (BatchIndexer.Outcome outcome : outcomes) {
                if (outcome.indexed() != null) {
                    byte[] key =
                            chunks.keySerde()
                                    .serializer()
                                    .serialize(chunks.name(), outcome.agentId());
                    byte[] value =
                            chunks.valueSerde()
                                    .serializer()
                                    .serialize(chunks.name(), outcome.indexed());
                    producer.send(new ProducerRecord<>(chunks.name(), key, value));
                } else {
                    byte[] value =
                            deadLetters
                                    .valueSerde()
                                    .serializer()
                                    .serialize(deadLetters.name(), outcome.deadLetter());
                    producer.send(
                            new ProducerRecord<>(deadLetters.name(), outcome.input().key(), value));
                }
            }
            producer.sendOffsetsToTransaction(nextOffsets(list), consumer.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            throw e;
        } catch (KafkaException e) {
            log.warn("Transaction of {} records aborted, retrying: {}", list.size(), e.toString());
            producer.abortTransaction();
            rewind(list);
            return;
        }
        for (BatchIndexer.Outcome outcome : outcomes) {
            if (outcome.indexed() != null) {
                documentsIndexed.incrementAndGet();
                chunksEmbedded.addAndGet(outcome.indexed().getChunks().size());
            } else {
                deadLettered.incrementAndGet();
            }
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(
            List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            offsets.merge(
                    new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return offsets;
    }

    /**
     * Seeks back to the first record of the batch in each partition, so the next poll returns them
     * again.
     */
    private void rewind(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            first.merge(
                    new TopicPartition(record.topic(), record.partition()),
                    record.offset(),
                    Math::min);
        }
        first.forEach(
                (partition, offset) -> {
                    if (consumer.assignment().contains(partition)) {
                        consumer.seek(partition, offset);
                    }
                });
    }

    private void closeQuietly() {
        try {
            consumer.close();
        } catch (RuntimeException e) {
            log.debug("Consumer close: {}", e.toString());
        }
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.debug("Producer close: {}", e.toString());
        }
    }

    @Override
    public void close() {
        running = false;
        if (!started) {
            closeQuietly();
            return;
        }
        consumer.wakeup();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
