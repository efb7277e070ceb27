package ams.knowledge.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One agent's in-memory search index: every chunk's normalised vector in blocks of contiguous
 * floats scanned by brute force (exact cosine), and a BM25 inverted index. A cache of the {@code
 * chunks} store, rebuilt from it; readers and the single writing stream thread share it under a
 * read-write lock.
 */
final class AgentIndex {

    static final int BLOCK_SHIFT = 10;
    static final int BLOCK = 1 << BLOCK_SHIFT;

    /** The first allocation of an agent's (last) block, in rows. */
    static final int MIN_BLOCK_ROWS = 16;

    private static final double K1 = 1.2;
    private static final double B = 0.75;
    private static final int RRF_K = 60;

    /** Below this many chunks one thread scans faster than handing work to others. */
    static final int PARALLEL_MIN_CHUNKS = 32_768;

    /** A document as the index needs it for filtering and grouping. */
    static final class DocEntry {
        final String documentId;
        final String source;
        final String contentType;
        final Set<String> tags;
        final String model;
        int[] ids;

        DocEntry(
                String documentId,
                String source,
                String contentType,
                Set<String> tags,
                String model) {
            this.documentId = documentId;
            this.source = source;
            this.contentType = contentType;
            this.tags = tags;
            this.model = model;
        }
    }

    /**
     * Chunk ids and term frequencies of one term; entries of removed chunks stay until compaction.
     */
    private static final class Postings {
        int[] ids = new int[4];
        int[] tfs = new int[4];
        int size;

