package ams.knowledge.embedding;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.DeadLetters;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.DocumentRemoved;
import ams.events.knowledge.DocumentUpdated;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.serde.EventDecodingException;
import ams.events.topics.Topic;
import ams.knowledge.avro.ChunkRecord;
import ams.knowledge.avro.DocumentRecord;
import ams.knowledge.avro.IndexOperation;
import ams.knowledge.avro.IndexedDocument;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns one poll's knowledge events into indexed documents (chunked and embedded) or dead letters,
 * embedding the chunks of all documents of the batch together. Free of Kafka I/O, so the worker
 * around it stays a thin transactional loop.
 */
public final class BatchIndexer {

    /** One input's result: exactly one of {@code indexed} and {@code deadLetter} is set. */
    public record Outcome(
            ConsumerRecord<byte[], byte[]> input,
            String agentId,
            IndexedDocument indexed,
            DeadLetter deadLetter) {}

    /**
     * The embedding service failed in a way worth retrying: the whole batch must be retried later.
     */
    public static final class RetryLaterException extends RuntimeException {
        public RetryLaterException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Back-off between attempts; replaced in tests. */
    @FunctionalInterface
    public interface Pause {
        void pause(long millis) throws InterruptedException;
    }

    private final String application;
    private final Deserializer<KnowledgeEvent> deserializer;
    private final Chunker chunker;
    private final Embedder embedder;
    private final int batchSize;
    private final int maxChunksPerDocument;
    private final int maxAttempts;
    private final long backoffMs;
    private final Pause pause;
    private final java.util.concurrent.atomic.AtomicLong embeddingNanos =
            new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong embeddingCalls =
            new java.util.concurrent.atomic.AtomicLong();

    public BatchIndexer(
            String application,
            Topic<String, KnowledgeEvent> knowledgeEvents,
            Chunker chunker,
            Embedder embedder,
            int batchSize,
            int maxChunksPerDocument,
            int maxAttempts,
            long backoffMs,
            Pause pause) {
        this.application = application;
        this.deserializer = knowledgeEvents.valueSerde().deserializer();
        this.chunker = chunker;
        this.embedder = embedder;
        this.batchSize = batchSize;
        this.maxChunksPerDocument = maxChunksPerDocument;
        this.maxAttempts = maxAttempts;
        this.backoffMs = backoffMs;
        this.pause = pause;
    }

    /** A document waiting for its vectors. */
    private static final class Pending {
        final ConsumerRecord<byte[], byte[]> input;
        final KnowledgeEvent event;
        final DocumentRecord.Builder document;
        final List<String> chunks;
        final List<String> texts;
        final List<float[]> vectors = new ArrayList<>();
        String failure;

        Pending(
                ConsumerRecord<byte[], byte[]> input,
                KnowledgeEvent event,
                DocumentRecord.Builder document,
                List<String> chunks,
                List<String> texts) {
            this.input = input;
            this.event = event;
            this.document = document;
            this.chunks = chunks;
            this.texts = texts;
        }
    }

