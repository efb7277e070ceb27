package ams.knowledge.search;

import ams.knowledge.avro.ChunkRecord;
import ams.knowledge.avro.DocumentRecord;
import ams.knowledge.embedding.BatchIndexer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory search indexes of the agents whose partitions this instance hosts. Written by the
 * stream thread that owns the partition, read by queries; rebuilt per partition from the {@code
 * chunks} store whenever a task (re)starts, dropped when it leaves. Never the truth.
 */
public final class SearchIndex {

    private final Map<String, AgentIndex> agents = new ConcurrentHashMap<>();
    private final Map<Integer, Set<String>> agentsByPartition = new ConcurrentHashMap<>();

    /**
     * The int8 kernel of vector search: "SIMD (...)" when the JVM was started with {@code
     * --add-modules jdk.incubator.vector}, else "scalar (...)" (same results, slower).
     */
    public static String vectorKernel() {
        return QuantizedVectors.kernel();
    }

    public void put(int partition, DocumentRecord document, List<ChunkRecord> chunks) {
        List<AgentIndex.ChunkInput> inputs = new ArrayList<>(chunks.size());
        for (ChunkRecord chunk : chunks) {
            inputs.add(
                    new AgentIndex.ChunkInput(
                            chunk.getChunkIndex(),
                            ams.knowledge.embedding.Chunker.indexedText(
                                    document.getTitle(), chunk.getText()),
                            BatchIndexer.toFloats(chunk.getVector())));
        }
        agentIndex(partition, document.getAgentId())
                .put(
                        document.getDocumentId(),
                        document.getSource(),
                        document.getContentType(),
                        Set.copyOf(document.getTags()),
                        document.getModel(),
                        inputs);
    }

    public void remove(String agentId, String documentId) {
        AgentIndex index = agents.get(agentId);
        if (index != null) {
            index.remove(documentId);
        }
    }

    /**
     * Forgets every agent of the partition (its task left this instance, or is about to be
     * rebuilt).
     */
    public void dropPartition(int partition) {
        Set<String> owned = agentsByPartition.remove(partition);
        if (owned != null) {
            owned.forEach(agents::remove);
        }
    }

    /**
     * Searches one agent's chunks.
     *
     * @param query the query's embedding, or null in lexical mode
     * @throws DimensionMismatchException when the agent's chunks were embedded with another
     *     dimension
     */
    public List<ChunkHit> search(
            String agentId,
            float[] query,
            String queryText,
            String queryModel,
            SearchMode mode,
            int k,
            SearchFilters filters) {
        return search(agentId, query, queryText, queryModel, mode, k, filters, null, false);
    }

    /**
     * Searches one agent's chunks, re-ranking the best candidates with their float vectors.
     *
     * @param source the chunks' float vectors (the {@code chunks} store); null ranks by the
     *     quantized vectors alone
     * @param exact the float cosine of every chunk from {@code source} (slow on large agents)
     */
    public List<ChunkHit> search(
            String agentId,
            float[] query,
            String queryText,
            String queryModel,
            SearchMode mode,
            int k,
            SearchFilters filters,
            ChunkVectors source,
            boolean exact) {
        AgentIndex index = agents.get(agentId);
        if (index == null) {
            return List.of();
        }
        return index.search(query, queryText, queryModel, mode, k, filters, source, exact);
    }

    public int chunkCount(String agentId) {
        AgentIndex index = agents.get(agentId);
        return index == null ? 0 : index.liveChunks();
    }

    public int documentCount(String agentId) {
        AgentIndex index = agents.get(agentId);
        return index == null ? 0 : index.documentCount();
    }

    /** Bytes of the postings and per-chunk arrays across all agents (counted from array sizes). */
    public long lexicalBytes() {
        long bytes = 0;
        for (AgentIndex index : agents.values()) {
            bytes += index.lexicalBytes();
        }
        return bytes;
    }

    /** Bytes of quantized vector storage across all agents (counted from array sizes). */
    public long vectorBytes() {
        long bytes = 0;
        for (AgentIndex index : agents.values()) {
            bytes += index.vectorBytes();
        }
        return bytes;
    }

    public boolean hosts(String agentId) {
        return agents.containsKey(agentId);
    }

    private AgentIndex agentIndex(int partition, String agentId) {
        agentsByPartition
                .computeIfAbsent(partition, p -> ConcurrentHashMap.newKeySet())
                .add(agentId);
        return agents.computeIfAbsent(agentId, AgentIndex::new);
    }
}
