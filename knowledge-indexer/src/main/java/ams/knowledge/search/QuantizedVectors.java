package ams.knowledge.search;

import java.util.Arrays;

/**
 * The vectors of one agent's chunks, quantized: per row an int8 code of the normalised vector (with
 * its scale) and a one-bit sign sketch in 64-bit words (with its mean absolute value). Rows live in
 * blocks of {@link #BLOCK} rows; only the last block is shorter, and it doubles as it fills (most
 * agents have a handful of chunks). A row costs {@code dimension + 8 * ceil(dimension / 64) + 12}
 * bytes (no sketch below {@link #MIN_SKETCH_DIMENSION} dimensions): 0.29x of float32 at 384
 * dimensions. The float vectors stay in the {@code chunks} store, which re-ranks the best
 * candidates exactly ({@link ChunkVectors}).
 *
 * <p>Not thread-safe: {@link AgentIndex} guards it with its read-write lock.
 */
final class QuantizedVectors {

    static final int BLOCK_SHIFT = 10;
    static final int BLOCK = 1 << BLOCK_SHIFT;

    /** The first allocation of the last block, in rows. */
    static final int MIN_BLOCK_ROWS = 16;

    /** Below this many dimensions a sign sketch says too little to pre-select by. */
    static final int MIN_SKETCH_DIMENSION = 64;

    /**
     * Bits per component of the query in the sketch stage ({@link SketchQuery}): 16 levels, whose
     * rounding is small beside the sketch's own error; each bit costs a popcount per word.
     */
    static final int QUERY_BITS = 4;

    /**
     * The kernel of the int8 stage: SIMD where the JVM has the Vector API ({@link Int8Kernels}).
     */
    private static final Int8DotProduct DOT = Int8Kernels.SELECTED;

    private final int dimension;

    /** 64-bit words of one row's sign sketch; 0 when the dimension is too small to sketch. */
    private final int sketchWords;

    private byte[][] codes = new byte[0][];
    private long[][] sketches = new long[0][];

    /**
     * Per row: what one unit of the int8 code is worth (max |x| / 127 of the normalised vector).
     */
    private float[] scales = new float[0];

    /** Per row: mean |x| of the normalised vector, the length a sign sketch stands for. */
    private float[] magnitudes = new float[0];

    /**
     * Per row: its sign bits set times its magnitude. The count does not depend on the query, so
     * the sketch stage reads it instead of counting it again for every row of every query (a fifth
     * of its popcounts). Empty without a sketch.
     */
    private float[] setMagnitudes = new float[0];

    QuantizedVectors(int dimension) {
        this.dimension = dimension;
        this.sketchWords = dimension >= MIN_SKETCH_DIMENSION ? (dimension + 63) >>> 6 : 0;
    }

    int dimension() {
        return dimension;
    }

    boolean sketched() {
        return sketchWords > 0;
    }

    /** The int8 kernel in use, for the benchmark's rows. */
    static String kernel() {
        return DOT.describe();
    }

    /** Stores the (already normalised) vector of row {@code id}, growing the storage to hold it. */
    void set(int id, float[] normalised) {
        ensureRows(id + 1);
        float max = 0;
        double absolute = 0;
        for (float v : normalised) {
            max = Math.max(max, Math.abs(v));
            absolute += Math.abs(v);
        }
        float scale = max == 0 ? 0 : max / 127f;
        float inverse = max == 0 ? 0 : 127f / max;
        byte[] codeBlock = codes[id >>> BLOCK_SHIFT];
        int codeOffset = (id & (BLOCK - 1)) * dimension;
        for (int i = 0; i < dimension; i++) {
            codeBlock[codeOffset + i] = (byte) Math.round(normalised[i] * inverse);
        }
        int set = 0;
        if (sketchWords > 0) {
            long[] sketchBlock = sketches[id >>> BLOCK_SHIFT];
            int sketchOffset = (id & (BLOCK - 1)) * sketchWords;
            Arrays.fill(sketchBlock, sketchOffset, sketchOffset + sketchWords, 0L);
            for (int i = 0; i < dimension; i++) {
                if (normalised[i] > 0) {
                    sketchBlock[sketchOffset + (i >>> 6)] |= 1L << (i & 63);
                    set++;
                }
            }
        }
        scales[id] = scale;
        float magnitude = (float) (absolute / dimension);
        magnitudes[id] = magnitude;
        if (sketchWords > 0) {
            setMagnitudes[id] = set * magnitude;
        }
    }

