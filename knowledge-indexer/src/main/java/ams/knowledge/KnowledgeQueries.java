package ams.knowledge;

import ams.events.streams.StoreQueries;
import ams.knowledge.avro.ChunkRecord;
import ams.knowledge.avro.DocumentRecord;
import ams.knowledge.avro.EdgeHistory;
import ams.knowledge.avro.IndexedDocument;
import ams.knowledge.avro.Interval;
import ams.knowledge.embedding.BatchIndexer;
import ams.knowledge.embedding.Embedder;
import ams.knowledge.graph.EdgeFoldProcessor;
import ams.knowledge.graph.GraphNodes;
import ams.knowledge.search.ChunkHit;
import ams.knowledge.search.ChunkVectors;
import ams.knowledge.search.SearchFilters;
import ams.knowledge.search.SearchIndex;
import ams.knowledge.search.SearchMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The knowledge queries this instance answers from its own stores and search index, for the agents
 * and nodes whose partitions it hosts ({@link KnowledgeHttp} routes other keys to their owner).
 * Waits through rebalances for a bounded time, then throws {@link
 * ams.events.streams.StoreUnavailableException}.
 */
public final class KnowledgeQueries {

    /** A page of an agent's documents. */
    public record DocumentPage(List<DocumentRecord> documents, int total) {}

    /** One search result: the document and its best-matching chunk. */
    public record SearchHit(
            DocumentRecord document,
            String chunkId,
            int chunkIndex,
            String chunkText,
            double similarity,
            double score) {

        /**
         * The hit of {@code chunk} (the document's text when the chunk is gone) of {@code
         * document}.
         */
        static SearchHit of(ChunkHit hit, DocumentRecord document, ChunkRecord chunk) {
            return new SearchHit(
                    document,
                    hit.documentId() + "#" + hit.chunkIndex(),
                    hit.chunkIndex(),
                    chunk == null ? document.getContent() : chunk.getText(),
                    hit.similarity(),
                    hit.score());
        }
    }

    /** An edge seen from one node. {@code intervals} are all times it was valid, oldest first. */
    public record Neighbour(
            String node, String relation, String direction, List<Interval> intervals) {

        public boolean validAt(Instant t) {
            for (Interval interval : intervals) {
                if (!t.isBefore(interval.getValidFrom())
                        && (interval.getValidTo() == null || t.isBefore(interval.getValidTo()))) {
                    return true;
                }
            }
            return false;
        }

        public boolean current() {
            return !intervals.isEmpty() && intervals.get(intervals.size() - 1).getValidTo() == null;
        }
    }

    private final KafkaStreams streams;
    private final SearchIndex index;
    private final ServedStores served;
    private final Embedder embedder;
    private final StoreQueries storeQueries;
    private final QueryEmbeddingCache queryEmbeddings;

    public KnowledgeQueries(
            KafkaStreams streams,
            SearchIndex index,
            ServedStores served,
            Embedder embedder,
            StoreQueries storeQueries,
            QueryEmbeddingCache queryEmbeddings) {
        this.streams = streams;
        this.index = index;
        this.served = served;
        this.embedder = embedder;
        this.storeQueries = storeQueries;
        this.queryEmbeddings = queryEmbeddings;
    }

    public DocumentPage documents(String agentId, int offset, int limit) {
        List<DocumentRecord> all =
                storeQueries.query(
                        KnowledgeTopology.DOCUMENTS_STORE,
                        () -> {
                            List<DocumentRecord> found = new ArrayList<>();
                            try (KeyValueIterator<String, DocumentRecord> it =
                                    documentsStore()
                                            .prefixScan(
                                                    StoreKeys.agentPrefix(agentId),
                                                    new StringSerializer())) {
                                it.forEachRemaining(entry -> found.add(entry.value));
                            }
                            return found;
                        });
        int from = Math.min(offset, all.size());
        int to = (int) Math.min((long) from + limit, all.size());
        return new DocumentPage(List.copyOf(all.subList(from, to)), all.size());
    }

    public DocumentRecord document(String agentId, String documentId) {
        return storeQueries.query(
                KnowledgeTopology.DOCUMENTS_STORE,
                () -> served.documents.get(StoreKeys.document(agentId, documentId)));
    }

    /**
     * Top-k documents of one agent, best first, each with its best chunk.
     *
     * @throws ams.knowledge.search.DimensionMismatchException when the agent's chunks have another
     *     dimension than the query model's
     */
    public List<SearchHit> search(
            String agentId, String query, int k, SearchMode mode, SearchFilters filters) {
        return search(agentId, query, k, mode, filters, false);
    }

