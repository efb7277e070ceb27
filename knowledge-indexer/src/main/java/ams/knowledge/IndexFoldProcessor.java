package ams.knowledge;

import ams.knowledge.avro.ChunkRecord;
import ams.knowledge.avro.DocumentRecord;
import ams.knowledge.avro.GraphSignal;
import ams.knowledge.avro.IndexOperation;
import ams.knowledge.avro.IndexedDocument;
import ams.knowledge.graph.GraphNodes;
import ams.knowledge.graph.GraphSignals;
import ams.knowledge.search.SearchIndex;
import ams.service.fate.FateLog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds indexed documents into the {@code documents} and {@code chunks} stores, keeps the in-memory
 * search index of this partition in step, and tells the graph when an agent gains or loses a
 * document. On (re)initialisation it rebuilds the partition's search index from the store, which is
 * the truth after a restart, a rebalance or an aborted transaction. What each write did is kept in
 * the {@link FateLog} for {@code GET /events/{event_id}}.
 */
final class IndexFoldProcessor implements Processor<String, IndexedDocument, String, GraphSignal> {

    private static final Logger log = LoggerFactory.getLogger(IndexFoldProcessor.class);

    /** Above every {@link StoreKeys#version} time: the end of a document's versions. */
    private static final String LAST_VERSION = "9999999999999999999";

    private final SearchIndex index;
    private final ServedStores served;
    private final FateLog fateLog;
    private FateLog.Partition fates;
    private ProcessorContext<String, GraphSignal> context;
    private KeyValueStore<String, DocumentRecord> documents;
    private KeyValueStore<String, ChunkRecord> chunks;
    private KeyValueStore<String, IndexedDocument> versions;
    private int partition;

    IndexFoldProcessor(SearchIndex index, ServedStores served, FateLog fateLog) {
        this.index = index;
        this.served = served;
        this.fateLog = fateLog;
    }

    @Override
    public void init(ProcessorContext<String, GraphSignal> context) {
        this.context = context;
        this.documents = context.getStateStore(KnowledgeTopology.DOCUMENTS_STORE);
        this.chunks = context.getStateStore(KnowledgeTopology.CHUNKS_STORE);
        this.versions = context.getStateStore(KnowledgeTopology.DOCUMENT_VERSIONS_STORE);
        this.partition = context.taskId().partition();
        this.fates = fateLog.partition(partition);
        rebuild();
        // After the rebuild: a search that finds the partition's stores finds its index too.
        served.documents.opened(partition, documents);
        served.chunks.opened(partition, chunks);
    }

    private void rebuild() {
        long started = System.nanoTime();
        index.dropPartition(partition);
        int documentCount = 0;
        int chunkCount = 0;
        String currentDocument = null;
        List<ChunkRecord> pending = new ArrayList<>();
        try (KeyValueIterator<String, ChunkRecord> all = chunks.all()) {
            while (all.hasNext()) {
                ChunkRecord chunk = all.next().value;
                String key = StoreKeys.document(chunk.getAgentId(), chunk.getDocumentId());
                if (!key.equals(currentDocument)) {
                    documentCount += indexDocument(currentDocument, pending);
                    pending.clear();
                    currentDocument = key;
                }
                pending.add(chunk);
                chunkCount++;
            }
        }
        documentCount += indexDocument(currentDocument, pending);
        log.info(
                "Rebuilt search index of partition {} from the chunks store: {} documents, {} chunks in {} ms",
                partition,
                documentCount,
                chunkCount,
                (System.nanoTime() - started) / 1_000_000);
    }

    private int indexDocument(String documentKey, List<ChunkRecord> documentChunks) {
        if (documentKey == null || documentChunks.isEmpty()) {
            return 0;
        }
        DocumentRecord document = documents.get(documentKey);
        if (document == null) {
            return 0;
        }
        index.put(partition, document, documentChunks);
        return 1;
    }

