package ams.knowledge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentIndexTest {

    private static AgentIndex.ChunkInput chunk(int index, String text, float... vector) {
        return new AgentIndex.ChunkInput(index, text, vector);
    }

    private static List<String> ids(List<ChunkHit> hits) {
        return hits.stream().map(ChunkHit::documentId).toList();
    }

    @Test
    void shouldRankByCosineAndReturnEachDocumentOnceWithItsBestChunk() {
        AgentIndex index = new AgentIndex("a");
        index.put(
                "x",
                "",
                "text",
                Set.of(),
                "m",
                List.of(chunk(0, "x0", 1, 0, 0), chunk(1, "x1", 0.9f, 0.1f, 0)));
        index.put("y", "", "text", Set.of(), "m", List.of(chunk(0, "y0", 0, 1, 0)));
        index.put("z", "", "text", Set.of(), "m", List.of(chunk(0, "z0", 0, 0, 5)));
        List<ChunkHit> hits =
                index.search(
                        new float[] {2, 0.1f, 0},
                        "",
                        "m",
                        SearchMode.VECTOR,
                        3,
                        SearchFilters.NONE);
        assertEquals(List.of("x", "y", "z"), ids(hits));
        assertEquals(0, hits.get(0).chunkIndex());
        assertEquals(1.0, hits.get(0).similarity(), 0.01);
        assertEquals(
                0.0,
                hits.get(2).similarity(),
                1e-6,
                "vectors are normalised: length does not matter");
    }

    @Test
    void shouldScoreTermsWithBm25() {
        AgentIndex index = new AgentIndex("a");
        index.put("rare", "", "text", Set.of(), "m", List.of(chunk(0, "the zebra crossing", 1, 0)));
        index.put(
                "common",
                "",
                "text",
                Set.of(),
                "m",
                List.of(chunk(0, "crossing the road crossing", 0, 1)));
        index.put("none", "", "text", Set.of(), "m", List.of(chunk(0, "nothing relevant", 0, 1)));
        assertEquals(
                List.of("rare", "common"),
                ids(
                        index.search(
                                null,
                                "zebra crossing",
                                "m",
                                SearchMode.LEXICAL,
                                5,
                                SearchFilters.NONE)));
    }

    @Test
    void shouldApplyFiltersBeforeRanking() {
        AgentIndex index = new AgentIndex("a");
        index.put("a", "web", "text", Set.of("t1"), "m", List.of(chunk(0, "a", 1, 0)));
        index.put("b", "book", "code", Set.of("t2", "t3"), "m", List.of(chunk(0, "b", 0.9f, 0.1f)));
        float[] q = {1, 0};
        assertEquals(
                List.of("b"),
                ids(
                        index.search(
                                q,
                                "",
                                "m",
                                SearchMode.VECTOR,
                                5,
                                new SearchFilters(
                                        Set.of("t3", "zz"),
                                        null,
                                        null,
                                        Double.NEGATIVE_INFINITY))));
        assertEquals(
                List.of("a"),
                ids(
                        index.search(
                                q,
                                "",
                                "m",
                                SearchMode.VECTOR,
                                5,
                                new SearchFilters(
                                        Set.of(), "web", null, Double.NEGATIVE_INFINITY))));
        assertEquals(
                List.of("b"),
                ids(
                        index.search(
                                q,
                                "",
                                "m",
                                SearchMode.HYBRID,
                                5,
                                new SearchFilters(
                                        Set.of(), null, "code", Double.NEGATIVE_INFINITY))));
        assertEquals(
                List.of("a"),
                ids(
                        index.search(
                                q,
                                "",
                                "m",
                                SearchMode.VECTOR,
                                5,
                                new SearchFilters(Set.of(), null, null, 0.999))));
    }

    @Test
    void shouldRefuseAQueryOfAnotherDimension() {
        AgentIndex index = new AgentIndex("a");
        index.put("a", "", "text", Set.of(), "small-model", List.of(chunk(0, "a", 1, 0, 0)));
        DimensionMismatchException e =
                assertThrows(
                        DimensionMismatchException.class,
                        () ->
                                index.search(
                                        new float[] {1, 0},
                                        "a",
                                        "other-model",
                                        SearchMode.VECTOR,
                                        1,
                                        SearchFilters.NONE));
        assertTrue(
                e.getMessage().contains("small-model (3 dimensions)")
                        && e.getMessage().contains("other-model (2"),
                e.getMessage());
    }

    @Test
    void shouldForgetRemovedAndReplacedChunksAcrossCompaction() {
        AgentIndex index = new AgentIndex("a");
        Random random = new Random(7);
        int documents = 3000;
        for (int d = 0; d < documents; d++) {
            index.put(
                    "d" + d,
                    "",
                    "text",
                    Set.of(),
                    "m",
                    List.of(
                            chunk(0, "word" + d, randomVector(random)),
                            chunk(1, "other" + d, randomVector(random))));
        }
        for (int d = 0; d < documents; d += 2) {
            index.remove("d" + d);
        }
        index.put("d1", "", "text", Set.of(), "m", List.of(chunk(0, "replacement", 1, 0, 0, 0)));
        assertEquals(documents / 2, index.documentCount());
        assertEquals((documents / 2 - 1) * 2 + 1, index.liveChunks());
        List<ChunkHit> hits =
                index.search(
                        new float[] {1, 0, 0, 0},
                        "",
                        "m",
                        SearchMode.VECTOR,
                        5,
                        SearchFilters.NONE);
        assertEquals("d1", hits.get(0).documentId());
        assertEquals(1.0, hits.get(0).similarity(), 1e-5);
        List<ChunkHit> all =
                index.search(
                        new float[] {1, 0, 0, 0},
                        "",
                        "m",
                        SearchMode.VECTOR,
                        documents,
                        SearchFilters.NONE);
        List<String> expected = new ArrayList<>();
        for (int d = 1; d < documents; d += 2) {
            expected.add("d" + d);
        }
        assertEquals(Set.copyOf(expected), Set.copyOf(ids(all)));
        assertEquals(
                List.of("d3"),
                ids(index.search(null, "word3", "m", SearchMode.LEXICAL, 5, SearchFilters.NONE)));
        assertEquals(
                List.of(),
                ids(index.search(null, "word4", "m", SearchMode.LEXICAL, 5, SearchFilters.NONE)));
    }

    private static float[] randomVector(Random random) {
        return new float[] {
            random.nextFloat() - 0.5f,
            random.nextFloat() - 0.5f,
            random.nextFloat() - 0.5f,
            random.nextFloat()
        };
    }

    @Test
    void shouldFindTheExactTopChunksWhenALargeIndexIsScannedInParallel() {
        AgentIndex index = new AgentIndex("a");
        Random random = new Random(11);
        int chunks = AgentIndex.PARALLEL_MIN_CHUNKS + 5000;
        int dimension = 96;
        java.util.Map<String, float[]> store = new java.util.HashMap<>();
        for (int d = 0; d < chunks; d++) {
            float[] vector = gaussian(random, dimension);
            store.put("d" + d, vector);
            index.put("d" + d, "", "text", Set.of(), "m", List.of(chunk(0, "x", vector)));
        }
        ChunkVectors source = (documentId, chunkIndex) -> store.get(documentId);
        float[] q = gaussian(random, dimension);
        List<String> exact = vectorTop10(index, q, source, true);
        List<String> approximate = vectorTop10(index, q, source, false);
        // The exact list, checked against a plain scan of the floats.
        Integer[] order = new Integer[chunks];
        for (int i = 0; i < chunks; i++) {
            order[i] = i;
        }
        float[] nq = AgentIndex.normalised(q);
        java.util.Arrays.sort(
                order,
                (a, b) ->
                        Float.compare(
                                AgentIndex.dot(
                                        nq,
                                        AgentIndex.normalised(store.get("d" + b)),
                                        0,
                                        dimension),
                                AgentIndex.dot(
                                        nq,
                                        AgentIndex.normalised(store.get("d" + a)),
                                        0,
                                        dimension)));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("d" + order[i]);
        }
        assertEquals(expected, exact);
        long found = approximate.stream().filter(exact::contains).count();
        assertTrue(found >= 9, "recall@10 of the quantized stages: " + found + "/10");
        assertEquals(exact.get(0), approximate.get(0));
        // A removed row stays in the arrays until compaction: the sketch stage must skip it.
        index.remove(exact.get(0));
        List<String> afterRemoval = vectorTop10(index, q, source, false);
        assertTrue(!afterRemoval.contains(exact.get(0)), "removed: " + afterRemoval);
        assertEquals(exact.get(1), afterRemoval.get(0));
    }

    private static List<String> vectorTop10(
            AgentIndex index, float[] q, ChunkVectors source, boolean exact) {
        return ids(
                index.search(q, "", "m", SearchMode.VECTOR, 10, SearchFilters.NONE, source, exact));
    }

    @Test
    void shouldFuseHybridOnTheCodesAndReadFloatsOnlyForTheReturnedHits() {
        AgentIndex index = new AgentIndex("a");
        Random random = new Random(3);
        int dimension = 96;
        java.util.Map<String, float[]> store = new java.util.HashMap<>();
        for (int d = 0; d < 2000; d++) {
            float[] vector = gaussian(random, dimension);
            store.put("d" + d, vector);
            index.put(
                    "d" + d,
                    "",
                    "text",
                    Set.of(),
                    "m",
                    List.of(chunk(0, d % 7 == 0 ? "kafka stream" : "other words", vector)));
        }
        java.util.concurrent.atomic.AtomicInteger reads =
                new java.util.concurrent.atomic.AtomicInteger();
        ChunkVectors source =
                (documentId, chunkIndex) -> {
                    reads.incrementAndGet();
                    return store.get(documentId);
                };
        float[] q = gaussian(random, dimension);
        float[] nq = AgentIndex.normalised(q);
        List<ChunkHit> hits =
                index.search(
                        q, "kafka", "m", SearchMode.HYBRID, 5, SearchFilters.NONE, source, false);
        assertEquals(5, hits.size());
        assertTrue(reads.get() <= 5, "floats read for the returned hits only: " + reads.get());
        for (ChunkHit hit : hits) {
            double exact =
                    AgentIndex.dot(
                            nq, AgentIndex.normalised(store.get(hit.documentId())), 0, dimension);
            assertEquals(exact, hit.similarity(), 1e-5, "the exact cosine of " + hit);
        }
        double floor = hits.get(2).similarity();
        List<ChunkHit> above =
                index.search(
                        q,
                        "kafka",
                        "m",
                        SearchMode.HYBRID,
                        5,
                        new SearchFilters(Set.of(), null, null, floor),
                        source,
                        false);
        assertTrue(!above.isEmpty());
        for (ChunkHit hit : above) {
            assertTrue(hit.similarity() >= floor, hit + " is below min_similarity " + floor);
        }
    }

    @Test
    void shouldFuseOneChunkDocumentsFromFewerCandidatesAndStillAgreeWithExactHybrid() {
        // Above the full-scan size, so the sketch stage runs with the fusion's smaller floor.
        AgentIndex index = new AgentIndex("a");
        Random random = new Random(5);
        int dimension = 128;
        int documents = AgentIndex.FULL_SCAN_MAX + 1_808;
        java.util.Map<String, float[]> store = new java.util.HashMap<>();
        String[] words = {"kafka", "stream", "agent", "turn", "store", "topic", "event", "state"};
        for (int d = 0; d < documents; d++) {
            float[] vector = gaussian(random, dimension);
            store.put("d" + d, vector);
            String text = words[random.nextInt(8)] + " " + words[random.nextInt(8)] + " filler";
            index.put("d" + d, "", "text", Set.of(), "m", List.of(chunk(0, text, vector)));
        }
        ChunkVectors source = (documentId, chunkIndex) -> store.get(documentId);
        int agreed = 0;
        int queries = 20;
        for (int i = 0; i < queries; i++) {
            float[] q = gaussian(random, dimension);
            String text = words[random.nextInt(8)] + " " + words[random.nextInt(8)];
            List<String> exact = ids(hybridTop5(index, q, text, source, true));
            List<String> fused = ids(hybridTop5(index, q, text, source, false));
            assertEquals(5, fused.size());
            agreed += (int) fused.stream().filter(exact::contains).count();
        }
        assertTrue(
                agreed >= queries * 5 * 9 / 10,
                "hybrid documents also in exact hybrid: " + agreed + "/" + queries * 5);
    }

    @Test
    void shouldDropATermOnlyHitBelowMinSimilarityAndFillItsPlaceFromTheFusedOrder() {
        // "kafka" alone ranks the far documents first by their terms, but their vectors point away
        // from the query: min_similarity must drop them (their cosine is estimated only once the
        // fused order reaches them) and the next documents must take their places.
        AgentIndex index = new AgentIndex("a");
        float[] toward = {1, 0, 0, 0};
        float[] away = {-1, 0.1f, 0, 0};
        java.util.Map<String, float[]> store = new java.util.HashMap<>();
        for (int d = 0; d < 12; d++) {
            boolean far = d < 3;
            // d3 is the nearest, then d4, ...; of the near ones only d3 and d4 say "kafka".
            float[] vector = far ? away : new float[] {1, 0.05f * (d - 3), 0, 0};
            store.put("d" + d, vector);
            String text = far ? "kafka kafka kafka" : d < 5 ? "kafka and more words" : "other";
            index.put("d" + d, "", "text", Set.of(), "m", List.of(chunk(0, text, vector)));
        }
        ChunkVectors source = (documentId, chunkIndex) -> store.get(documentId);
        List<ChunkHit> unfiltered =
                index.search(
                        toward,
                        "kafka",
                        "m",
                        SearchMode.HYBRID,
                        5,
                        SearchFilters.NONE,
                        source,
                        false);
        assertTrue(
                ids(unfiltered).containsAll(List.of("d0", "d1")),
                "the far documents are fused in by their terms: " + ids(unfiltered));
        List<ChunkHit> filtered =
                index.search(
                        toward,
                        "kafka",
                        "m",
                        SearchMode.HYBRID,
                        5,
                        new SearchFilters(Set.of(), null, null, 0),
                        source,
                        false);
        assertEquals(5, filtered.size(), "the places are filled: " + ids(filtered));
        for (ChunkHit hit : filtered) {
            assertTrue(hit.similarity() >= 0, hit + " is below min_similarity 0");
        }
        // Fused: d3 and d4 (both rankings), then the far ones (terms only), then d5, d6, ...
        assertEquals(List.of("d3", "d4", "d5", "d6", "d7"), ids(filtered));
    }

    private static List<ChunkHit> hybridTop5(
            AgentIndex index, float[] q, String text, ChunkVectors source, boolean exact) {
        return index.search(q, text, "m", SearchMode.HYBRID, 5, SearchFilters.NONE, source, exact);
    }

    @Test
    void shouldKeepASixteenthAsCandidatesUpTo100kRowsThenGrowWithTheSquareRoot() {
        int floor = AgentIndex.MIN_CANDIDATES;
        assertEquals(floor, AgentIndex.candidates(10_000, floor));
        assertEquals(6_250, AgentIndex.candidates(100_000, floor));
        assertEquals(20_000, AgentIndex.candidates(1_000_000, floor));
        // A hybrid query's smaller floor only matters where a sixteenth is below the usual one.
        assertEquals(625, AgentIndex.candidates(10_000, AgentIndex.FUSION_MIN_CANDIDATES));
        assertEquals(6_250, AgentIndex.candidates(100_000, AgentIndex.FUSION_MIN_CANDIDATES));
    }

    @Test
    void shouldSelectTheSameValueAsASort() {
        Random random = new Random(8);
        for (int round = 0; round < 200; round++) {
            int n = 1 + random.nextInt(300);
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                // Few distinct values half the time: ties are the hard case for a partition.
                values[i] = round % 2 == 0 ? random.nextInt(5) : (float) random.nextGaussian();
            }
            if (round % 7 == 0) {
                values[0] = Float.NEGATIVE_INFINITY;
            }
            float[] sorted = values.clone();
            java.util.Arrays.sort(sorted);
            int rank = random.nextInt(n);
            assertEquals(sorted[rank], AgentIndex.select(values.clone(), n, rank), "rank " + rank);
        }
    }

    private static float[] gaussian(Random random, int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    @Test
    void shouldHoldVectorMemoryInProportionToItsChunksAcrossBlocks() {
        AgentIndex index = new AgentIndex("a");
        Random random = new Random(5);
        java.util.Map<String, float[]> store = new java.util.HashMap<>();
        ChunkVectors source = (documentId, chunkIndex) -> store.get(documentId);
        index.put("d0", "", "text", Set.of(), "m", List.of(chunk(0, "x", randomVector(random))));
        // 4 dimensions: a 4-byte code and two floats per row (too few dimensions for a sketch).
        assertEquals(
                (long) AgentIndex.MIN_BLOCK_ROWS * (4 + 2 * Float.BYTES),
                index.vectorBytes(),
                "one chunk of 4 dimensions: the first small block, not a full one");
        int chunks = AgentIndex.BLOCK + AgentIndex.BLOCK / 2;
        float[][] vectors = new float[chunks][];
        vectors[0] = null;
        for (int d = 1; d < chunks; d++) {
            vectors[d] = randomVector(random);
            store.put("d" + d, vectors[d]);
            index.put("d" + d, "", "text", Set.of(), "m", List.of(chunk(0, "x", vectors[d])));
        }
        assertTrue(
                index.vectorBytes() <= 2L * AgentIndex.BLOCK * (4 + 2 * Float.BYTES),
                "at most two blocks: " + index.vectorBytes());
        for (int d :
                new int[] {
                    1, AgentIndex.MIN_BLOCK_ROWS, AgentIndex.BLOCK - 1, AgentIndex.BLOCK, chunks - 1
                }) {
            assertEquals(
                    "d" + d,
                    ids(index.search(
                                    vectors[d],
                                    "",
                                    "m",
                                    SearchMode.VECTOR,
                                    1,
                                    SearchFilters.NONE,
                                    source,
                                    false))
                            .get(0),
                    "the chunk at row " + d + " keeps its vector as its block grows");
        }
    }

    @Test
    void shouldSortTheBestFirstWithTiesBySmallerIdAndGiveTheScoresBackExactly() {
        AgentIndex.TopK top = new AgentIndex.TopK(8);
        float[] scores = {0.5f, -0.25f, 0f, -0f, 0.5f, 1e-30f, -1f, 0.75f};
        int[] ids = {7, 3, 5, 6, 2, 9, 1, 4};
        for (int i = 0; i < scores.length; i++) {
            top.offer(ids[i], scores[i]);
        }
        long[] sorted = top.sorted();
        int[] order = new int[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            order[i] = AgentIndex.TopK.idOf(sorted[i]);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                new int[] {4, 2, 7, 9, 5, 6, 3, 1}, order);
        for (long key : sorted) {
            int id = AgentIndex.TopK.idOf(key);
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] == id) {
                    assertEquals(
                            Float.floatToIntBits(scores[i]),
                            Float.floatToIntBits(AgentIndex.TopK.scoreOf(key)),
                            "score of " + id);
                }
            }
        }
    }
}