    /** Copies row {@code from} of {@code source} to row {@code to} of this one (compaction). */
    void copyRow(QuantizedVectors source, int from, int to) {
        ensureRows(to + 1);
        System.arraycopy(
                source.codes[from >>> BLOCK_SHIFT],
                (from & (BLOCK - 1)) * dimension,
                codes[to >>> BLOCK_SHIFT],
                (to & (BLOCK - 1)) * dimension,
                dimension);
        if (sketchWords > 0) {
            System.arraycopy(
                    source.sketches[from >>> BLOCK_SHIFT],
                    (from & (BLOCK - 1)) * sketchWords,
                    sketches[to >>> BLOCK_SHIFT],
                    (to & (BLOCK - 1)) * sketchWords,
                    sketchWords);
        }
        scales[to] = source.scales[from];
        magnitudes[to] = source.magnitudes[from];
        if (sketchWords > 0) {
            setMagnitudes[to] = source.setMagnitudes[from];
        }
    }

    /**
     * The query as int8 codes ({@link #score} multiplies integers: about twice as fast as
     * converting every code to float), its scale in the last element's place: {@code codes.length
     * == dimension}, {@code queryScale(q)} gives the scale.
     */
    static byte[] quantizeQuery(float[] q) {
        float max = 0;
        for (float v : q) {
            max = Math.max(max, Math.abs(v));
        }
        float inverse = max == 0 ? 0 : 127f / max;
        byte[] codes = new byte[q.length];
        for (int i = 0; i < q.length; i++) {
            codes[i] = (byte) Math.round(q[i] * inverse);
        }
        return codes;
    }

    static float queryScale(float[] q) {
        float max = 0;
        for (float v : q) {
            max = Math.max(max, Math.abs(v));
        }
        return max / 127f;
    }

    /** The int8 estimate of the cosine of row {@code id} with the query's codes and scale. */
    float score(byte[] q, float queryScale, int id) {
        return DOT.dot(q, codes[id >>> BLOCK_SHIFT], (id & (BLOCK - 1)) * dimension, dimension)
                * scales[id]
                * queryScale;
    }

    /**
     * The int8 estimates of the cosine of rows {@code rows[from, to)} with the query's codes and
     * scale, into {@code out[from, to)}.
     */
    void scores(byte[] q, float queryScale, int[] rows, int from, int to, float[] out) {
        DOT.scoreRows(q, codes, scales, queryScale, rows, from, to, out);
    }

    /** The int8 estimate of the cosine of row {@code id} with the normalised query. */
    float score(float[] q, int id) {
        return score(quantizeQuery(q), queryScale(q), id);
    }

    /**
     * A query as the sign-sketch stage scores it: its components rounded to {@link #QUERY_BITS}
     * bits ({@code low + step * u}, u in [0, 15]) and stored as bit planes, plane {@code p} of word
     * {@code j} at {@code planes[j * QUERY_BITS + p]}. Summing the query's components where a row's
     * sign bit is set is then a few AND + popcount per 64 dimensions (a 48-lookup table scan per
     * row before: 2.5x slower, measured).
     */
    static final class SketchQuery {
        final long[] planes;
        final float low;
        final float step;

        /** The sum of all the rounded components. */
        final float total;

        private SketchQuery(long[] planes, float low, float step, float total) {
            this.planes = planes;
            this.low = low;
            this.step = step;
            this.total = total;
        }
    }