    /**
     * Top-k documents of one agent, best first, each with its best chunk.
     *
     * @param exact the float cosine of every chunk, read from the chunks store (slow on large
     *     agents), instead of the quantized index with its exact re-rank of the best candidates
     * @throws ams.knowledge.search.DimensionMismatchException when the agent's chunks have another
     *     dimension than the query model's
     */
    public List<SearchHit> search(
            String agentId,
            String query,
            int k,
            SearchMode mode,
            SearchFilters filters,
            boolean exact) {
        // Touching the store first makes a query during a rebalance wait (or answer 503) instead of
        // reading a search index that is still being rebuilt.
        storeQueries.query(
                KnowledgeTopology.DOCUMENTS_STORE,
                () -> {
                    served.documents.requireOpen();
                    return null;
                });
        // A conversation turn searches twice with one query (its hits, then the documents linked
        // to them by a tag), and users repeat queries: the cache spares the model both.
        float[] vector = mode == SearchMode.LEXICAL ? null : queryEmbeddings.embed(embedder, query);
        // The float vectors stay in the store; the index re-ranks its best candidates with them.
        // Each chunk read is kept for the search: the hits returned were read for their vectors
        // already, and their text comes from the same record (a second read decoded it again).
        Map<String, ChunkRecord> read = new HashMap<>();
        ChunkVectors floats =
                floatVectors(agentId, key -> read.computeIfAbsent(key, served.chunks::get));
        List<ChunkHit> hits =
                index.search(
                        agentId,
                        vector,
                        query,
                        embedder.modelName(),
                        mode,
                        k,
                        filters,
                        floats,
                        exact);
        return storeQueries.query(
                KnowledgeTopology.DOCUMENTS_STORE,
                () -> {
                    List<SearchHit> results = new ArrayList<>(hits.size());
                    for (ChunkHit hit : hits) {
                        DocumentRecord document =
                                served.documents.get(StoreKeys.document(agentId, hit.documentId()));
                        if (document == null) {
                            continue;
                        }
                        String key = StoreKeys.chunk(agentId, hit.documentId(), hit.chunkIndex());
                        ChunkRecord chunk = read.get(key);
                        results.add(
                                SearchHit.of(
                                        hit,
                                        document,
                                        chunk != null ? chunk : served.chunks.get(key)));
                    }
                    return results;
                });
    }

    /**
     * Top-k documents of one agent as they stood at {@code asOf}: the versions then in effect
     * ({@link DocumentVersions}), each with the chunks and vectors it had, searched like the live
     * index (same modes, filters and ranking). The agent's index as of T is built for the query, so
     * its cost grows with the agent's chunks: a scan, not the live index's milliseconds. Documents
     * indexed before versions were kept count from their {@code updatedAt} (a replay records them).
     *
     * @throws ams.knowledge.search.DimensionMismatchException when the chunks of then have another
     *     dimension than the query model's
     */
    public List<SearchHit> searchAsOf(
            String agentId,
            String query,
            int k,
            SearchMode mode,
            SearchFilters filters,
            boolean exact,
            Instant asOf) {
        DocumentVersions.AsOf versions =
                storeQueries.query(
                        KnowledgeTopology.DOCUMENT_VERSIONS_STORE,
                        () -> {
                            try (KeyValueIterator<String, IndexedDocument> it =
                                    versionsStore()
                                            .prefixScan(
                                                    StoreKeys.agentPrefix(agentId),
                                                    new StringSerializer())) {
                                return DocumentVersions.standingAt(agentId, it, asOf);
                            }
                        });
        Map<String, DocumentRecord> documents = new HashMap<>();
        Map<String, ChunkRecord> chunks = new HashMap<>();
        // One scan of the agent's current chunks, not one per current document.
        Map<String, List<ChunkRecord>> current = currentChunks(agentId);
        SearchIndex then = new SearchIndex();
        for (DocumentVersions.Standing standing : versions.standing()) {
            DocumentRecord document = standing.version().getDocument();
            List<ChunkRecord> its =
                    standing.current()
                            ? current.getOrDefault(document.getDocumentId(), List.of())
                            : standing.version().getChunks();
            add(then, documents, chunks, document, its);
        }
        for (DocumentRecord document : documents(agentId, 0, Integer.MAX_VALUE).documents()) {
            if (!versions.versioned().contains(document.getDocumentId())
                    && !document.getUpdatedAt().isAfter(asOf)) {
                add(
                        then,
                        documents,
                        chunks,
                        document,
                        current.getOrDefault(document.getDocumentId(), List.of()));
            }
        }
        float[] vector = mode == SearchMode.LEXICAL ? null : queryEmbeddings.embed(embedder, query);
        ChunkVectors floats = floatVectors(agentId, chunks::get);
        List<SearchHit> results = new ArrayList<>();
        for (ChunkHit hit :
                then.search(
                        agentId,
                        vector,
                        query,
                        embedder.modelName(),
                        mode,
                        k,
                        filters,
                        floats,
                        exact)) {
            results.add(
                    SearchHit.of(
                            hit,
                            documents.get(hit.documentId()),
                            chunks.get(
                                    StoreKeys.chunk(agentId, hit.documentId(), hit.chunkIndex()))));
        }
        return results;
    }