    /**
     * Chunks and embeds a batch of knowledge records: one outcome per record, in order.
     *
     * @throws RetryLaterException when the embedding service stayed unavailable for every attempt
     */
    public List<Outcome> index(List<ConsumerRecord<byte[], byte[]>> records)
            throws InterruptedException {
        Outcome[] outcomes = new Outcome[records.size()];
        List<Pending> pending = new ArrayList<>();
        List<Integer> pendingSlots = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<byte[], byte[]> record = records.get(i);
            KnowledgeEvent event;
            try {
                if (record.value() == null) {
                    throw new EventDecodingException(
                            EventDecodingException.Kind.NOT_SINGLE_OBJECT_ENCODING,
                            "KnowledgeEvent",
                            "Empty value (tombstone) on an event topic",
                            null);
                }
                event = deserializer.deserialize(record.topic(), record.value());
            } catch (EventDecodingException e) {
                outcomes[i] =
                        reject(
                                record,
                                null,
                                null,
                                DeadLetterReason.UNDECODABLE,
                                e.kind() + ": " + e.getMessage());
                continue;
            }
            Object payload = event.getPayload();
            if (payload instanceof DocumentRemoved removed) {
                outcomes[i] =
                        new Outcome(
                                record,
                                event.getAgentId(),
                                IndexedDocument.newBuilder()
                                        .setEventId(event.getEnvelope().getEventId().toString())
                                        .setOccurredAt(event.getEnvelope().getOccurredAt())
                                        .setAgentId(event.getAgentId())
                                        .setDocumentId(removed.getDocumentId())
                                        .setOperation(IndexOperation.REMOVE)
                                        .build(),
                                null);
                continue;
            }
            DocumentRecord.Builder document = documentOf(event);
            if (document == null) {
                outcomes[i] =
                        reject(
                                record,
                                event,
                                null,
                                DeadLetterReason.INVALID_EVENT,
                                "Unknown knowledge payload " + payload.getClass().getSimpleName());
                continue;
            }
            String problem = validate(event, document);
            if (problem != null) {
                outcomes[i] = reject(record, event, null, DeadLetterReason.INVALID_EVENT, problem);
                continue;
            }
            List<String> chunks = chunker.split(document.getContent());
            if (chunks.isEmpty()) {
                chunks = List.of(document.getTitle());
            }
            if (chunks.size() > maxChunksPerDocument) {
                outcomes[i] =
                        reject(
                                record,
                                event,
                                null,
                                DeadLetterReason.TEXT_TOO_LARGE,
                                "Document "
                                        + document.getDocumentId()
                                        + " splits into "
                                        + chunks.size()
                                        + " chunks, more than chunk.max.per.document="
                                        + maxChunksPerDocument
                                        + "; split it into several documents");
                continue;
            }
            List<String> texts = new ArrayList<>(chunks.size());
            for (String chunk : chunks) {
                texts.add(Chunker.indexedText(document.getTitle(), chunk));
            }
            pending.add(new Pending(record, event, document, chunks, texts));
            pendingSlots.add(i);
        }
        embed(pending);
        for (int p = 0; p < pending.size(); p++) {
            Pending doc = pending.get(p);
            int slot = pendingSlots.get(p);
            outcomes[slot] =
                    doc.failure != null
                            ? reject(
                                    doc.input,
                                    doc.event,
                                    null,
                                    DeadLetterReason.EMBEDDING_FAILED,
                                    doc.failure)
                            : new Outcome(doc.input, doc.event.getAgentId(), indexed(doc), null);
        }
        return List.of(outcomes);
    }

    /**
     * Embeds all pending documents' texts in batches across documents; isolates a document the
     * model refuses.
     */
    private void embed(List<Pending> pending) throws InterruptedException {
        List<String> texts = new ArrayList<>();
        List<Pending> owners = new ArrayList<>();
        for (Pending doc : pending) {
            for (String text : doc.texts) {
                texts.add(text);
                owners.add(doc);
            }
        }
        for (int start = 0; start < texts.size(); start += batchSize) {
            int end = Math.min(texts.size(), start + batchSize);
            List<String> batch = texts.subList(start, end);
            try {
                List<float[]> vectors = embedWithRetries(batch);
                for (int i = 0; i < vectors.size(); i++) {
                    owners.get(start + i).vectors.add(vectors.get(i));
                }
            } catch (FatalForRecordException e) {
                // Someone in this batch cannot be embedded: embed its documents one by one to find
                // who.
                for (int i = start; i < end; i++) {
                    Pending owner = owners.get(i);
                    if (owner.failure != null) {
                        continue;
                    }
                    try {
                        owner.vectors.add(embedWithRetries(List.of(texts.get(i))).get(0));
                    } catch (FatalForRecordException single) {
                        owner.failure =
                                "Embedding with "
                                        + embedder.modelName()
                                        + " failed: "
                                        + single.getCause();
                    }
                }
            }
        }
        for (Pending doc : pending) {
            if (doc.failure == null && doc.vectors.size() == doc.texts.size()) {
                int dimension = doc.vectors.get(0).length;
                for (float[] v : doc.vectors) {
                    if (v.length != dimension) {
                        doc.failure =
                                "Chunks of document "
                                        + doc.document.getDocumentId()
                                        + " got vectors of different dimensions";
                    }
                }
            } else if (doc.failure == null) {
                doc.failure =
                        "Embedding returned "
                                + doc.vectors.size()
                                + " vectors for "
                                + doc.texts.size()
                                + " chunks";
            }
        }
    }

    private static final class FatalForRecordException extends Exception {
        FatalForRecordException(Throwable cause) {
            super(cause);
        }
    }