    /** The sketch query of a normalised query ({@link SketchQuery}). */
    SketchQuery sketchQuery(float[] q) {
        float low = Float.POSITIVE_INFINITY;
        float high = Float.NEGATIVE_INFINITY;
        for (float v : q) {
            low = Math.min(low, v);
            high = Math.max(high, v);
        }
        int levels = (1 << QUERY_BITS) - 1;
        float step = high > low ? (high - low) / levels : 0;
        long[] planes = new long[sketchWords * QUERY_BITS];
        long units = 0;
        for (int i = 0; i < dimension; i++) {
            int u = step == 0 ? 0 : Math.min(levels, Math.round((q[i] - low) / step));
            units += u;
            // Without a branch per bit: the bits of u are as good as random, and mispredicting
            // half of 1,536 branches was 3 % of a hybrid query in the server.
            int at = (i >>> 6) * QUERY_BITS;
            int shift = i & 63;
            for (int p = 0; p < QUERY_BITS; p++) {
                planes[at + p] |= (long) ((u >>> p) & 1) << shift;
            }
        }
        return new SketchQuery(planes, low, step, low * dimension + step * units);
    }

    /**
     * The sign-sketch estimate of the cosine with the query of every row in {@code [from, to)},
     * written to {@code scores[row]}: the sum of {@code q[i] * (bit i set ? 1 : -1)}, times the
     * row's mean magnitude. Per 64-bit word, {@link #QUERY_BITS} + 1 popcounts.
     */
    void sketchScores(SketchQuery query, int from, int to, float[] scores) {
        int id = from;
        while (id < to) {
            long[] block = sketches[id >>> BLOCK_SHIFT];
            int blockEnd = Math.min(to, ((id >>> BLOCK_SHIFT) + 1) << BLOCK_SHIFT);
            for (; id < blockEnd; id++) {
                scores[id] = sketchScore(query, block, id);
            }
        }
    }

    /** The sign-sketch estimate of one row ({@link #sketchScores}). */
    float sketchScore(SketchQuery query, int id) {
        return sketchScore(query, sketches[id >>> BLOCK_SHIFT], id);
    }

    /**
     * Appends to {@code out} the rows of {@code [from, to)} whose sign-sketch estimate reaches
     * {@code threshold}, in row order: the selection is fused into the scan, so no score array of
     * every row is written and read again (at 100,000 rows that second pass and its 400 KB were as
     * much as a third of the sketch stage).
     */
    void sketchAbove(SketchQuery query, int from, int to, float threshold, RowList out) {
        // The row's score is written out here, not called: C2 sometimes compiled this loop before
        // the scoring method was hot and left it a call per row ("callee is too large"), which
        // made the same search take a third more CPU in one JVM than in the next.
        if (sketchWords == 6) {
            sketchAbove384(query, from, to, threshold, out);
            return;
        }
        long[] planes = query.planes;
        int words = sketchWords;
        float lowTwice = 2 * query.low;
        float stepTwice = 2 * query.step;
        float total = query.total;
        int id = from;
        while (id < to) {
            long[] block = sketches[id >>> BLOCK_SHIFT];
            int blockEnd = Math.min(to, ((id >>> BLOCK_SHIFT) + 1) << BLOCK_SHIFT);
            int offset = (id & (BLOCK - 1)) * words;
            for (; id < blockEnd; id++, offset += words) {
                int weighted = 0;
                for (int j = 0; j < words; j++) {
                    long bits = block[offset + j];
                    int p = j * QUERY_BITS;
                    weighted +=
                            Long.bitCount(bits & planes[p])
                                    + (Long.bitCount(bits & planes[p + 1]) << 1)
                                    + (Long.bitCount(bits & planes[p + 2]) << 2)
                                    + (Long.bitCount(bits & planes[p + 3]) << 3);
                }
                float score =
                        lowTwice * setMagnitudes[id]
                                + (stepTwice * weighted - total) * magnitudes[id];
                if (score >= threshold) {
                    out.add(id);
                }
            }
        }
    }

