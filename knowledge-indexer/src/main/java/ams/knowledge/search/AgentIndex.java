package ams.knowledge.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One agent's in-memory search index: the chunks' vectors quantized ({@link QuantizedVectors}) and
 * a BM25 inverted index with document frequencies kept as chunks come and go. A cache of the {@code
 * chunks} store, rebuilt from it; readers and the single writing stream thread share it under a
 * read-write lock.
 *
 * <p>Approximate vector search, in three stages: the sign sketches of every row pick the best
 * {@code max(2048, rows / 16)} candidates (AND + popcount of 4 query bit planes per 32 dimensions,
 * vectorized where the CPU allows: {@link QuantizedVectors}), their int8 codes rank them, and the
 * best {@code want + 32} are re-ranked with their float vectors from the store ({@link
 * ChunkVectors}). Small agents (up to {@value #FULL_SCAN_MAX} rows) skip the first stage. Exact
 * search (a query option) computes the float cosine of every chunk from the store.
 */
final class AgentIndex {

    static final int BLOCK = QuantizedVectors.BLOCK;
    static final int MIN_BLOCK_ROWS = QuantizedVectors.MIN_BLOCK_ROWS;

    private static final double K1 = 1.2;
    private static final double B = 0.75;
    private static final int RRF_K = 60;

    /**
     * Below this many chunks one thread scans faster than handing work to another. A JVM system
     * property for machines unlike the benchmark's: with 2 cores and the SIMD kernel, splitting
     * from 32,768 rows gave vector p50 / p99 2.1 / 5.2 ms at 100k chunks against 3.9 / 5.1 ms
     * unsplit, and p99 31 against 37 ms at 1M (bench/results-17-simd.md).
     */
    static final int PARALLEL_MIN_CHUNKS =
            Integer.getInteger("ams.knowledge.parallelMinRows", 32_768);

    /**
     * Below this many int8 candidates one thread ranks them faster than two: with the scalar kernel
     * a candidate costs about eight times a sketch row (384 multiply-adds against 30 popcounts).
     */
    static final int PARALLEL_MIN_CANDIDATES = PARALLEL_MIN_CHUNKS / 8;

    /**
     * Up to this many rows every row is scored by its int8 code (no sketch stage). 8,192 while the
     * sketch cost ~10 ns per row; with vector popcounts it costs under 2, and at 8,000 chunks the
     * sketch stage (keeping 2,048 rows) took a vector query from 0.55 to 0.22 ms of CPU with recall
     * 0.999 against 1.000 (bench/RESULTS.md).
     */
    static final int FULL_SCAN_MAX = 4_096;

    /** The sketch stage keeps at least this many candidates, and at least 1/{@link #DIVISOR}. */
    static final int MIN_CANDIDATES = 2_048;

    /**
     * The candidate floor of a hybrid query's vector half per chunk of an average document, up to
     * {@link #MIN_CANDIDATES}: that half only orders the fusion's documents (rank r adds 1 / (60 +
     * r)), and nothing is re-ranked from it. At 10,000 one-chunk documents, k = 5, 512 candidates
     * agreed with hybrid over exact float cosines on 0.970 of the documents returned (2,048: 0.985)
     * for about a quarter less search CPU; at ten chunks per document 864 candidates agreed on 0.88
     * (2,048: 0.96), so documents of several chunks keep the full floor (bench/RESULTS.md, issue
     * 14).
     */
    static final int FUSION_MIN_CANDIDATES = 512;

    static final int DIVISOR = 16;

    /** Sketch scores sampled to set the candidate threshold. */
    static final int SAMPLES = 4096;

    /** Candidates re-ranked with float vectors beyond the chunks a search wants. */
    static final int RERANK_EXTRA = 32;

    /**
     * Scans of large agents are split with these threads (one fewer than the cores: the querying
     * thread takes a part itself). Daemon threads: they never keep the process alive.
     */
    private static final ExecutorService SCANS =
            Executors.newFixedThreadPool(
                    Math.max(1, Runtime.getRuntime().availableProcessors() - 1),
                    runnable -> {
                        Thread thread = new Thread(runnable, "knowledge-scan");
                        thread.setDaemon(true);
                        return thread;
                    });

    /** A document as the index needs it for filtering and grouping. */
    static final class DocEntry {
        final String documentId;
        final String source;
        final String contentType;
        final Set<String> tags;
        final String model;
        int[] ids;

        /**
         * The distinct term ids of each chunk, one after another, as variable-length integers (for
         * document frequencies when the document goes; most ids fit in one or two bytes).
         */
        byte[] termIds;

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
     * Chunk ids and term frequencies of one term; entries of removed chunks stay until compaction,
     * {@code df} counts the live ones.
     */
    private static final class Postings {
        int[] ids = new int[2];
        byte[] tfs = new byte[2];
        int size;
        int df;

        void add(int id, int tf) {
            if (size == ids.length) {
                // 1.5x: postings are most of the lexical index, and doubling left a quarter empty.
                int capacity = size + (size >> 1) + 1;
                ids = Arrays.copyOf(ids, capacity);
                tfs = Arrays.copyOf(tfs, capacity);
            }
            ids[size] = id;
            tfs[size] = (byte) Math.min(tf, 255);
            size++;
        }

        int tf(int i) {
            return tfs[i] & 0xff;
        }
    }

    /** Reusable BM25 accumulators: a search allocates nothing in proportion to the corpus. */
    private static final class Scratch {
        float[] scores = new float[0];

        /** The sketch stage's candidates, one list per part of a split scan. */
        QuantizedVectors.RowList[] parts = new QuantizedVectors.RowList[0];

        /**
         * The int8 estimates of the candidates, by their position in {@link #candidates} or in
         * their part's list; one array per part of a split scan.
         */
        float[][] estimates = new float[1][0];

        /** The sketch scores of every row, each part of a split scan writing its own range. */
        float[] sketchScores = new float[0];

        /** Per part: the sketch stage's weighted counts of one block, and its threshold sample. */
        int[][] counts = new int[0][];

        float[][] samples = new float[0][];

        int[] candidates = new int[1024];
        int candidateCount;
        int[] touched = new int[64];
        int count;

        /** Appends a row to {@link #candidates}, growing it when full. */
        void addCandidate(int id) {
            if (candidateCount == candidates.length) {
                candidates = Arrays.copyOf(candidates, candidateCount * 2);
            }
            candidates[candidateCount++] = id;
        }

        /** Part {@code part}'s estimates array, at least {@code count} long. */
        float[] estimates(int part, int count) {
            if (estimates[part].length < count) {
                estimates[part] = new float[Math.max(count, estimates[part].length * 2)];
            }
            return estimates[part];
        }

        /** The sketch scores array, at least {@code rows} long. */
        float[] sketchScores(int rows) {
            if (sketchScores.length < rows) {
                sketchScores = new float[Math.max(rows, sketchScores.length * 2)];
            }
            return sketchScores;
        }

        /**
         * One candidate list, estimates array, counts block and threshold sample for each of {@code
         * count} parts.
         */
        void ensureParts(int count) {
            if (counts.length < count) {
                int[][] grownCounts = Arrays.copyOf(counts, count);
                float[][] grownSamples = Arrays.copyOf(samples, count);
                for (int p = counts.length; p < count; p++) {
                    grownCounts[p] = new int[QuantizedVectors.BLOCK];
                    grownSamples[p] = new float[SAMPLES];
                }
                counts = grownCounts;
                samples = grownSamples;
            }
            if (parts.length < count) {
                QuantizedVectors.RowList[] grown = Arrays.copyOf(parts, count);
                for (int p = parts.length; p < count; p++) {
                    grown[p] = new QuantizedVectors.RowList();
                }
                parts = grown;
            }
            if (estimates.length < count) {
                float[][] grown = Arrays.copyOf(estimates, count);
                for (int p = estimates.length; p < count; p++) {
                    grown[p] = new float[0];
                }
                estimates = grown;
            }
        }

        void touch(int id) {
            if (count == touched.length) {
                touched = Arrays.copyOf(touched, count * 2);
            }
            touched[count++] = id;
        }

        void clear() {
            for (int i = 0; i < count; i++) {
                scores[touched[i]] = 0;
            }
            count = 0;
        }
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final String agentId;
    private int dimension = -1;
    private String model;
    private QuantizedVectors vectors;
    private DocEntry[] owners = new DocEntry[0];
    private int[] chunkIndexes = new int[0];
    private int[] lengths = new int[0];
    private int size;
    private int live;
    private long totalLength;

    /** Removed chunks. */
    private BitSet dead = new BitSet();

    /** Ids a vector scan skips: removed chunks and chunks embedded with another dimension. */
    private BitSet noVector = new BitSet();

    private final Map<String, DocEntry> documents = new HashMap<>();
    private final Map<String, Integer> termIds = new HashMap<>();
    private Postings[] postings = new Postings[16];
    private final ConcurrentLinkedQueue<Scratch> scratches = new ConcurrentLinkedQueue<>();

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
        // Analysis and normalisation outside the lock: readers wait only for the copying.
        List<Map<Integer, Integer>> frequencies = new ArrayList<>(chunks.size());
        int[] tokenCounts = new int[chunks.size()];
        List<float[]> normalisedVectors = new ArrayList<>(chunks.size());
        List<List<String>> tokens = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            List<String> chunkTokens = Tokenizer.tokens(chunks.get(i).indexedText());
            tokens.add(chunkTokens);
            tokenCounts[i] = chunkTokens.size();
            float[] vector = chunks.get(i).vector();
            normalisedVectors.add(vector.length == 0 ? vector : normalised(vector));
        }
        lock.writeLock().lock();
        try {
            removeLocked(documentId);
            for (List<String> chunkTokens : tokens) {
                Map<Integer, Integer> counts = new LinkedHashMap<>();
                for (String token : chunkTokens) {
                    counts.merge(termId(token), 1, Integer::sum);
                }
                frequencies.add(counts);
            }
            DocEntry entry =
                    new DocEntry(documentId, source, contentType, Set.copyOf(tags), chunkModel);
            int[] ids = new int[chunks.size()];
            int distinct = 0;
            for (Map<Integer, Integer> counts : frequencies) {
                distinct += counts.size();
            }
            byte[] entryTerms = new byte[distinct * 5];
            int t = 0;
            for (int i = 0; i < chunks.size(); i++) {
                ids[i] = addChunk(entry, chunks.get(i).chunkIndex(), normalisedVectors.get(i));
                lengths[ids[i]] = tokenCounts[i];
                totalLength += tokenCounts[i];
                for (Map.Entry<Integer, Integer> term : frequencies.get(i).entrySet()) {
                    Postings list = postings[term.getKey()];
                    list.add(ids[i], term.getValue());
                    list.df++;
                    t = writeVarint(entryTerms, t, term.getKey());
                }
            }
            entry.ids = ids;
            entry.termIds = Arrays.copyOf(entryTerms, t);
            documents.put(documentId, entry);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static int writeVarint(byte[] out, int at, int value) {
        while ((value & ~0x7f) != 0) {
            out[at++] = (byte) ((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out[at++] = (byte) value;
        return at;
    }

    private int termId(String term) {
        Integer id = termIds.get(term);
        if (id != null) {
            return id;
        }
        int next = termIds.size();
        termIds.put(term, next);
        if (next == postings.length) {
            postings = Arrays.copyOf(postings, next * 2);
        }
        postings[next] = new Postings();
        return next;
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

    private int addChunk(DocEntry entry, int chunkIndex, float[] normalisedVector) {
        if (dimension < 0 && normalisedVector.length > 0) {
            dimension = normalisedVector.length;
            model = entry.model;
            vectors = new QuantizedVectors(dimension);
        }
        int id = size++;
        ensureCapacity(size);
        owners[id] = entry;
        chunkIndexes[id] = chunkIndex;
        if (normalisedVector.length == dimension) {
            vectors.set(id, normalisedVector);
        } else {
            noVector.set(id);
        }
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
        byte[] terms = entry.termIds;
        for (int i = 0; i < terms.length; ) {
            int term = 0;
            int shift = 0;
            byte b;
            do {
                b = terms[i++];
                term |= (b & 0x7f) << shift;
                shift += 7;
            } while (b < 0);
            postings[term].df--;
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
        QuantizedVectors newVectors = dimension > 0 ? new QuantizedVectors(dimension) : null;
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
                newVectors.copyRow(vectors, id, to);
            }
        }
        for (DocEntry entry : documents.values()) {
            for (int i = 0; i < entry.ids.length; i++) {
                entry.ids[i] = remap[entry.ids[i]];
            }
        }
        for (int term = 0; term < termIds.size(); term++) {
            Postings list = postings[term];
            Postings filtered = new Postings();
            for (int i = 0; i < list.size; i++) {
                int to = remap[list.ids[i]];
                if (to >= 0) {
                    filtered.add(to, list.tf(i));
                }
            }
            filtered.df = list.df;
            postings[term] = filtered;
        }
        vectors = newVectors;
        owners = newOwners;
        chunkIndexes = newChunkIndexes;
        lengths = newLengths;
        noVector = newNoVector;
        dead = new BitSet();
        size = next;
    }

    List<ChunkHit> search(
            float[] query,
            String queryText,
            String queryModel,
            SearchMode mode,
            int k,
            SearchFilters filters) {
        return search(query, queryText, queryModel, mode, k, filters, null, false);
    }

    /**
     * Top-k documents, best first, each with its best chunk.
     *
     * @param source the chunks' float vectors, to re-rank the best candidates exactly; null ranks
     *     by the int8 codes alone
     * @param exact the float cosine of every chunk from {@code source} instead of the quantized
     *     stages (slow: for small agents and tests)
     */
    List<ChunkHit> search(
            float[] query,
            String queryText,
            String queryModel,
            SearchMode mode,
            int k,
            SearchFilters filters,
            ChunkVectors source,
            boolean exact) {
        if (exact && source == null && mode != SearchMode.LEXICAL) {
            throw new IllegalArgumentException("exact search needs the chunks' float vectors");
        }
        lock.readLock().lock();
        try {
            if (live == 0 || k <= 0) {
                return List.of();
            }
            BitSet excluded = excluded(filters);
            return switch (mode) {
                case VECTOR ->
                        vector(
                                query,
                                queryModel,
                                k,
                                excluded,
                                filters.minSimilarity(),
                                source,
                                exact);
                case LEXICAL -> lexical(queryText, k, excluded, filters.minSimilarity());
                case HYBRID ->
                        hybrid(
                                query,
                                queryText,
                                queryModel,
                                k,
                                excluded,
                                filters.minSimilarity(),
                                source,
                                exact);
            };
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The chunks a filter leaves out, or null when it restricts nothing. */
    private BitSet excluded(SearchFilters filters) {
        if (!filters.restrictsDocuments()) {
            return null;
        }
        BitSet excluded = new BitSet();
        for (DocEntry entry : documents.values()) {
            if (!filters.accepts(entry.tags, entry.source, entry.contentType)) {
                for (int id : entry.ids) {
                    excluded.set(id);
                }
            }
        }
        return excluded;
    }

    private boolean skipsVector(int id, BitSet excluded) {
        return dead.get(id) || noVector.get(id) || (excluded != null && excluded.get(id));
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

    /** Top chunks by cosine, best chunk per document, at most k documents. */
    private List<ChunkHit> vector(
            float[] query,
            String queryModel,
            int k,
            BitSet excluded,
            double minSimilarity,
            ChunkVectors source,
            boolean exact) {
        checkDimension(query, queryModel);
        if (vectors == null) {
            return List.of();
        }
        float[] q = normalised(query);
        int want = k * 4 + 16;
        while (true) {
            TopK top =
                    exact
                            ? exact(q, want, excluded, source)
                            : approximate(q, want, excluded, source);
            List<ChunkHit> hits = bestPerDocument(top, k, minSimilarity);
            if (hits.size() >= k || top.size < want) {
                return hits;
            }
            want *= 4;
        }
    }

    /** The float cosine of every chunk, read from {@code source}. */
    private TopK exact(float[] q, int want, BitSet excluded, ChunkVectors source) {
        TopK top = new TopK(want);
        for (int id = 0; id < size; id++) {
            if (!skipsVector(id, excluded)) {
                float[] v = source.vector(owners[id].documentId, chunkIndexes[id]);
                top.offer(
                        id,
                        v != null && v.length == dimension ? cosine(q, v) : vectors.score(q, id));
            }
        }
        return top;
    }

    private TopK approximate(float[] q, int want, BitSet excluded, ChunkVectors source) {
        return approximate(q, want, excluded, source, MIN_CANDIDATES);
    }

    private TopK approximate(
            float[] q, int want, BitSet excluded, ChunkVectors source, int minCandidates) {
        byte[] q8 = QuantizedVectors.quantizeQuery(q);
        float qScale = QuantizedVectors.queryScale(q);
        int rerank = source == null ? want : want + RERANK_EXTRA;
        TopK ranked;
        int candidates = Math.max(rerank * 4, candidates(size, minCandidates));
        Scratch scratch = borrowScratch();
        try {
            if (!vectors.sketched() || size <= FULL_SCAN_MAX || candidates >= size) {
                ranked = everyRowRanked(q8, qScale, rerank, excluded, scratch);
            } else {
                ranked = sketchedRanked(q, q8, qScale, candidates, rerank, excluded, scratch);
            }
        } finally {
            returnScratch(scratch);
        }
        if (source == null) {
            return ranked;
        }
        TopK top = new TopK(want);
        for (int i = 0; i < ranked.size; i++) {
            int id = ranked.ids[i];
            float[] v = source.vector(owners[id].documentId, chunkIndexes[id]);
            top.offer(id, v != null && v.length == dimension ? cosine(q, v) : ranked.scores[i]);
        }
        return top;
    }

    /** The best {@code rerank} rows by the int8 estimate of every row the search may return. */
    private TopK everyRowRanked(
            byte[] q8, float qScale, int rerank, BitSet excluded, Scratch scratch) {
        int[] picked = everyVectorRow(excluded, scratch);
        int count = scratch.candidateCount;
        float[] estimates = scratch.estimates(0, count);
        return inParallel(
                count,
                partsFor(count, PARALLEL_MIN_CANDIDATES),
                rerank,
                (part, from, to, top) -> {
                    vectors.scores(q8, qScale, picked, from, to, estimates);
                    for (int i = from; i < to; i++) {
                        top.offer(picked[i], estimates[i]);
                    }
                });
    }

    /**
     * The best {@code rerank} rows by the int8 estimate of the rows whose sign-sketch score reaches
     * the threshold that about {@code wanted} rows pass. Each part of a split scan scores its rows'
     * sketches (a block at a time, in vector instructions where the CPU has them), reads the
     * threshold for its share off a strided sample of those scores (no heap of thousands of
     * candidates to keep in order), keeps the rows at or above it and ranks them by their int8
     * codes, all in one task: one hand-off to the scan threads per query, not one per stage.
     */
    private TopK sketchedRanked(
            float[] q,
            byte[] q8,
            float qScale,
            int wanted,
            int rerank,
            BitSet excluded,
            Scratch scratch) {
        QuantizedVectors.SketchQuery sketch = vectors.sketchQuery(q);
        // Small agents in one task: under load a hand-off costs more than it saves.
        int parts = partsFor(size, PARALLEL_MIN_CHUNKS);
        // Most agents have no removed or vector-less rows and most queries no filter: then no
        // row needs the three bit-set checks.
        boolean anySkipped = excluded != null || !dead.isEmpty() || !noVector.isEmpty();
        scratch.ensureParts(parts);
        float[] scores = scratch.sketchScores(size);
        return inParallel(
                size,
                parts,
                rerank,
                (part, from, to, top) -> {
                    vectors.sketchScores(sketch, from, to, scores, scratch.counts[part]);
                    // A sixteenth of the rows (at least 512) estimates the threshold well enough:
                    // at 10,000 rows the threshold of 625 samples moves the candidate count by
                    // about a tenth, which the recall did not see.
                    int rows = to - from;
                    int samples = Math.min(rows, Math.min(SAMPLES, Math.max(512, rows / 16)));
                    float[] sample = scratch.samples[part];
                    int stride = Math.max(1, rows / samples);
                    int taken = 0;
                    for (int id = from; id < to && taken < samples; id += stride) {
                        sample[taken++] =
                                anySkipped && skipsVector(id, excluded)
                                        ? Float.NEGATIVE_INFINITY
                                        : scores[id];
                    }
                    int above = (int) Math.ceil((double) taken * wanted / size);
                    float threshold = select(sample, taken, Math.max(0, taken - 1 - above));
                    QuantizedVectors.RowList list = scratch.parts[part];
                    list.size = 0;
                    for (int id = from; id < to; id++) {
                        if (scores[id] >= threshold && !(anySkipped && skipsVector(id, excluded))) {
                            list.add(id);
                        }
                    }
                    int kept = list.size;
                    int[] ids = list.ids;
                    float[] estimates = scratch.estimates(part, kept);
                    vectors.scores(q8, qScale, ids, 0, kept, estimates);
                    for (int i = 0; i < kept; i++) {
                        top.offer(ids[i], estimates[i]);
                    }
                });
    }

    /**
     * Every row with a vector the search may return, as candidates: the scratch's candidate array,
     * {@code scratch.candidateCount} long.
     */
    private int[] everyVectorRow(BitSet excluded, Scratch scratch) {
        scratch.candidateCount = 0;
        for (int id = 0; id < size; id++) {
            if (!skipsVector(id, excluded)) {
                scratch.addCandidate(id);
            }
        }
        return scratch.candidates;
    }

    /**
     * The {@code rank}-th smallest of {@code values[0, n)} (Hoare's selection, reordering them): a
     * full sort of the 4,096 samples was a tenth of a vector query.
     */
    static float select(float[] values, int n, int rank) {
        int low = 0;
        int high = n - 1;
        while (low < high) {
            float pivot = values[(low + high) >>> 1];
            int i = low;
            int j = high;
            while (i <= j) {
                while (values[i] < pivot) {
                    i++;
                }
                while (values[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    float swap = values[i];
                    values[i] = values[j];
                    values[j] = swap;
                    i++;
                    j--;
                }
            }
            if (rank <= j) {
                high = j;
            } else if (rank >= i) {
                low = i;
            } else {
                return values[rank];
            }
        }
        return values[rank];
    }

    /**
     * The int8 candidates the sketch stage keeps for {@code rows} rows: a sixteenth up to 100,000
     * rows, then growing with the square root (20 per row's square root: 6,325 at 100,000, 20,000
     * at 1,000,000). The best rows of a larger agent stand further above the rest, so the sketch
     * ranks them well with fewer candidates: at 1M chunks a sixteenth gave recall@10 1.0000 and
     * spent 62,500 int8 dot products per query (bench/RESULTS.md). Never fewer than {@code
     * minCandidates} ({@link #MIN_CANDIDATES}, or a hybrid query's smaller floor).
     */
    static int candidates(int rows, int minCandidates) {
        return Math.max(minCandidates, Math.min(rows / DIVISOR, (int) (20 * Math.sqrt(rows))));
    }

    private Scratch borrowScratch() {
        Scratch scratch = scratches.poll();
        return scratch == null ? new Scratch() : scratch;
    }

    private void returnScratch(Scratch scratch) {
        scratches.offer(scratch);
    }

    /** Scores a numbered part of a range of rows (or candidates) into a bounded heap. */
    @FunctionalInterface
    private interface RangeScan {
        void scan(int part, int from, int to, TopK top);
    }

    /**
     * Runs {@code scan} over {@code [0, n)} in {@code parts} parts, the scan threads taking all but
     * the first, which this thread runs, and merges their heaps. The read lock held by this thread
     * keeps writers out until every part has finished.
     */
    private static TopK inParallel(int n, int parts, int capacity, RangeScan scan) {
        if (parts <= 1) {
            TopK top = new TopK(capacity);
            scan.scan(0, 0, n, top);
            return top;
        }
        int per = (n + parts - 1) / parts;
        List<Future<TopK>> others = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int part = p;
            int from = Math.min(n, p * per);
            int to = Math.min(n, from + per);
            others.add(
                    SCANS.submit(
                            () -> {
                                TopK top = new TopK(capacity);
                                scan.scan(part, from, to, top);
                                return top;
                            }));
        }
        TopK merged = new TopK(capacity);
        scan.scan(0, 0, Math.min(n, per), merged);
        for (Future<TopK> other : others) {
            TopK part;
            try {
                part = other.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while scanning", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("a scan failed", e.getCause());
            }
            for (int i = 0; i < part.size; i++) {
                merged.offer(part.ids[i], part.scores[i]);
            }
        }
        return merged;
    }

    /** Parts a scan of {@code n} items is split into: one per core from {@code minParallel} on. */
    private static int partsFor(int n, int minParallel) {
        return n >= minParallel ? Runtime.getRuntime().availableProcessors() : 1;
    }

    /** The cosine of the normalised query with a vector as embedded. */
    private static float cosine(float[] q, float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        return norm == 0 ? 0 : (float) (dot(q, v, 0, q.length) / Math.sqrt(norm));
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
        int most = Math.min(k, top.size);
        List<ChunkHit> best = new ArrayList<>(most);
        TakenDocuments taken = new TakenDocuments(most);
        for (long key : top.sorted()) {
            int id = TopK.idOf(key);
            double score = TopK.scoreOf(key);
            if (score < minScore) {
                break;
            }
            DocEntry owner = owners[id];
            if (taken.add(owner)) {
                best.add(new ChunkHit(owner.documentId, chunkIndexes[id], score, score));
                if (best.size() == k) {
                    break;
                }
            }
        }
        return best;
    }

    /** A document in a hybrid query's fusion: its representative chunk and its rank sum. */
    private static final class Fused {
        final String documentId;
        final int chunkIndex;
        final double similarity;
        double score;

        Fused(String documentId, int chunkIndex, double similarity) {
            this.documentId = documentId;
            this.chunkIndex = chunkIndex;
            this.similarity = similarity;
        }
    }

    /**
     * The documents a ranking has taken, by identity, in one small open-addressing array: a linked
     * hash map's entry objects and rehashing were a tenth of a hybrid query, which ranks two lists.
     */
    private static final class TakenDocuments {
        private final DocEntry[] slots;
        private final int mask;

        /** Room for {@code most} documents at half load. */
        TakenDocuments(int most) {
            int capacity = Integer.highestOneBit(Math.max(2, most) * 2 - 1) << 1;
            slots = new DocEntry[capacity];
            mask = capacity - 1;
        }

        /** Takes the document; false when it was taken already. */
        boolean add(DocEntry document) {
            int i = System.identityHashCode(document) & mask;
            while (true) {
                DocEntry at = slots[i];
                if (at == null) {
                    slots[i] = document;
                    return true;
                }
                if (at == document) {
                    return false;
                }
                i = (i + 1) & mask;
            }
        }
    }

    /** BM25 over the chunks' terms; best chunk per document. */
    private List<ChunkHit> lexical(String queryText, int k, BitSet excluded, double minScore) {
        Scratch scratch = borrowScratch();
        try {
            if (scratch.scores.length < size) {
                scratch.scores = new float[Math.max(size, scratch.scores.length * 2)];
            }
            bm25(queryText, excluded, scratch);
            int want = chunksWanted(k);
            while (true) {
                TopK top = new TopK(want);
                for (int i = 0; i < scratch.count; i++) {
                    int id = scratch.touched[i];
                    top.offer(id, scratch.scores[id]);
                }
                List<ChunkHit> hits = bestPerDocument(top, k, minScore);
                if (hits.size() >= k || top.size < want) {
                    return hits;
                }
                want *= 4;
            }
        } finally {
            scratch.clear();
            returnScratch(scratch);
        }
    }

    /**
     * Accumulates BM25 scores into the scratch (every term's document frequency is kept up to date
     * by put and remove; nothing is counted here).
     */
    private void bm25(String queryText, BitSet excluded, Scratch scratch) {
        Set<String> terms = new LinkedHashSet<>(Tokenizer.tokens(queryText));
        double averageLength = live == 0 ? 1 : Math.max(1.0, (double) totalLength / live);
        // The length part of a posting's norm is lengthBase + lengthStep * length, set once per
        // query: one float division per posting, not two double ones.
        float lengthBase = (float) (K1 * (1 - B));
        float lengthStep = (float) (K1 * B / averageLength);
        float[] scores = scratch.scores;
        int[] chunkLengths = lengths;
        for (String term : terms) {
            Integer termId = termIds.get(term);
            if (termId == null) {
                continue;
            }
            Postings list = postings[termId];
            int df = list.df;
            if (df <= 0) {
                continue;
            }
            float weight = (float) (Math.log(1 + (live - df + 0.5) / (df + 0.5)) * (K1 + 1));
            int[] ids = list.ids;
            byte[] tfs = list.tfs;
            int size = list.size;
            for (int i = 0; i < size; i++) {
                int id = ids[i];
                if (dead.get(id) || (excluded != null && excluded.get(id))) {
                    continue;
                }
                float tf = tfs[i] & 0xff;
                if (scores[id] == 0) {
                    scratch.touch(id);
                }
                scores[id] += weight * tf / (tf + lengthBase + lengthStep * chunkLengths[id]);
            }
        }
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
            double minSimilarity,
            ChunkVectors source,
            boolean exact) {
        int depth = Math.max(50, k * 10);
        // The fusion needs the vector ranking, not exact cosines: the approximate ranking is taken
        // from the int8 codes alone, and floats are read from the store only for the k hits
        // returned (a hybrid query once read ~4 x depth vectors, each a RocksDB get in production).
        boolean estimated = !exact && vectors != null;
        List<ChunkHit> byVector =
                estimated
                        ? vectorEstimates(query, queryModel, depth, excluded, minSimilarity)
                        : vector(query, queryModel, depth, excluded, minSimilarity, source, exact);
        List<ChunkHit> byTerms = lexical(queryText, depth, excluded, Double.NEGATIVE_INFINITY);
        int candidates = byVector.size() + byTerms.size();
        // One entry per document in fusion order (the vector ranking's, then the terms' new ones),
        // found by id through one map.
        Map<String, Fused> byDocument = new HashMap<>(capacityFor(candidates));
        List<Fused> fused = new ArrayList<>(candidates);
        for (int rank = 0; rank < byVector.size(); rank++) {
            ChunkHit hit = byVector.get(rank);
            Fused entry = new Fused(hit.documentId(), hit.chunkIndex(), hit.similarity());
            entry.score = 1.0 / (RRF_K + rank + 1);
            byDocument.put(hit.documentId(), entry);
            fused.add(entry);
        }
        // A document only the terms found has no cosine yet: it is estimated below only if the
        // fused order reaches it (most of the depth lexical-only hits never are returned).
        for (int rank = 0; rank < byTerms.size(); rank++) {
            ChunkHit hit = byTerms.get(rank);
            Fused entry = byDocument.get(hit.documentId());
            if (entry == null) {
                entry = new Fused(hit.documentId(), hit.chunkIndex(), Double.NaN);
                byDocument.put(hit.documentId(), entry);
                fused.add(entry);
            }
            entry.score += 1.0 / (RRF_K + rank + 1);
        }
        // Stable: equal sums keep the fusion order.
        fused.sort((a, b) -> Double.compare(b.score, a.score));
        float[] q = vectors != null ? normalised(query) : null;
        // Quantized once: several lexical-only hits may need the int8 estimate.
        byte[] q8 = q != null ? QuantizedVectors.quantizeQuery(q) : null;
        float qScale = q != null ? QuantizedVectors.queryScale(q) : 0;
        boolean reread = estimated && source != null;
        List<ChunkHit> returned = new ArrayList<>(k);
        for (Fused entry : fused) {
            ChunkHit hit = new ChunkHit(entry.documentId, entry.chunkIndex, entry.similarity, 0);
            double similarity = entry.similarity;
            if (Double.isNaN(similarity)) {
                // Dropping a document below the minimum leaves the others' fused scores as they
                // are: each document's score is its own ranks' sum.
                similarity = cosineOf(q, q8, qScale, hit, estimated ? null : source);
                if (similarity < minSimilarity) {
                    continue;
                }
            }
            if (reread) {
                // The reported similarity is the exact cosine: read the returned hits' floats,
                // dropping any whose exact cosine falls below the minimum after all.
                similarity = cosineOf(q, q8, qScale, hit, source);
                if (similarity < minSimilarity) {
                    continue;
                }
            }
            returned.add(new ChunkHit(entry.documentId, entry.chunkIndex, similarity, entry.score));
            if (returned.size() == k) {
                break;
            }
        }
        return returned;
    }

    /**
     * The best {@code k} documents by the int8 estimate of their best chunk's cosine (no float
     * re-rank): the vector half of a hybrid query, which only needs the order.
     */
    private List<ChunkHit> vectorEstimates(
            float[] query, String queryModel, int k, BitSet excluded, double minSimilarity) {
        checkDimension(query, queryModel);
        float[] q = normalised(query);
        int chunksPerDocument = chunksPerDocument();
        int want = chunksWanted(k);
        int floor = Math.min(MIN_CANDIDATES, FUSION_MIN_CANDIDATES * chunksPerDocument);
        while (true) {
            TopK top = approximate(q, want, excluded, null, floor);
            List<ChunkHit> hits = bestPerDocument(top, k, minSimilarity);
            if (hits.size() >= k || top.size < want) {
                return hits;
            }
            want *= 4;
        }
    }

    /** The live chunks of an average document, at least one. */
    private int chunksPerDocument() {
        return documents.isEmpty() ? 1 : Math.max(1, live / documents.size());
    }

    /**
     * Chunks to rank for {@code k} documents when the ranking is exact or only orders candidates:
     * the documents wanted times the chunks of an average document plus one, up to four times (the
     * callers ask for four times more when the best chunks share documents anyway). One-chunk
     * documents need 2k + 16, not the 4k + 16 that every heap and map of a search once carried.
     */
    private int chunksWanted(int k) {
        return k * Math.min(4, 1 + chunksPerDocument()) + 16;
    }

    /** A hash map capacity that holds {@code entries} without growing. */
    private static int capacityFor(int entries) {
        return entries * 4 / 3 + 1;
    }

    private double cosineOf(float[] q, byte[] q8, float qScale, ChunkHit hit, ChunkVectors source) {
        DocEntry entry = documents.get(hit.documentId());
        if (q == null || entry == null) {
            return 0;
        }
        for (int id : entry.ids) {
            if (chunkIndexes[id] == hit.chunkIndex() && !noVector.get(id)) {
                float[] v =
                        source == null ? null : source.vector(hit.documentId(), hit.chunkIndex());
                return v != null && v.length == dimension
                        ? cosine(q, v)
                        : vectors.score(q8, qScale, id);
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

    /** Bytes held by the quantized vectors, for the memory benchmark. */
    long vectorBytes() {
        lock.readLock().lock();
        try {
            return vectors == null ? 0 : vectors.bytes();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Bytes of the postings arrays and the per-chunk arrays, for the memory benchmark. */
    long lexicalBytes() {
        lock.readLock().lock();
        try {
            long bytes = (long) owners.length * (Integer.BYTES * 3);
            for (int term = 0; term < termIds.size(); term++) {
                bytes += postings[term].ids.length * (long) (Integer.BYTES + 1);
            }
            for (DocEntry entry : documents.values()) {
                bytes += entry.termIds.length;
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

        /**
         * The entries best first, ties by smaller id (deterministic), each packed in a long that
         * sorts as a primitive (a comparator over boxed positions was a tenth of a small query):
         * the high half is the score's bits in reversed order, the low half the id ({@link #idOf},
         * {@link #scoreOf}).
         */
        long[] sorted() {
            long[] keys = new long[size];
            for (int i = 0; i < size; i++) {
                int bits = Float.floatToIntBits(scores[i]);
                int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
                keys[i] = ((long) ~ordered << 32) | (ids[i] & 0xffffffffL);
            }
            Arrays.sort(keys);
            return keys;
        }

        static int idOf(long key) {
            return (int) key;
        }

        static float scoreOf(long key) {
            int ordered = ~(int) (key >> 32);
            return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7fffffff));
        }
    }
}