    private List<float[]> embedWithRetries(List<String> texts)
            throws InterruptedException, FatalForRecordException {
        long wait = backoffMs;
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            try {
                List<float[]> vectors = embedder.embedAll(texts);
                embeddingNanos.addAndGet(System.nanoTime() - started);
                embeddingCalls.incrementAndGet();
                return vectors;
            } catch (RuntimeException e) {
                embeddingNanos.addAndGet(System.nanoTime() - started);
                if (EmbeddingFailures.classify(e) == EmbeddingFailures.Kind.FATAL_FOR_RECORD) {
                    throw new FatalForRecordException(e);
                }
                if (attempt >= maxAttempts) {
                    throw new RetryLaterException(
                            "Embedding service "
                                    + embedder.modelName()
                                    + " failed "
                                    + attempt
                                    + " times: "
                                    + e.getMessage(),
                            e);
                }
                pause.pause(wait);
                wait = Math.min(wait * 2, 30_000);
            }
        }
    }

    /** Time spent inside the model so far: the benchmark's measure of the loop's own overhead. */
    public long embeddingNanos() {
        return embeddingNanos.get();
    }

    /** Successful model calls (their mean size shows whether batches fill). */
    public long embeddingCalls() {
        return embeddingCalls.get();
    }

    private IndexedDocument indexed(Pending doc) {
        KnowledgeEvent event = doc.event;
        int dimension = doc.vectors.get(0).length;
        List<ChunkRecord> chunks = new ArrayList<>(doc.chunks.size());
        for (int i = 0; i < doc.chunks.size(); i++) {
            chunks.add(
                    ChunkRecord.newBuilder()
                            .setAgentId(event.getAgentId())
                            .setDocumentId(doc.document.getDocumentId())
                            .setChunkIndex(i)
                            .setText(doc.chunks.get(i))
                            .setModel(embedder.modelName())
                            .setDimension(dimension)
                            .setVector(ByteBuffer.wrap(toBytes(doc.vectors.get(i))))
                            .build());
        }
        DocumentRecord document =
                doc.document
                        .setModel(embedder.modelName())
                        .setDimension(dimension)
                        .setChunkCount(chunks.size())
                        .build();
        return IndexedDocument.newBuilder()
                .setEventId(event.getEnvelope().getEventId().toString())
                .setOccurredAt(event.getEnvelope().getOccurredAt())
                .setAgentId(event.getAgentId())
                .setDocumentId(document.getDocumentId())
                .setOperation(IndexOperation.UPSERT)
                .setDocument(document)
                .setChunks(chunks)
                .build();
    }

    private static DocumentRecord.Builder documentOf(KnowledgeEvent event) {
        Instant at = event.getEnvelope().getOccurredAt();
        if (event.getPayload() instanceof DocumentAdded added) {
            return DocumentRecord.newBuilder()
                    .setKbId(added.getKbId())
                    .setAgentId(event.getAgentId())
                    .setDocumentId(added.getDocumentId())
                    .setTitle(added.getTitle())
                    .setContent(added.getContent())
                    .setContentType(added.getContentType())
                    .setSource(added.getSource())
                    .setTags(added.getTags())
                    .setMetadataJson(added.getMetadataJson())
                    .setCreatedAt(added.getCreatedAt())
                    .setUpdatedAt(at);
        }
        if (event.getPayload() instanceof DocumentUpdated updated) {
            return DocumentRecord.newBuilder()
                    .setKbId(updated.getKbId())
                    .setAgentId(event.getAgentId())
                    .setDocumentId(updated.getDocumentId())
                    .setTitle(updated.getTitle())
                    .setContent(updated.getContent())
                    .setContentType(updated.getContentType())
                    .setSource(updated.getSource())
                    .setTags(updated.getTags())
                    .setMetadataJson(updated.getMetadataJson())
                    .setCreatedAt(null)
                    .setUpdatedAt(at);
        }
        return null;
    }

    private static String validate(KnowledgeEvent event, DocumentRecord.Builder document) {
        if (event.getAgentId() == null || event.getAgentId().isBlank()) {
            return "agentId is blank; every knowledge event belongs to an agent";
        }
        if (document.getDocumentId().isBlank()) {
            return "documentId is blank";
        }
        if (document.getTitle().isBlank() && document.getContent().isBlank()) {
            return "Document "
                    + document.getDocumentId()
                    + " has neither title nor content: nothing to index";
        }
        return null;
    }

    private Outcome reject(
            ConsumerRecord<byte[], byte[]> record,
            KnowledgeEvent event,
            String agentId,
            DeadLetterReason reason,
            String detail) {
        DeadLetter letter =
                DeadLetters.of(
                        application,
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.key(),
                        record.value(),
                        record.timestamp(),
                        reason,
                        detail,
                        event == null ? null : event.getEnvelope().getEventId().toString());
        return new Outcome(record, event != null ? event.getAgentId() : agentId, null, letter);
    }

    public static byte[] toBytes(float[] vector) {
        ByteBuffer buffer =
                ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(vector);
        return buffer.array();
    }

    public static float[] toFloats(ByteBuffer bytes) {
        ByteBuffer le = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] vector = new float[le.remaining() / Float.BYTES];
        le.asFloatBuffer().get(vector);
        return vector;
    }
}
