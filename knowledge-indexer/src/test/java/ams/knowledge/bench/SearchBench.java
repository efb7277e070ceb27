package ams.knowledge.bench;

import ams.knowledge.avro.ChunkRecord;
import ams.knowledge.avro.DocumentRecord;
import ams.knowledge.embedding.BatchIndexer;
import ams.knowledge.search.ChunkHit;
import ams.knowledge.search.ChunkVectors;
import ams.knowledge.search.SearchFilters;
import ams.knowledge.search.SearchIndex;
import ams.knowledge.search.SearchMode;
import ams.testkit.bench.ResultRows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Search over one agent of {@code chunks} chunks of 384 dimensions (synthetic: Gaussian vectors,
 * Zipf-like text; 10 chunks per document): memory counted from the index's arrays and as heap after
 * GC, latency of each mode from 1 and 2 threads, recall@10 of the approximate vector search against
 * exact float search, and the anchor: an exact float scan with 8 accumulators over the same
 * vectors, measured in the same run. The float vectors (the {@code chunks} store's, in production)
 * are held here outside the index and outside the heap, in a memory-mapped temporary file (so 1M
 * chunks, 1.5 GB of floats, leave the heap to the index: the 1M goal is {@code -Xmx2g}); the
 * re-rank reads them from it (a RocksDB get costs more: see the knowledge-queries benchmark).
 */
final class SearchBench {

    static final int DIMENSION = 384;

    /**
     * Chunks per document: 10 by default; 1 is the knowledge-queries benchmark's corpus (one-chunk
     * documents), where a hybrid query's vector half ranks 10,000 documents.
     */
    private static final int PER_DOCUMENT = Integer.getInteger("ams.bench.chunksPerDocument", 10);

    private static final int K = Integer.getInteger("ams.bench.k", 10);

    /**
     * Queries per mode before timing. The int8 kernel is Vector API code, which runs boxed and
     * allocating until C2 has compiled it; a server answers far more queries than this before it
     * settles, so the figures are of the compiled code. After 200 queries a vector query at 100k
     * chunks still took 5.1 ms of CPU, after 3,000 it took 3.4 (2026-12-05, bench/RESULTS.md).
     */
    private static final int WARM_UP_QUERIES = Integer.getInteger("ams.bench.searchWarmUp", 2_000);

    private final int chunks;
    private final int queries;
    private final Random random;
    private final FloatBuffer store;
    private final SearchIndex index = new SearchIndex();
    private final List<String> rows = new ArrayList<>();

    SearchBench(int chunks, int queries) {
        this.chunks = chunks;
        this.queries = queries;
        this.random = new Random(chunks);
        this.store = mapped((long) chunks * DIMENSION * Float.BYTES);
    }

    /** A temporary file of that many bytes, mapped, as floats in native order; deleted on exit. */
    private static FloatBuffer mapped(long bytes) {
        try {
            Path file = Files.createTempFile("ki-search-bench-", ".f32");
            file.toFile().deleteOnExit();
            try (FileChannel channel =
                    FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                return channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private float[] row(int id) {
        float[] out = new float[DIMENSION];
        store.get(id * DIMENSION, out);
        return out;
    }

    private final ChunkVectors source = this::storedVector;

    private float[] storedVector(String documentId, int chunkIndex) {
        {
            int id =
                    Integer.parseInt(documentId, 1, documentId.length(), 10) * PER_DOCUMENT
                            + chunkIndex;
            // A copy, as a store read decodes a new array.
            return row(id);
        }
    }

    List<String> run() throws Exception {
        for (int i = 0; i < chunks * DIMENSION; i++) {
            store.put(i, (float) random.nextGaussian());
        }
        System.gc();
        long before = usedHeap();
        long buildStart = System.nanoTime();
        for (int d = 0; d < chunks / PER_DOCUMENT; d++) {
            DocumentRecord document =
                    DocumentRecord.newBuilder()
                            .setKbId("kb")
                            .setAgentId("bench")
                            .setDocumentId("d" + d)
                            .setTitle("")
                            .setContent("")
                            .setUpdatedAt(Instant.EPOCH)
                            .setCreatedAt(Instant.EPOCH)
                            .setTags(List.of("t" + (d % 5)))
                            .setModel("random")
                            .setDimension(DIMENSION)
                            .setChunkCount(PER_DOCUMENT)
                            .build();
            List<ChunkRecord> list = new ArrayList<>(PER_DOCUMENT);
            for (int c = 0; c < PER_DOCUMENT; c++) {
                int id = d * PER_DOCUMENT + c;
                list.add(
                        ChunkRecord.newBuilder()
                                .setAgentId("bench")
                                .setDocumentId("d" + d)
                                .setChunkIndex(c)
                                .setText(KnowledgeIndexerBench.sentence(random, 40))
                                .setModel("random")
                                .setDimension(DIMENSION)
                                .setVector(ByteBuffer.wrap(BatchIndexer.toBytes(row(id))))
                                .build());
            }
            index.put(0, document, list);
        }
        double buildSeconds = (System.nanoTime() - buildStart) / 1e9;
        System.gc();
        long heap = usedHeap() - before;
        memoryRows(heap, buildSeconds);

        float[][] qs = new float[queries][];
        String[] texts = new String[queries];
        for (int i = 0; i < queries; i++) {
            qs[i] = gaussian();
            texts[i] = KnowledgeIndexerBench.sentence(random, 4);
        }
        // Warm-up, then every mode from 1 and 2 threads.
        for (SearchMode mode : SearchMode.values()) {
            for (int i = 0; i < WARM_UP_QUERIES; i++) {
                search(mode, qs[i % queries], texts[i % queries]);
            }
        }
        rows.add(
                String.format(
                        Locale.ROOT,
                        "| int8 kernel of the vector search | %,d chunks | %s | |",
                        chunks,
                        SearchIndex.vectorKernel()));
        for (int threads = 1; threads <= 2; threads++) {
            for (SearchMode mode : SearchMode.values()) {
                long cpuBefore = processCpuNanos();
                long[] nanos = measure(mode, threads, qs, texts);
                double cpuPerQuery = (processCpuNanos() - cpuBefore) / 1e6 / qs.length;
                latencyRows(mode, threads, nanos, cpuPerQuery);
            }
        }
        anchorAndRecall(qs);
        hybridAgreement(qs, texts);
        return rows;
    }

    /**
     * How many of the approximate hybrid search's documents the hybrid search over exact float
     * cosines (a query option) also returns: the approximate vector half only has to order the
     * fusion's candidates, so this, not the vector recall, says what a cheaper first stage costs.
     */
    private void hybridAgreement(float[][] qs, String[] texts) {
        double found = 0;
        for (int i = 0; i < qs.length; i++) {
            Set<String> exact = new HashSet<>();
            for (ChunkHit hit :
                    index.search(
                            "bench",
                            qs[i],
                            texts[i],
                            "random",
                            SearchMode.HYBRID,
                            K,
                            SearchFilters.NONE,
                            source,
                            true)) {
                exact.add(hit.documentId());
            }
            for (ChunkHit hit : search(SearchMode.HYBRID, qs[i], texts[i])) {
                if (exact.contains(hit.documentId())) {
                    found++;
                }
            }
        }
        rows.add(
                String.format(
                        Locale.ROOT,
                        "| agreement@10 of hybrid search with hybrid over exact float cosines | %,d chunks | %.4f | |",
                        chunks,
                        found / (qs.length * (double) K)));
    }

    private List<ChunkHit> search(SearchMode mode, float[] q, String text) {
        return index.search(
                "bench",
                mode == SearchMode.LEXICAL ? null : q,
                text,
                "random",
                mode,
                K,
                SearchFilters.NONE,
                source,
                false);
    }

    private long[] measure(SearchMode mode, int threads, float[][] qs, String[] texts)
            throws Exception {
        long[] nanos = new long[qs.length];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                parts.add(
                        pool.submit(
                                () -> {
                                    for (int i = first; i < qs.length; i += threads) {
                                        long start = System.nanoTime();
                                        search(mode, qs[i], texts[i]);
                                        nanos[i] = System.nanoTime() - start;
                                    }
                                }));
            }
            for (Future<?> part : parts) {
                part.get();
            }
        } finally {
            pool.shutdown();
        }
        Arrays.sort(nanos);
        return nanos;
    }

    private void memoryRows(long heap, double buildSeconds) {
        long raw = (long) chunks * DIMENSION * Float.BYTES;
        long vectorBytes = index.vectorBytes();
        long lexicalBytes = index.lexicalBytes();
        boolean judged = chunks == 100_000;
        rows.add(
                String.format(
                        Locale.ROOT,
                        "| memory: quantized vectors (int8 codes + sign sketches + scales), from array sizes | %,d chunks | %.1f MiB (raw float32 %.1f MiB) | %.2f |",
                        chunks,
                        vectorBytes / 1048576.0,
                        raw / 1048576.0,
                        (double) vectorBytes / raw));
        rows.add(
                String.format(
                        Locale.ROOT,
                        "| memory: BM25 postings + per-chunk arrays, from array sizes | %,d chunks | %.1f MiB | %.2f |",
                        chunks,
                        lexicalBytes / 1048576.0,
                        (double) lexicalBytes / raw));
        rows.add(
                String.format(
                        Locale.ROOT,
                        "| memory: whole index, heap after GC (built in %.1f s) | %,d chunks | %.1f MiB | %.2f |",
                        buildSeconds,
                        chunks,
                        heap / 1048576.0,
                        (double) heap / raw));
        String rawMemory =
                String.format(Locale.ROOT, "%.1f MiB (raw float32 vectors)", raw / 1048576.0);
        ResultRows.add(
                String.format(
                        Locale.ROOT, "knowledge: memory, quantized vectors, %,d chunks", chunks),
                vectorBytes / 1048576.0,
                "MiB",
                rawMemory,
                (double) vectorBytes / raw,
                "",
                null);
        ResultRows.add(
                String.format(
                        Locale.ROOT,
                        "knowledge: memory, whole index (heap after GC), %,d chunks",
                        chunks),
                heap / 1048576.0,
                "MiB",
                rawMemory,
                (double) heap / raw,
                judged ? "<= 0.6x raw" : "",
                judged ? heap <= 0.6 * raw : null);
    }

    /** CPU time of this whole process (every thread, the JIT and GC included). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private void latencyRows(SearchMode mode, int threads, long[] nanos, double cpuPerQuery) {
        double p50 = nanos[nanos.length / 2] / 1e6;
        double p99 = nanos[nanos.length * 99 / 100] / 1e6;
        rows.add(
                String.format(
                        Locale.ROOT,
                        "| search latency, %s, k=%d, %d thread%s, %,d queries | %,d chunks | p50 %.2f ms, p99 %.2f ms; process CPU %.2f ms per query | |",
                        mode.wireName(),
                        K,
                        threads,
                        threads == 1 ? "" : "s",
                        nanos.length,
                        chunks,
                        p50,
                        p99,
                        cpuPerQuery));
        double goal =
                chunks >= 1_000_000
                        ? (mode == SearchMode.VECTOR ? 30 : Double.NaN)
                        : switch (mode) {
                            case VECTOR -> 5;
                            case LEXICAL -> 3;
                            case HYBRID -> 8;
                        };
        boolean judged =
                threads == 1 && (chunks == 100_000 || chunks >= 1_000_000) && !Double.isNaN(goal);
        ResultRows.add(
                String.format(
                        Locale.ROOT,
                        "knowledge: search p99, %s, k=%d, %d thread%s, %,d chunks",
                        mode.wireName(),
                        K,
                        threads,
                        threads == 1 ? "" : "s",
                        chunks),
                p99,
                "ms",
                "-",
                Double.NaN,
                judged ? String.format(Locale.ROOT, "<= %.0f ms", goal) : "",
                judged ? p99 <= goal : null);
    }

    /**
     * The anchor (an exact float scan with 8 accumulators, best chunk per document, top 10
     * documents) for each query, timed, and the approximate vector search's recall@10 against it.
     */
    private void anchorAndRecall(float[][] qs) {
        int measured = chunks >= 1_000_000 ? Math.min(100, qs.length) : qs.length;
        long[] nanos = new long[measured];
        double found = 0;
        for (int i = 0; i < measured; i++) {
            float[] q = normalised(qs[i]);
            long start = System.nanoTime();
            List<String> exact = anchor(q);
            nanos[i] = System.nanoTime() - start;
            Set<String> approximate = new HashSet<>();
            for (ChunkHit hit : search(SearchMode.VECTOR, qs[i], "")) {
                approximate.add(hit.documentId());
            }
            for (String id : exact) {
                if (approximate.contains(id)) {
                    found++;
                }
            }
        }
        Arrays.sort(nanos);
        double recall = found / (measured * (double) K);
        double anchorP99 = nanos[measured * 99 / 100] / 1e6;
        rows.add(
                String.format(
                        Locale.ROOT,
                        "| anchor: exact float scan, 8 accumulators, best chunk per document, %d queries | %,d chunks | p50 %.2f ms, p99 %.2f ms | |",
                        measured,
                        chunks,
                        nanos[measured / 2] / 1e6,
                        anchorP99));
        rows.add(
                String.format(
                        Locale.ROOT,
                        "| recall@10 of vector search (documents) against the exact float anchor | %,d chunks | %.4f | |",
                        chunks,
                        recall));
        ResultRows.add(
                String.format(
                        Locale.ROOT,
                        "knowledge: anchor, exact float scan (8 accumulators) p99, %,d chunks",
                        chunks),
                anchorP99,
                "ms");
        double goal = chunks >= 1_000_000 ? 0.95 : 0.98;
        boolean judged = chunks == 100_000 || chunks >= 1_000_000;
        ResultRows.add(
                String.format(
                        Locale.ROOT,
                        "knowledge: recall@10, vector vs exact float, %,d chunks",
                        chunks),
                recall,
                "",
                "1.0 (exact)",
                recall,
                judged ? String.format(Locale.ROOT, ">= %.2f", goal) : "",
                judged ? recall >= goal : null);
    }

    /** Exact top-10 documents by their best chunk's cosine. */
    private List<String> anchor(float[] q) {
        float[] best = new float[chunks / PER_DOCUMENT];
        Arrays.fill(best, Float.NEGATIVE_INFINITY);
        for (int c = 0; c < chunks; c++) {
            int off = c * DIMENSION;
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            float s4 = 0;
            float s5 = 0;
            float s6 = 0;
            float s7 = 0;
            float n0 = 0;
            float n1 = 0;
            for (int j = 0; j < DIMENSION; j += 8) {
                float x0 = store.get(off + j);
                float x1 = store.get(off + j + 1);
                float x2 = store.get(off + j + 2);
                float x3 = store.get(off + j + 3);
                float x4 = store.get(off + j + 4);
                float x5 = store.get(off + j + 5);
                float x6 = store.get(off + j + 6);
                float x7 = store.get(off + j + 7);
                s0 += q[j] * x0;
                s1 += q[j + 1] * x1;
                s2 += q[j + 2] * x2;
                s3 += q[j + 3] * x3;
                s4 += q[j + 4] * x4;
                s5 += q[j + 5] * x5;
                s6 += q[j + 6] * x6;
                s7 += q[j + 7] * x7;
                n0 += x0 * x0 + x1 * x1 + x2 * x2 + x3 * x3;
                n1 += x4 * x4 + x5 * x5 + x6 * x6 + x7 * x7;
            }
            float cosine =
                    (float)
                            ((((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)))
                                    / Math.sqrt(n0 + n1));
            int d = c / PER_DOCUMENT;
            if (cosine > best[d]) {
                best[d] = cosine;
            }
        }
        Integer[] top = new Integer[0];
        List<Integer> order = new ArrayList<>();
        float threshold = Float.NEGATIVE_INFINITY;
        for (int d = 0; d < best.length; d++) {
            if (order.size() < K || best[d] > threshold) {
                order.add(d);
                if (order.size() > 4 * K) {
                    order.sort((a, b) -> Float.compare(best[b], best[a]));
                    order = new ArrayList<>(order.subList(0, K));
                    threshold = best[order.get(K - 1)];
                }
            }
        }
        order.sort((a, b) -> Float.compare(best[b], best[a]));
        top = order.subList(0, Math.min(K, order.size())).toArray(top);
        List<String> ids = new ArrayList<>(K);
        for (Integer d : top) {
            ids.add("d" + d);
        }
        return ids;
    }

    private float[] gaussian() {
        float[] v = new float[DIMENSION];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static float[] normalised(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        float inverse = (float) (1 / Math.sqrt(sum));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inverse;
        }
        return out;
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