        void add(int id, int tf) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
                tfs = Arrays.copyOf(tfs, size * 2);
            }
            ids[size] = id;
            tfs[size] = tf;
            size++;
        }
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final String agentId;
    private int dimension = -1;
    private String model;
    private float[][] blocks = new float[0][];
    private DocEntry[] owners = new DocEntry[0];
    private int[] chunkIndexes = new int[0];
    private int[] lengths = new int[0];
    private int size;
    private int live;
    private long totalLength;

    /** Ids a vector scan skips: removed chunks and chunks embedded with another dimension. */
    private BitSet noVector = new BitSet();

    private BitSet dead = new BitSet();
    private final Map<String, DocEntry> documents = new HashMap<>();
    private Map<String, Postings> postings = new HashMap<>();

    AgentIndex(String agentId) {
        this.agentId = agentId;
    }

    /** One chunk to add: its position in the document, the text that was embedded, the vector. */
    // A carrier handed straight to the index, never compared or used as a key.
    @SuppressWarnings("ArrayRecordComponent")
    record ChunkInput(int chunkIndex, String indexedText, float[] vector) {}

    void put(
            String documentId,
            String source,
            String contentType,
            Set<String> tags,
            String chunkModel,
            List<ChunkInput> chunks) {
        lock.writeLock().lock();
        try {
            removeLocked(documentId);
            DocEntry entry =
                    new DocEntry(documentId, source, contentType, Set.copyOf(tags), chunkModel);
            int[] ids = new int[chunks.size()];
            for (int i = 0; i < chunks.size(); i++) {
                ids[i] = addChunk(entry, chunks.get(i));
            }
            entry.ids = ids;
            documents.put(documentId, entry);
        } finally {
            lock.writeLock().unlock();
        }
    }

    void remove(String documentId) {
        lock.writeLock().lock();
        try {
            removeLocked(documentId);
        } finally {
            lock.writeLock().unlock();
        }
    }

    int liveChunks() {
        lock.readLock().lock();
        try {
            return live;
        } finally {
            lock.readLock().unlock();
        }
    }

    int documentCount() {
        lock.readLock().lock();
        try {
            return documents.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    int dimension() {
        return dimension;
    }

    private int addChunk(DocEntry entry, ChunkInput chunk) {
        float[] vector = chunk.vector();
        if (dimension < 0 && vector.length > 0) {
            dimension = vector.length;
            model = entry.model;
        }
        int id = size++;
        ensureCapacity(size);
        owners[id] = entry;
        chunkIndexes[id] = chunk.chunkIndex();
        if (vector.length == dimension) {
            float[] block = blocks[id >>> BLOCK_SHIFT];
            System.arraycopy(
                    normalised(vector), 0, block, (id & (BLOCK - 1)) * dimension, dimension);
        } else {
            noVector.set(id);
        }
        List<String> tokens = Tokenizer.tokens(chunk.indexedText());
        lengths[id] = tokens.size();
        totalLength += tokens.size();
        Map<String, Integer> frequencies = new HashMap<>();
        for (String token : tokens) {
            frequencies.merge(token, 1, Integer::sum);
        }
        frequencies.forEach(
                (term, tf) -> postings.computeIfAbsent(term, t -> new Postings()).add(id, tf));
        live++;
        return id;
    }

    private void ensureCapacity(int needed) {
        if (owners.length < needed) {
            int capacity = Math.max(16, Math.max(needed, owners.length + (owners.length >> 1)));
            owners = Arrays.copyOf(owners, capacity);
            chunkIndexes = Arrays.copyOf(chunkIndexes, capacity);
            lengths = Arrays.copyOf(lengths, capacity);
        }
        if (dimension <= 0) {
            return;
        }
        int blocksNeeded = (needed + BLOCK - 1) >>> BLOCK_SHIFT;
        if (blocks.length < blocksNeeded) {
            int old = blocks.length;
            blocks = Arrays.copyOf(blocks, blocksNeeded);
            if (old > 0) {
                blocks[old - 1] = grown(blocks[old - 1], BLOCK);
            }
            for (int b = old; b < blocksNeeded - 1; b++) {
                blocks[b] = new float[BLOCK * dimension];
            }
        }
        int last = blocksNeeded - 1;
        int rowsInLast = needed - (last << BLOCK_SHIFT);
        float[] block = blocks[last];
        if (block == null || block.length < rowsInLast * dimension) {
            int rows = block == null ? 0 : block.length / dimension;
            blocks[last] =
                    grown(
                            block,
                            Math.min(
                                    BLOCK,
                                    Math.max(rowsInLast, Math.max(MIN_BLOCK_ROWS, rows * 2))));
        }
    }

    /**
     * Only the last block may be shorter than {@link #BLOCK} rows, and it doubles as it fills: most
     * agents have a handful of chunks, and a full block for each (1.5 MiB at 384 dimensions) made
     * 2,000 one-document agents cost 3 GiB (found by the replay benchmark).
     */
    private float[] grown(float[] block, int rows) {
        if (block != null && block.length >= rows * dimension) {
            return block;
        }
        return block == null ? new float[rows * dimension] : Arrays.copyOf(block, rows * dimension);
    }

    private void removeLocked(String documentId) {
        DocEntry entry = documents.remove(documentId);
        if (entry == null) {
            return;
        }
        for (int id : entry.ids) {
            dead.set(id);
            owners[id] = null;
            totalLength -= lengths[id];
            live--;
        }
        if (size - live > Math.max(BLOCK, live)) {
            compact();
        }
    }

    /** Drops removed chunks: renumbers the live ones densely and filters the postings. */
    private void compact() {
        int[] remap = new int[size];
        int next = 0;
        for (int id = 0; id < size; id++) {
            remap[id] = dead.get(id) ? -1 : next++;
        }
        float[][] newBlocks = new float[(next + BLOCK - 1) >>> BLOCK_SHIFT][];
        if (dimension > 0) {
            for (int b = 0; b < newBlocks.length; b++) {
                int rows =
                        b < newBlocks.length - 1
                                ? BLOCK
                                : Math.max(MIN_BLOCK_ROWS, next - (b << BLOCK_SHIFT));
                newBlocks[b] = new float[Math.min(BLOCK, rows) * dimension];
            }
        }
        DocEntry[] newOwners = new DocEntry[Math.max(16, next)];
        int[] newChunkIndexes = new int[newOwners.length];
        int[] newLengths = new int[newOwners.length];
        BitSet newNoVector = new BitSet();
        for (int id = 0; id < size; id++) {
            int to = remap[id];
            if (to < 0) {
                continue;
            }
            newOwners[to] = owners[id];
            newChunkIndexes[to] = chunkIndexes[id];
            newLengths[to] = lengths[id];
            if (noVector.get(id)) {
                newNoVector.set(to);
            } else {
                System.arraycopy(
                        blocks[id >>> BLOCK_SHIFT],
                        (id & (BLOCK - 1)) * dimension,
                        newBlocks[to >>> BLOCK_SHIFT],
                        (to & (BLOCK - 1)) * dimension,
                        dimension);
            }
        }
        for (DocEntry entry : documents.values()) {
            for (int i = 0; i < entry.ids.length; i++) {
                entry.ids[i] = remap[entry.ids[i]];
            }
        }
        Map<String, Postings> newPostings = new HashMap<>();
        postings.forEach(
                (term, list) -> {
                    Postings filtered = null;
                    for (int i = 0; i < list.size; i++) {
                        int to = remap[list.ids[i]];
                        if (to >= 0) {
                            if (filtered == null) {
                                filtered = new Postings();
                            }
                            filtered.add(to, list.tfs[i]);
                        }
                    }
                    if (filtered != null) {
                        newPostings.put(term, filtered);
                    }
                });
        blocks = newBlocks;
        owners = newOwners;
        chunkIndexes = newChunkIndexes;
        lengths = newLengths;
        noVector = newNoVector;
        dead = new BitSet();
        postings = newPostings;
        size = next;
    }

    List<ChunkHit> search(
            float[] query,
            String queryText,
            String queryModel,
            SearchMode mode,
            int k,
            SearchFilters filters) {
        lock.readLock().lock();
        try {
            if (live == 0 || k <= 0) {
                return List.of();
            }
            BitSet excluded = excluded(filters);
            return switch (mode) {
                case VECTOR -> vector(query, queryModel, k, excluded, filters.minSimilarity());
                case LEXICAL -> lexical(queryText, k, excluded, filters.minSimilarity());
                case HYBRID ->
                        hybrid(query, queryText, queryModel, k, excluded, filters.minSimilarity());
            };
        } finally {
            lock.readLock().unlock();
        }
    }

    private BitSet excluded(SearchFilters filters) {
        BitSet excluded = (BitSet) dead.clone();
        if (filters.restrictsDocuments()) {
            for (DocEntry entry : documents.values()) {
                if (!filters.accepts(entry.tags, entry.source, entry.contentType)) {
                    for (int id : entry.ids) {
                        excluded.set(id);
                    }
                }
            }
        }
        return excluded;
    }

    private void checkDimension(float[] query, String queryModel) {
        if (dimension > 0 && query.length != dimension) {
            throw new DimensionMismatchException(
                    "Agent "
                            + agentId
                            + "'s knowledge was embedded with "
                            + model
                            + " ("
                            + dimension
                            + " dimensions); this query was embedded with "
                            + queryModel
                            + " ("
                            + query.length
                            + " dimensions). Query with the model that indexed it, or re-index the agent's documents with "
                            + queryModel
                            + ".");
        }
    }

    /** Exact top chunks by cosine, best chunk per document, at most k documents. */
    private List<ChunkHit> vector(
            float[] query, String queryModel, int k, BitSet excluded, double minSimilarity) {
        checkDimension(query, queryModel);
        if (dimension < 0) {
            return List.of();
        }
        float[] q = normalised(query);
        int want = k * 4 + 16;
        while (true) {
            TopK top = scan(q, want, excluded);
            List<ChunkHit> hits = bestPerDocument(top, k, minSimilarity);
            if (hits.size() >= k || top.size < want) {
                return hits;
            }
            want *= 4;
        }
    }

    private TopK scan(float[] q, int want, BitSet excluded) {
        BitSet skip = (BitSet) excluded.clone();
        skip.or(noVector);
        int parts =
                size >= PARALLEL_MIN_CHUNKS
                        ? Math.max(1, Runtime.getRuntime().availableProcessors())
                        : 1;
        if (parts == 1) {
            return scanRange(q, want, skip, 0, size);
        }
        // Large agents: split the scan by whole blocks; this thread takes the first part. The read
        // lock held by this thread keeps writers out until every part has finished.
        int blocksTotal = (size + BLOCK - 1) >>> BLOCK_SHIFT;
        int blocksPerPart = (blocksTotal + parts - 1) / parts;
        List<CompletableFuture<TopK>> others = new ArrayList<>();
        for (int p = 1; p < parts; p++) {
            int from = Math.min(size, p * blocksPerPart * BLOCK);
            int to = Math.min(size, (p + 1) * blocksPerPart * BLOCK);
            others.add(CompletableFuture.supplyAsync(() -> scanRange(q, want, skip, from, to)));
        }
        TopK merged = scanRange(q, want, skip, 0, Math.min(size, blocksPerPart * BLOCK));
        for (CompletableFuture<TopK> other : others) {
            TopK part = other.join();
            for (int i = 0; i < part.size; i++) {
                merged.offer(part.ids[i], part.scores[i]);
            }
        }
        return merged;
    }

    private TopK scanRange(float[] q, int want, BitSet skip, int from, int to) {
        TopK top = new TopK(want);
        int d = dimension;
        for (int id = skip.nextClearBit(from); id < to; id = skip.nextClearBit(id + 1)) {
            float[] block = blocks[id >>> BLOCK_SHIFT];
            int offset = (id & (BLOCK - 1)) * d;
            top.offer(id, dot(q, block, offset, d));
        }
        return top;
    }

    /** Four independent accumulators let the CPU overlap the multiply-adds. */
    static float dot(float[] q, float[] block, int offset, int d) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 3 < d; i += 4) {
            s0 += q[i] * block[offset + i];
            s1 += q[i + 1] * block[offset + i + 1];
            s2 += q[i + 2] * block[offset + i + 2];
            s3 += q[i + 3] * block[offset + i + 3];
        }
        for (; i < d; i++) {
            s0 += q[i] * block[offset + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private List<ChunkHit> bestPerDocument(TopK top, int k, double minScore) {
        int[] order = top.sortedIndexes();
        Map<DocEntry, ChunkHit> best = new LinkedHashMap<>();
        for (int index : order) {
            int id = top.ids[index];
            double score = top.scores[index];
            if (score < minScore) {
                break;
            }
            DocEntry owner = owners[id];
            if (!best.containsKey(owner)) {
                best.put(owner, new ChunkHit(owner.documentId, chunkIndexes[id], score, score));
                if (best.size() == k) {
                    break;
                }
            }
        }
        return new ArrayList<>(best.values());
    }

    /** BM25 over the chunks' terms; best chunk per document. */
    private List<ChunkHit> lexical(String queryText, int k, BitSet excluded, double minScore) {
        float[] scores = new float[size];
        BitSet touched = bm25(queryText, excluded, scores);
        int want = k * 4 + 16;
        while (true) {
            TopK top = new TopK(want);
            for (int id = touched.nextSetBit(0); id >= 0; id = touched.nextSetBit(id + 1)) {
                top.offer(id, scores[id]);
            }
            List<ChunkHit> hits = bestPerDocument(top, k, minScore);
            if (hits.size() >= k || top.size < want) {
                return hits;
            }
            want *= 4;
        }
    }

    /** Accumulates BM25 scores into {@code scores}; returns the ids that matched any term. */
    private BitSet bm25(String queryText, BitSet excluded, float[] scores) {
        Set<String> terms = new HashSet<>(Tokenizer.tokens(queryText));
        BitSet touched = new BitSet(size);
        double averageLength = live == 0 ? 1 : Math.max(1.0, (double) totalLength / live);
        for (String term : terms) {
            Postings list = postings.get(term);
            if (list == null) {
                continue;
            }
            int df = 0;
            for (int i = 0; i < list.size; i++) {
                if (!dead.get(list.ids[i])) {
                    df++;
                }
            }
            if (df == 0) {
                continue;
            }
            double idf = Math.log(1 + (live - df + 0.5) / (df + 0.5));
            for (int i = 0; i < list.size; i++) {
                int id = list.ids[i];
                if (excluded.get(id)) {
                    continue;
                }
                int tf = list.tfs[i];
                double norm = tf + K1 * (1 - B + B * lengths[id] / averageLength);
                scores[id] += (float) (idf * tf * (K1 + 1) / norm);
                touched.set(id);
            }
        }
        return touched;
    }

    /**
     * Reciprocal rank fusion of the vector and BM25 document rankings (k = 60). The reported
     * similarity stays the cosine of the document's best chunk, so min_similarity means the same in
     * every mode that embeds the query.
     */
    private List<ChunkHit> hybrid(
            float[] query,
            String queryText,
            String queryModel,
            int k,
            BitSet excluded,
            double minSimilarity) {
        int depth = Math.max(50, k * 10);
        List<ChunkHit> byVector = vector(query, queryModel, depth, excluded, minSimilarity);
        List<ChunkHit> byTerms = lexical(queryText, depth, excluded, Double.NEGATIVE_INFINITY);
        Map<String, double[]> fused = new LinkedHashMap<>();
        Map<String, ChunkHit> representative = new HashMap<>();
        for (int rank = 0; rank < byVector.size(); rank++) {
            ChunkHit hit = byVector.get(rank);
            fused.computeIfAbsent(hit.documentId(), d -> new double[1])[0] +=
                    1.0 / (RRF_K + rank + 1);
            representative.put(hit.documentId(), hit);
        }
        float[] q = dimension > 0 ? normalised(query) : null;
        for (int rank = 0; rank < byTerms.size(); rank++) {
            ChunkHit hit = byTerms.get(rank);
            if (!representative.containsKey(hit.documentId())) {
                double cosine = cosineOf(q, hit);
                if (cosine < minSimilarity) {
                    continue;
                }
                representative.put(
                        hit.documentId(),
                        new ChunkHit(hit.documentId(), hit.chunkIndex(), cosine, 0));
            }
            fused.computeIfAbsent(hit.documentId(), d -> new double[1])[0] +=
                    1.0 / (RRF_K + rank + 1);
        }
        List<ChunkHit> hits = new ArrayList<>();
        fused.forEach(
                (documentId, score) -> {
                    ChunkHit hit = representative.get(documentId);
                    hits.add(
                            new ChunkHit(documentId, hit.chunkIndex(), hit.similarity(), score[0]));
                });
        hits.sort((a, b) -> Double.compare(b.score(), a.score()));
        return hits.size() > k ? new ArrayList<>(hits.subList(0, k)) : hits;
    }

    private double cosineOf(float[] q, ChunkHit hit) {
        DocEntry entry = documents.get(hit.documentId());
        if (q == null || entry == null) {
            return 0;
        }
        for (int id : entry.ids) {
            if (chunkIndexes[id] == hit.chunkIndex() && !noVector.get(id)) {
                return dot(
                        q, blocks[id >>> BLOCK_SHIFT], (id & (BLOCK - 1)) * dimension, dimension);
            }
        }
        return 0;
    }

    static float[] normalised(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += v * v;
        }
        if (sum == 0) {
            return vector.clone();
        }
        float inverse = (float) (1 / Math.sqrt(sum));
        float[] out = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            out[i] = vector[i] * inverse;
        }
        return out;
    }

    /** Bytes held by the vector blocks, for the memory benchmark. */
    long vectorBytes() {
        lock.readLock().lock();
        try {
            long bytes = 0;
            for (float[] block : blocks) {
                bytes += (long) block.length * Float.BYTES;
            }
            return bytes;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Bounded min-heap of (id, score) keeping the best {@code capacity}. */
    static final class TopK {
        final int[] ids;
        final float[] scores;
        int size;

        TopK(int capacity) {
            ids = new int[Math.max(1, Math.min(capacity, 1 << 20))];
            scores = new float[ids.length];
        }

        void offer(int id, float score) {
            if (size < ids.length) {
                ids[size] = id;
                scores[size] = score;
                siftUp(size++);
            } else if (score > scores[0]) {
                ids[0] = id;
                scores[0] = score;
                siftDown(0);
            }
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (scores[parent] <= scores[i]) {
                    return;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void siftDown(int i) {
            while (true) {
                int left = 2 * i + 1;
                int smallest = i;
                if (left < size && scores[left] < scores[smallest]) {
                    smallest = left;
                }
                if (left + 1 < size && scores[left + 1] < scores[smallest]) {
                    smallest = left + 1;
                }
                if (smallest == i) {
                    return;
                }
                swap(i, smallest);
                i = smallest;
            }
        }

        private void swap(int a, int b) {
            int id = ids[a];
            ids[a] = ids[b];
            ids[b] = id;
            float score = scores[a];
            scores[a] = scores[b];
            scores[b] = score;
        }

        /** Heap positions ordered best first, ties by smaller id (deterministic). */
        int[] sortedIndexes() {
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            Arrays.sort(
                    order,
                    (a, b) -> {
                        int byScore = Float.compare(scores[b], scores[a]);
                        return byScore != 0 ? byScore : Integer.compare(ids[a], ids[b]);
                    });
            int[] out = new int[size];
            for (int i = 0; i < size; i++) {
                out[i] = order[i];
            }
            return out;
        }
    }
}
