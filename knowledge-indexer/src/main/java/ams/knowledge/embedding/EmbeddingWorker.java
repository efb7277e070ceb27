package ams.knowledge.embedding;

import ams.events.DeadLetter;
import ams.events.topics.Topic;
import ams.knowledge.avro.IndexedDocument;
import ams.service.kafka.Batch;
import ams.service.kafka.TransactionalClients;
import ams.service.kafka.TransactionalLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The consume-embed-produce worker: reads knowledge-events, embeds each poll's documents off any
 * stream thread, and writes the chunk records (or dead letters) together with the input offsets in
 * one transaction of the shared {@link TransactionalLoop}. A slow model therefore delays this loop
 * only; the poll size ({@code worker.max.poll.records}) bounds the time between polls. An embedding
 * service that stays unavailable, like an aborted transaction, rewinds the batch to be embedded
 * again.
 */
public final class EmbeddingWorker implements AutoCloseable {

    private final Topic<String, IndexedDocument> chunks;
    private final Topic<byte[], DeadLetter> deadLetters;
    private final BatchIndexer indexer;
    private final TransactionalLoop<byte[], byte[], byte[], byte[]> loop;
    private final AtomicLong documentsIndexed = new AtomicLong();
    private final AtomicLong chunksEmbedded = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();

    public EmbeddingWorker(
            String bootstrapServers,
            String groupId,
            String transactionalId,
            int maxPollRecords,
            String inputTopic,
            Topic<String, IndexedDocument> chunks,
            Topic<byte[], DeadLetter> deadLetters,
            BatchIndexer indexer) {
        Properties consumerProps = TransactionalClients.consumer(bootstrapServers, groupId);
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        Properties producerProps = TransactionalClients.producer(bootstrapServers, transactionalId);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        this.chunks = chunks;
        this.deadLetters = deadLetters;
        this.indexer = indexer;
        this.loop =
                new TransactionalLoop<>(
                        "knowledge-embedder-" + transactionalId,
                        new KafkaConsumer<>(
                                consumerProps,
                                new ByteArrayDeserializer(),
                                new ByteArrayDeserializer()),
                        new KafkaProducer<>(
                                producerProps,
                                new ByteArraySerializer(),
                                new ByteArraySerializer()),
                        List.of(inputTopic),
                        new Work());
    }

    public void start() {
        loop.start();
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
        return loop.busyNanos();
    }

    /** Successful model calls. */
    public long embeddingCalls() {
        return indexer.embeddingCalls();
    }

    /** Wall time from the first batch with records to the end of the last one. */
    public long busySpanNanos() {
        return loop.busySpanNanos();
    }

    /** Time of those batches spent inside the embedding model. */
    public long embeddingNanos() {
        return indexer.embeddingNanos();
    }

    /** Why the loop stopped on its own, if it did. */
    public Throwable failure() {
        return loop.failure();
    }

    public boolean isRunning() {
        return loop.isRunning();
    }

    @Override
    public void close() {
        loop.close();
    }

    /**
     * One poll: index it, and write each outcome to the chunks or the dead letters. When indexing
     * throws (the embedding service stayed unavailable: {@code RetryLaterException}) the loop's
     * default recovery rewinds the batch, so good documents are embedded later, never
     * dead-lettered.
     */
    private final class Work implements TransactionalLoop.Work<byte[], byte[], byte[], byte[]> {

        @Override
        public Batch<byte[], byte[]> process(ConsumerRecords<byte[], byte[]> records)
                throws InterruptedException {
            if (records.isEmpty()) {
                return null;
            }
            List<ConsumerRecord<byte[], byte[]>> list = new ArrayList<>(records.count());
            records.forEach(list::add);
            List<BatchIndexer.Outcome> outcomes = indexer.index(list);
            List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(outcomes.size());
            for (BatchIndexer.Outcome outcome : outcomes) {
                out.add(record(outcome));
            }
            return Batch.of(out, Batch.nextOffsets(list)).onCommitted(() -> count(outcomes));
        }

        private ProducerRecord<byte[], byte[]> record(BatchIndexer.Outcome outcome) {
            if (outcome.indexed() != null) {
                byte[] key =
                        chunks.keySerde().serializer().serialize(chunks.name(), outcome.agentId());
                byte[] value =
                        chunks.valueSerde()
                                .serializer()
                                .serialize(chunks.name(), outcome.indexed());
                return new ProducerRecord<>(chunks.name(), key, value);
            }
            byte[] value =
                    deadLetters
                            .valueSerde()
                            .serializer()
                            .serialize(deadLetters.name(), outcome.deadLetter());
            return new ProducerRecord<>(deadLetters.name(), outcome.input().key(), value);
        }

        private void count(List<BatchIndexer.Outcome> outcomes) {
            for (BatchIndexer.Outcome outcome : outcomes) {
                if (outcome.indexed() != null) {
                    documentsIndexed.incrementAndGet();
                    chunksEmbedded.addAndGet(outcome.indexed().getChunks().size());
                } else {
                    deadLettered.incrementAndGet();
                }
            }
        }
    }
}
