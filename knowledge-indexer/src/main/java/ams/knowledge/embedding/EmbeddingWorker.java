package ams.knowledge.embedding;

import ams.events.DeadLetter;
import ams.events.topics.Topic;
import ams.knowledge.avro.IndexedDocument;
import ams.service.kafka.Batch;
import ams.service.kafka.TransactionalClients;
import ams.service.kafka.TransactionalLoop;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume-embed-produce worker: reads knowledge-events, embeds each poll's documents off any
 * stream thread, and writes the chunk records (or dead letters) together with the input offsets in
 * one transaction of the shared {@link TransactionalLoop}. A slow model therefore delays this loop
 * only; the poll size ({@code worker.max.poll.records}) bounds the time between polls. An embedding
 * service that stays unavailable, like an aborted transaction, rewinds the batch to be embedded
 * again.
 *
 * <p>Pipelined, so the model never waits for Kafka: each poll is indexed (decoded, chunked,
 * embedded) on the worker's own indexing thread while the loop thread commits the poll before it
 * and polls the next one. At most two polls are in flight (one being embedded, one queued behind
 * it), and each poll is committed in its own transaction, in poll order, with exactly its offsets,
 * as before: the output and its ordering are those of the unpipelined loop. Whatever is in flight
 * when a round fails (the model stayed unavailable, a transaction aborted) is dropped before the
 * loop rewinds to the committed offsets, so it is embedded again from there and written once.
 * Partitions that are revoked get the work in flight committed first (what a caught-up loop would
 * have done); lost partitions get it dropped.
 */