    /**
     * {@link #sketchAbove} for 384 dimensions (six words per row: all-MiniLM-L6-v2, the default
     * model), with the query's 24 plane words held in locals and each plane's six counts summed
     * before it is weighted: the general loop's inner loop of six steps was compiled with pre- and
     * post-loops and reloaded the planes each row.
     */
    private void sketchAbove384(SketchQuery query, int from, int to, float threshold, RowList out) {
        long[] planes = query.planes;
        long q00 = planes[0];
        long q01 = planes[1];
        long q02 = planes[2];
        long q03 = planes[3];
        long q10 = planes[4];
        long q11 = planes[5];
        long q12 = planes[6];
        long q13 = planes[7];
        long q20 = planes[8];
        long q21 = planes[9];
        long q22 = planes[10];
        long q23 = planes[11];
        long q30 = planes[12];
        long q31 = planes[13];
        long q32 = planes[14];
        long q33 = planes[15];
        long q40 = planes[16];
        long q41 = planes[17];
        long q42 = planes[18];
        long q43 = planes[19];
        long q50 = planes[20];
        long q51 = planes[21];
        long q52 = planes[22];
        long q53 = planes[23];
        float lowTwice = 2 * query.low;
        float stepTwice = 2 * query.step;
        float total = query.total;
        int id = from;
        while (id < to) {
            long[] block = sketches[id >>> BLOCK_SHIFT];
            int blockEnd = Math.min(to, ((id >>> BLOCK_SHIFT) + 1) << BLOCK_SHIFT);
            int offset = (id & (BLOCK - 1)) * 6;
            for (; id < blockEnd; id++, offset += 6) {
                long w5 = block[offset + 5];
                long w0 = block[offset];
                long w1 = block[offset + 1];
                long w2 = block[offset + 2];
                long w3 = block[offset + 3];
                long w4 = block[offset + 4];
                int c0 =
                        Long.bitCount(w0 & q00)
                                + Long.bitCount(w1 & q10)
                                + Long.bitCount(w2 & q20)
                                + Long.bitCount(w3 & q30)
                                + Long.bitCount(w4 & q40)
                                + Long.bitCount(w5 & q50);
                int c1 =
                        Long.bitCount(w0 & q01)
                                + Long.bitCount(w1 & q11)
                                + Long.bitCount(w2 & q21)
                                + Long.bitCount(w3 & q31)
                                + Long.bitCount(w4 & q41)
                                + Long.bitCount(w5 & q51);
                int c2 =
                        Long.bitCount(w0 & q02)
                                + Long.bitCount(w1 & q12)
                                + Long.bitCount(w2 & q22)
                                + Long.bitCount(w3 & q32)
                                + Long.bitCount(w4 & q42)
                                + Long.bitCount(w5 & q52);
                int c3 =
                        Long.bitCount(w0 & q03)
                                + Long.bitCount(w1 & q13)
                                + Long.bitCount(w2 & q23)
                                + Long.bitCount(w3 & q33)
                                + Long.bitCount(w4 & q43)
                                + Long.bitCount(w5 & q53);
                int weighted = c0 + (c1 << 1) + (c2 << 2) + (c3 << 3);
                float score =
                        lowTwice * setMagnitudes[id]
                                + (stepTwice * weighted - total) * magnitudes[id];
                if (score >= threshold) {
                    out.add(id);
                }
            }
        }
    }

    private float sketchScore(SketchQuery query, long[] block, int id) {
        long[] planes = query.planes;
        int words = sketchWords;
        int offset = (id & (BLOCK - 1)) * words;
        // weighted: the sum of the query's u over the sign bits set, plane by plane (unrolled for
        // QUERY_BITS = 4); the bits set, times the magnitude, are kept per row.
        int weighted = 0;
        for (int j = 0; j < words; j++) {
            long bits = block[offset + j];
            int p = j * QUERY_BITS;
            weighted +=
                    Long.bitCount(bits & planes[p])
                            + (Long.bitCount(bits & planes[p + 1]) << 1)
                            + (Long.bitCount(bits & planes[p + 2]) << 2)
                            + (Long.bitCount(bits & planes[p + 3]) << 3);
        }
        return 2 * query.low * setMagnitudes[id]
                + (2 * query.step * weighted - query.total) * magnitudes[id];
    }

    /** A growable list of row ids, reused across queries. */
    static final class RowList {
        int[] ids = new int[1024];
        int size;