    private static void add(
            SearchIndex index,
            Map<String, DocumentRecord> documents,
            Map<String, ChunkRecord> chunks,
            DocumentRecord document,
            List<ChunkRecord> its) {
        index.put(0, document, its);
        documents.put(document.getDocumentId(), document);
        for (ChunkRecord chunk : its) {
            chunks.put(
                    StoreKeys.chunk(
                            document.getAgentId(), document.getDocumentId(), chunk.getChunkIndex()),
                    chunk);
        }
    }

    /** The chunks of the agent's current documents, by document id, from the chunks store. */
    private Map<String, List<ChunkRecord>> currentChunks(String agentId) {
        return storeQueries.query(
                KnowledgeTopology.CHUNKS_STORE,
                () -> {
                    Map<String, List<ChunkRecord>> found = new HashMap<>();
                    try (KeyValueIterator<String, ChunkRecord> it =
                            chunksStore()
                                    .prefixScan(
                                            StoreKeys.agentPrefix(agentId),
                                            new StringSerializer())) {
                        it.forEachRemaining(
                                entry ->
                                        found.computeIfAbsent(
                                                        entry.value.getDocumentId(),
                                                        d -> new ArrayList<>())
                                                .add(entry.value));
                    }
                    return found;
                });
    }

    /** Every edge of {@code node}; with {@code asOf}, only those valid at that time. */
    public List<Neighbour> neighbours(String node, Instant asOf) {
        GraphNodes.validate(node);
        List<Neighbour> found =
                storeQueries.query(
                        KnowledgeTopology.GRAPH_STORE,
                        () -> {
                            List<Neighbour> list = new ArrayList<>();
                            try (KeyValueIterator<String, EdgeHistory> it =
                                    graphStore()
                                            .prefixScan(
                                                    StoreKeys.nodePrefix(node),
                                                    new StringSerializer())) {
                                while (it.hasNext()) {
                                    KeyValue<String, EdgeHistory> entry = it.next();
                                    EdgeHistory edge = entry.value;
                                    boolean outgoing = node.equals(edge.getFrom());
                                    list.add(
                                            new Neighbour(
                                                    outgoing ? edge.getTo() : edge.getFrom(),
                                                    edge.getRelation(),
                                                    outgoing
                                                            ? EdgeFoldProcessor.OUT
                                                            : EdgeFoldProcessor.IN,
                                                    List.copyOf(edge.getIntervals())));
                                }
                            }
                            return list;
                        });
        if (asOf == null) {
            return found;
        }
        return found.stream().filter(n -> n.validAt(asOf)).toList();
    }

    /** The documents an agent had (has_knowledge edges valid) at time {@code t}. */
    public List<Neighbour> knowledgeAsOf(String agentId, Instant t) {
        return neighbours(GraphNodes.agent(agentId), t).stream()
                .filter(n -> GraphNodes.HAS_KNOWLEDGE.equals(n.relation()))
                .toList();
    }

    public Embedder embedder() {
        return embedder;
    }

    /** The embeddings of recent queries, with its hit and miss counts. */
    public QueryEmbeddingCache queryEmbeddings() {
        return queryEmbeddings;
    }

    public SearchIndex searchIndex() {
        return index;
    }

    /** The partitions of the documents and chunks stores this instance serves searches from. */
    public ServedStores servedStores() {
        return served;
    }

    private ReadOnlyKeyValueStore<String, DocumentRecord> documentsStore() {
        return streams.store(
                StoreQueryParameters.fromNameAndType(
                        KnowledgeTopology.DOCUMENTS_STORE, QueryableStoreTypes.keyValueStore()));
    }

    /** The float vectors of an agent's chunks, read by chunk key from {@code chunks}. */
    private static ChunkVectors floatVectors(
            String agentId, java.util.function.Function<String, ChunkRecord> chunks) {
        return (documentId, chunkIndex) -> {
            ChunkRecord chunk = chunks.apply(StoreKeys.chunk(agentId, documentId, chunkIndex));
            return chunk == null ? null : BatchIndexer.toFloats(chunk.getVector());
        };
    }

    private ReadOnlyKeyValueStore<String, ChunkRecord> chunksStore() {
        return streams.store(
                StoreQueryParameters.fromNameAndType(
                        KnowledgeTopology.CHUNKS_STORE, QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<String, IndexedDocument> versionsStore() {
        return streams.store(
                StoreQueryParameters.fromNameAndType(
                        KnowledgeTopology.DOCUMENT_VERSIONS_STORE,
                        QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<String, EdgeHistory> graphStore() {
        return streams.store(
                StoreQueryParameters.fromNameAndType(
                        KnowledgeTopology.GRAPH_STORE, QueryableStoreTypes.keyValueStore()));
    }
}