public final class EmbeddingWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddingWorker.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(200);

    private final Topic<String, IndexedDocument> chunks;
    private final Topic<byte[], DeadLetter> deadLetters;
    private final BatchIndexer indexer;
    private final TransactionalLoop<byte[], byte[], byte[], byte[]> loop;
    private final ExecutorService indexing;

    /**
     * Polls handed to the indexing thread and not committed yet, oldest first. Loop thread only.
     */
    private final Deque<InFlight> inFlight = new ArrayDeque<>();

    private final AtomicLong documentsIndexed = new AtomicLong();
    private final AtomicLong chunksEmbedded = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();

    /** Told each committed poll's outcomes (the fates of the knowledge writes it settled). */
    private volatile Consumer<List<BatchIndexer.Outcome>> committed = outcomes -> {};

    public EmbeddingWorker(
            String bootstrapServers,
            String groupId,
            String transactionalId,
            int maxPollRecords,
            String inputTopic,
            Topic<String, IndexedDocument> chunks,
            Topic<byte[], DeadLetter> deadLetters,
            BatchIndexer indexer) {
        // The transactional id is stable across restarts and distinct between workers: it is the
        // static member id too, so a restarted worker takes its partitions back at once.
        Properties consumerProps =
                TransactionalClients.consumer(bootstrapServers, groupId, transactionalId);
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        Properties producerProps = TransactionalClients.producer(bootstrapServers, transactionalId);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        this.chunks = chunks;
        this.deadLetters = deadLetters;
        this.indexer = indexer;
        String name = "knowledge-embedder-" + transactionalId;
        this.indexing =
                Executors.newSingleThreadExecutor(
                        runnable -> {
                            Thread thread = new Thread(runnable, name + "-indexing");
                            thread.setDaemon(true);
                            return thread;
                        });
        this.loop =
                new TransactionalLoop<>(
                        name,
                        new KafkaConsumer<>(
                                consumerProps,
                                new ByteArrayDeserializer(),
                                new ByteArrayDeserializer()),
                        new KafkaProducer<>(
                                producerProps,
                                new ByteArraySerializer(),
                                new ByteArraySerializer()),
                        List.of(inputTopic),
                        new Rebalance(),
                        new Work());
    }

    /**
     * Tells {@code listener} the outcomes of each poll once its transaction committed, on the
     * loop's thread; set before {@link #start}.
     */
    public void onCommitted(Consumer<List<BatchIndexer.Outcome>> listener) {
        this.committed = listener;
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

    /** Successful model calls. */
    public long embeddingCalls() {
        return indexer.embeddingCalls();
    }

    /** Time spent inside the embedding model so far (on the indexing thread). */
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
        indexing.shutdownNow();
    }

    /** One poll's records and their outcomes once the indexing thread is done with them. */
    private record InFlight(
            List<ConsumerRecord<byte[], byte[]>> records,
            Future<List<BatchIndexer.Outcome>> outcomes) {}

    /**
     * The oldest poll in flight as the batch to commit, waiting for its indexing. When that failed,
     * everything in flight is dropped (the caller rewinds) and the failure is thrown.
     */
    private Batch<byte[], byte[]> takeOldest() throws Exception {
        InFlight oldest = inFlight.removeFirst();
        List<BatchIndexer.Outcome> outcomes;
        try {
            outcomes = oldest.outcomes().get();
        } catch (ExecutionException e) {
            dropInFlight();
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (InterruptedException e) {
            dropInFlight();
            throw e;
        }
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(outcomes.size());
        for (BatchIndexer.Outcome outcome : outcomes) {
            out.add(record(outcome));
        }
        return Batch.of(out, Batch.nextOffsets(oldest.records()))
                .onCommitted(
                        () -> {
                            count(outcomes);
                            committed.accept(outcomes);
                        })
                .onAborted(
                        e -> {
                            // The loop rewinds to the committed offsets: the polls after this one
                            // are read and embedded again from there.
                            dropInFlight();
                            return TransactionalLoop.Recovery.REWIND;
                        });
    }

    /**
     * Forgets the polls in flight; one being indexed finishes on its thread, unused, and the next
     * one submitted queues behind it, so the model is never run twice at once.
     */
    private void dropInFlight() {
        for (InFlight dropped : inFlight) {
            dropped.outcomes().cancel(false);
        }
        inFlight.clear();
    }

    private ProducerRecord<byte[], byte[]> record(BatchIndexer.Outcome outcome) {
        if (outcome.indexed() != null) {
            byte[] key = chunks.keySerde().serializer().serialize(chunks.name(), outcome.agentId());
            byte[] value =
                    chunks.valueSerde().serializer().serialize(chunks.name(), outcome.indexed());
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

    /** Runs inside the loop's polls, on its thread. */
    private final class Rebalance implements ConsumerRebalanceListener {

        /**
         * Commits what is in flight before the partitions go, as the unpipelined loop would have
         * done before polling again; if its indexing failed, drops the rest and rewinds what stays
         * assigned, so nothing polled is skipped.
         */
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            while (!inFlight.isEmpty()) {
                Batch<byte[], byte[]> batch;
                try {
                    batch = takeOldest();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptException(e);
                } catch (Exception e) {
                    log.warn(
                            "Indexing in flight failed while partitions were revoked; rewinding: {}",
                            e.toString());
                    loop.rewindToCommitted();
                    return;
                }
                if (!loop.commit(batch)) {
                    // Aborted: the loop rewound and the batch dropped the rest; or halted.
                    dropInFlight();
                    return;
                }
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            // Not ours any more: nothing can be committed; the next owner embeds them again.
            dropInFlight();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {}
    }

    /**
     * One poll: hand it to the indexing thread, then give the loop the oldest poll in flight to
     * commit once it is indexed, keeping the next one queued behind the one being embedded. When
     * indexing throws (the embedding service stayed unavailable: {@code RetryLaterException}) the
     * loop's default recovery rewinds, so good documents are embedded later, never dead-lettered.
     */
    private final class Work implements TransactionalLoop.Work<byte[], byte[], byte[], byte[]> {

        @Override
        public Batch<byte[], byte[]> process(ConsumerRecords<byte[], byte[]> records)
                throws Exception {
            try {
                if (!records.isEmpty()) {
                    List<ConsumerRecord<byte[], byte[]>> list = new ArrayList<>(records.count());
                    records.forEach(list::add);
                    inFlight.addLast(
                            new InFlight(list, indexing.submit(() -> indexer.index(list))));
                    if (inFlight.size() == 1) {
                        // Nothing older to commit: poll again at once for the next one to queue.
                        return null;
                    }
                }
                return inFlight.isEmpty() ? null : takeOldest();
            } catch (Exception | Error e) {
                // The loop rewinds (or stops): nothing in flight may be committed after that.
                dropInFlight();
                throw e;
            }
        }

        /**
         * No wait while a poll is in flight: whatever the consumer already fetched is queued behind
         * it, and when nothing is, the poll in flight is committed without delay.
         */
        @Override
        public Duration pollTimeout() {
            return inFlight.isEmpty() ? IDLE_POLL : Duration.ZERO;
        }

        @Override
        public void stopped(Throwable failure) {
            if (failure != null) {
                dropInFlight();
            }
            // On a clean stop the consumer's close still runs the revocation, which commits
            // what is in flight; the indexing thread stops in close().
        }
    }
}