    @Override
    public void process(Record<String, IndexedDocument> record) {
        IndexedDocument indexed = record.value();
        if (indexed == null) {
            return;
        }
        String agentId = indexed.getAgentId();
        String documentId = indexed.getDocumentId();
        String documentKey = StoreKeys.document(agentId, documentId);
        DocumentRecord previous = documents.get(documentKey);
        Instant at = indexed.getOccurredAt();
        if (indexed.getOperation() == IndexOperation.REMOVE) {
            fates.put(
                    indexed.getEventId(),
                    KnowledgeFate.removed(agentId, documentId, previous != null));
            if (previous != null) {
                keepSuperseded(agentId, documentId, previous, deleteChunks(agentId, documentId));
                versions.put(
                        StoreKeys.version(agentId, documentId, at.toEpochMilli()),
                        IndexedDocument.newBuilder(indexed)
                                .setDocument(null)
                                .setChunks(List.of())
                                .build());
                documents.delete(documentKey);
                index.remove(agentId, documentId);
                forward(
                        record,
                        GraphSignals.close(
                                GraphNodes.HAS_KNOWLEDGE,
                                GraphNodes.agent(agentId),
                                GraphNodes.document(agentId, documentId),
                                at));
            }
            return;
        }
        if (indexed.getOperation() != IndexOperation.UPSERT || indexed.getDocument() == null) {
            log.debug(
                    "Ignoring indexed record {} with operation {}",
                    indexed.getEventId(),
                    indexed.getOperation());
            return;
        }
        DocumentRecord document = indexed.getDocument();
        if (previous != null && previous.getCreatedAt() != null) {
            document =
                    DocumentRecord.newBuilder(document)
                            .setCreatedAt(previous.getCreatedAt())
                            .build();
        } else if (document.getCreatedAt() == null) {
            document = DocumentRecord.newBuilder(document).setCreatedAt(at).build();
        }
        List<ChunkRecord> replaced = deleteChunks(agentId, documentId);
        if (previous != null) {
            keepSuperseded(agentId, documentId, previous, replaced);
        }
        // The version in effect from now on, its chunks in the chunks store while it is current.
        versions.put(
                StoreKeys.version(agentId, documentId, at.toEpochMilli()),
                IndexedDocument.newBuilder(indexed)
                        .setDocument(document)
                        .setChunks(List.of())
                        .build());
        for (ChunkRecord chunk : indexed.getChunks()) {
            chunks.put(StoreKeys.chunk(agentId, documentId, chunk.getChunkIndex()), chunk);
        }
        documents.put(documentKey, document);
        index.put(partition, document, indexed.getChunks());
        fates.put(
                indexed.getEventId(),
                KnowledgeFate.indexed(agentId, documentId, indexed.getChunks().size()));
        if (previous == null) {
            forward(
                    record,
                    GraphSignals.open(
                            GraphNodes.HAS_KNOWLEDGE,
                            GraphNodes.agent(agentId),
                            GraphNodes.document(agentId, documentId),
                            at));
        }
    }

    private void forward(Record<String, IndexedDocument> record, GraphSignal signal) {
        context.forward(new Record<>(record.key(), signal, record.timestamp()));
    }

    /** Deletes the document's chunks from the chunks store and returns them. */
    private List<ChunkRecord> deleteChunks(String agentId, String documentId) {
        List<String> keys = new ArrayList<>();
        List<ChunkRecord> deleted = new ArrayList<>();
        try (KeyValueIterator<String, ChunkRecord> old =
                chunks.prefixScan(
                        StoreKeys.chunkPrefix(agentId, documentId), new StringSerializer())) {
            while (old.hasNext()) {
                KeyValue<String, ChunkRecord> entry = old.next();
                keys.add(entry.key);
                deleted.add(entry.value);
            }
        }
        keys.forEach(chunks::delete);
        return deleted;
    }

    /**
     * Keeps the version that is being replaced or removed, with its chunks, in {@code
     * document-versions} for search as of a time: it is rewritten under the key it took effect at
     * (its own entry, or, for a document indexed before versions were kept, its {@code updatedAt}).
     */
    private void keepSuperseded(
            String agentId, String documentId, DocumentRecord previous, List<ChunkRecord> old) {
        String prefix = StoreKeys.chunkPrefix(agentId, documentId);
        String key = null;
        IndexedDocument entry = null;
        try (KeyValueIterator<String, IndexedDocument> latest =
                versions.reverseRange(prefix, prefix + LAST_VERSION)) {
            if (latest.hasNext()) {
                KeyValue<String, IndexedDocument> found = latest.next();
                if (found.value.getOperation() == IndexOperation.UPSERT) {
                    key = found.key;
                    entry = found.value;
                }
            }
        }
        if (entry == null) {
            key = StoreKeys.version(agentId, documentId, previous.getUpdatedAt().toEpochMilli());
            entry =
                    IndexedDocument.newBuilder()
                            .setEventId("")
                            .setOccurredAt(previous.getUpdatedAt())
                            .setAgentId(agentId)
                            .setDocumentId(documentId)
                            .setOperation(IndexOperation.UPSERT)
                            .build();
        }
        versions.put(
                key,
                IndexedDocument.newBuilder(entry).setDocument(previous).setChunks(old).build());
    }

    @Override
    public void close() {
        served.documents.closed(partition, documents);
        served.chunks.closed(partition, chunks);
        index.dropPartition(partition);
    }
}