        void add(int id) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
            }
            ids[size++] = id;
        }
    }

    /** Bytes held: code and sketch blocks and the per-row scales. */
    long bytes() {
        long bytes = 0;
        for (byte[] block : codes) {
            bytes += block.length;
        }
        for (long[] block : sketches) {
            bytes += (long) block.length * Long.BYTES;
        }
        return bytes
                + (long) (scales.length + magnitudes.length + setMagnitudes.length) * Float.BYTES;
    }

    private void ensureRows(int needed) {
        if (scales.length < needed) {
            int capacity = Math.max(MIN_BLOCK_ROWS, Math.max(needed, scales.length * 2));
            // Within a block the arrays grow like the last block; beyond it, by whole blocks.
            if (capacity > BLOCK) {
                capacity = ((needed + BLOCK - 1) >>> BLOCK_SHIFT) << BLOCK_SHIFT;
                capacity = Math.max(capacity, scales.length + (scales.length >> 2));
            }
            scales = Arrays.copyOf(scales, capacity);
            magnitudes = Arrays.copyOf(magnitudes, capacity);
            if (sketchWords > 0) {
                setMagnitudes = Arrays.copyOf(setMagnitudes, capacity);
            }
        }
        codes = grown(codes, dimension, needed);
        if (sketchWords > 0) {
            sketches = grown(sketches, sketchWords, needed);
        }
    }

    /**
     * Blocks able to hold {@code needed} rows of {@code rowBytes}: full blocks but the last, which
     * doubles from {@link #MIN_BLOCK_ROWS} (a full block for each of 2,000 one-document agents cost
     * gigabytes once).
     */
    private static byte[][] grown(byte[][] blocks, int rowBytes, int needed) {
        int blocksNeeded = (needed + BLOCK - 1) >>> BLOCK_SHIFT;
        if (blocks.length < blocksNeeded) {
            int old = blocks.length;
            blocks = Arrays.copyOf(blocks, blocksNeeded);
            if (old > 0) {
                blocks[old - 1] = resized(blocks[old - 1], BLOCK * rowBytes);
            }
            for (int b = old; b < blocksNeeded - 1; b++) {
                blocks[b] = new byte[BLOCK * rowBytes];
            }
        }
        int last = blocksNeeded - 1;
        int rowsInLast = needed - (last << BLOCK_SHIFT);
        byte[] block = blocks[last];
        if (block == null || block.length < rowsInLast * rowBytes) {
            int rows = block == null ? 0 : block.length / rowBytes;
            blocks[last] = resized(block, lastBlockRows(rows, rowsInLast) * rowBytes);
        }
        return blocks;
    }

    /** As {@link #grown(byte[][], int, int)}, for the sketches' 64-bit words. */
    private static long[][] grown(long[][] blocks, int rowWords, int needed) {
        int blocksNeeded = (needed + BLOCK - 1) >>> BLOCK_SHIFT;
        if (blocks.length < blocksNeeded) {
            int old = blocks.length;
            blocks = Arrays.copyOf(blocks, blocksNeeded);
            if (old > 0) {
                blocks[old - 1] = resized(blocks[old - 1], BLOCK * rowWords);
            }
            for (int b = old; b < blocksNeeded - 1; b++) {
                blocks[b] = new long[BLOCK * rowWords];
            }
        }
        int last = blocksNeeded - 1;
        int rowsInLast = needed - (last << BLOCK_SHIFT);
        long[] block = blocks[last];
        if (block == null || block.length < rowsInLast * rowWords) {
            int rows = block == null ? 0 : block.length / rowWords;
            blocks[last] = resized(block, lastBlockRows(rows, rowsInLast) * rowWords);
        }
        return blocks;
    }

    /** The rows the last block grows to from {@code rows} when it must hold {@code needed}. */
    private static int lastBlockRows(int rows, int needed) {
        return Math.min(BLOCK, Math.max(needed, Math.max(MIN_BLOCK_ROWS, rows * 2)));
    }

    private static byte[] resized(byte[] block, int length) {
        if (block != null && block.length >= length) {
            return block;
        }
        return block == null ? new byte[length] : Arrays.copyOf(block, length);
    }

    private static long[] resized(long[] block, int length) {
        if (block != null && block.length >= length) {
            return block;
        }
        return block == null ? new long[length] : Arrays.copyOf(block, length);
    }
}
