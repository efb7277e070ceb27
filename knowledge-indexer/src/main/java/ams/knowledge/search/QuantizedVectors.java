package ams.knowledge.search;

import java.util.Arrays;

/**
 * The vectors of one agent's chunks, quantized: per row an int8 code of the normalised vector (with
 * its scale) and a one-bit sign sketch in 32-bit words (with its mean absolute value). Rows live in
 * blocks of {@link #BLOCK} rows; only the last block is shorter, and it doubles as it fills (most
 * agents have a handful of chunks). A block's sketches are stored by column (word {@code w} of
 * every row, then word {@code w + 1}): the sketch stage then runs one simple loop per word over a
 * block's rows, which C2 compiles to AVX-512 vector popcounts where the CPU has them ({@code
 * avx512_vpopcntdq}): 1.1 ns per row at 384 dimensions against 10.5 for the same sums over 64-bit
 * row-major words, measured on this project's machine (bench/RESULTS.md). A row costs {@code
 * dimension + 4 * ceil(dimension / 32) + 12} bytes (no sketch below {@link #MIN_SKETCH_DIMENSION}
 * dimensions): 0.29x of float32 at 384 dimensions. The float vectors stay in the {@code chunks}
 * store, which re-ranks the best candidates exactly ({@link ChunkVectors}).
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

    /**
     * Whether the sketch stage sums its columns 32 bits at a time, for C2 to vectorize (only where
     * the CPU has vector popcounts), or 64 bits at a time in scalar code ({@link
     * CpuFeatures#vectorPopcount}).
     */
    private static final boolean VECTOR_POPCOUNT = CpuFeatures.vectorPopcount();

    private final boolean vectorPopcount;

    private final int dimension;

    /** 32-bit words of one row's sign sketch; 0 when the dimension is too small to sketch. */
    private final int sketchWords;

    private byte[][] codes = new byte[0][];

    /**
     * Per block, the sign sketches by column: word {@code w} of row {@code r} at {@code
     * sketches[block][w][r]}. One array per column, not one per block with offsets: C2 vectorizes a
     * loop over two int arrays only when it can tell that they do not overlap at another index.
     */
    private int[][][] sketches = new int[0][][];

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
        this(dimension, VECTOR_POPCOUNT);
    }

    /** With the sketch stage's summing chosen (tests run both). */
    QuantizedVectors(int dimension, boolean vectorPopcount) {
        this.vectorPopcount = vectorPopcount;
        this.dimension = dimension;
        this.sketchWords = dimension >= MIN_SKETCH_DIMENSION ? (dimension + 31) >>> 5 : 0;
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
            int[][] columns = sketches[id >>> BLOCK_SHIFT];
            int row = id & (BLOCK - 1);
            for (int w = 0; w < sketchWords; w++) {
                int bits = 0;
                for (int i = w << 5; i < Math.min(dimension, (w + 1) << 5); i++) {
                    if (normalised[i] > 0) {
                        bits |= 1 << (i & 31);
                        set++;
                    }
                }
                columns[w][row] = bits;
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
            int[][] fromColumns = source.sketches[from >>> BLOCK_SHIFT];
            int[][] toColumns = sketches[to >>> BLOCK_SHIFT];
            for (int w = 0; w < sketchWords; w++) {
                toColumns[w][to & (BLOCK - 1)] = fromColumns[w][from & (BLOCK - 1)];
            }
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
     * sign bit is set is then a few AND + popcount per 32 dimensions (a 48-lookup table scan per
     * row before: 2.5x slower, measured).
     */
    static final class SketchQuery {
        final int[] planes;
        final float low;
        final float step;

        /** The sum of all the rounded components. */
        final float total;

        private SketchQuery(int[] planes, float low, float step, float total) {
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
        int[] planes = new int[sketchWords * QUERY_BITS];
        long units = 0;
        for (int i = 0; i < dimension; i++) {
            int u = step == 0 ? 0 : Math.min(levels, Math.round((q[i] - low) / step));
            units += u;
            // Without a branch per bit: the bits of u are as good as random, and mispredicting
            // half of 1,536 branches was 3 % of a hybrid query in the server.
            int at = (i >>> 5) * QUERY_BITS;
            int shift = i & 31;
            for (int p = 0; p < QUERY_BITS; p++) {
                planes[at + p] |= ((u >>> p) & 1) << shift;
            }
        }
        return new SketchQuery(planes, low, step, low * dimension + step * units);
    }

    /**
     * The sign-sketch estimate of the cosine with the query of every row in {@code [from, to)},
     * written to {@code scores[row]}: the sum of {@code q[i] * (bit i set ? 1 : -1)}, times the
     * row's mean magnitude. Block by block: the weighted counts of a block's rows are summed word
     * by word into {@code counts} (at least {@link #BLOCK} long), then turned into scores.
     */
    void sketchScores(SketchQuery query, int from, int to, float[] scores, int[] counts) {
        int[] planes = query.planes;
        int words = sketchWords;
        float lowTwice = 2 * query.low;
        float stepTwice = 2 * query.step;
        float total = query.total;
        int id = from;
        while (id < to) {
            int[][] columns = sketches[id >>> BLOCK_SHIFT];
            int end = Math.min(to, ((id >>> BLOCK_SHIFT) + 1) << BLOCK_SHIFT);
            int first = id & (BLOCK - 1);
            int last = first + (end - id);
            Arrays.fill(counts, first, last, 0);
            int w = 0;
            if (!vectorPopcount) {
                for (; w + 1 < words; w += 2) {
                    weighPair(columns[w], columns[w + 1], counts, first, last, planes, w);
                }
            }
            for (; w < words; w++) {
                int p = w * QUERY_BITS;
                weigh(
                        columns[w],
                        counts,
                        first,
                        last,
                        planes[p],
                        planes[p + 1],
                        planes[p + 2],
                        planes[p + 3]);
            }
            int base = id - first;
            for (int r = first; r < last; r++) {
                scores[base + r] =
                        lowTwice * setMagnitudes[base + r]
                                + (stepTwice * counts[r] - total) * magnitudes[base + r];
            }
            id = end;
        }
    }

    /**
     * Adds one sketch word of the block's rows {@code [first, last)}, weighted by the query's four
     * planes of that word, to {@code counts} at the same rows. Kept this plain on purpose: a
     * counted loop of AND, popcount, shift and add over two int arrays at the same index is what
     * C2's superword pass turns into 16-lane vector instructions (with an offset between the two
     * indexes it did not, as the arrays might have been one: 14.9 ns per row instead of ~1).
     */
    private static void weigh(
            int[] column, int[] counts, int first, int last, int q0, int q1, int q2, int q3) {
        for (int r = first; r < last; r++) {
            int bits = column[r];
            counts[r] +=
                    Integer.bitCount(bits & q0)
                            + (Integer.bitCount(bits & q1) << 1)
                            + (Integer.bitCount(bits & q2) << 2)
                            + (Integer.bitCount(bits & q3) << 3);
        }
    }

    /**
     * {@link #weigh} for two columns at once, as 64-bit words: where the CPU has no vector popcount
     * the loop runs scalar, and one 64-bit popcount per plane for two words costs half of two
     * 32-bit ones (the row-major 64-bit scan before the columns was as fast).
     */
    private static void weighPair(
            int[] low, int[] high, int[] counts, int first, int last, int[] planes, int w) {
        int p = w * QUERY_BITS;
        int n = p + QUERY_BITS;
        long q0 = (planes[p] & 0xffffffffL) | ((long) planes[n] << 32);
        long q1 = (planes[p + 1] & 0xffffffffL) | ((long) planes[n + 1] << 32);
        long q2 = (planes[p + 2] & 0xffffffffL) | ((long) planes[n + 2] << 32);
        long q3 = (planes[p + 3] & 0xffffffffL) | ((long) planes[n + 3] << 32);
        for (int r = first; r < last; r++) {
            long bits = (low[r] & 0xffffffffL) | ((long) high[r] << 32);
            counts[r] +=
                    Long.bitCount(bits & q0)
                            + (Long.bitCount(bits & q1) << 1)
                            + (Long.bitCount(bits & q2) << 2)
                            + (Long.bitCount(bits & q3) << 3);
        }
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
        for (int[][] columns : sketches) {
            for (int[] column : columns) {
                bytes += (long) column.length * Integer.BYTES;
            }
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
            sketches = grownColumns(sketches, sketchWords, needed);
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

    /** As {@link #grown(byte[][], int, int)}, for the sketches' blocks of {@code words} columns. */
    private static int[][][] grownColumns(int[][][] blocks, int words, int needed) {
        int blocksNeeded = (needed + BLOCK - 1) >>> BLOCK_SHIFT;
        if (blocks.length < blocksNeeded) {
            int old = blocks.length;
            blocks = Arrays.copyOf(blocks, blocksNeeded);
            if (old > 0) {
                blocks[old - 1] = resizedColumns(blocks[old - 1], words, BLOCK);
            }
            for (int b = old; b < blocksNeeded - 1; b++) {
                blocks[b] = new int[words][BLOCK];
            }
        }
        int last = blocksNeeded - 1;
        int rowsInLast = needed - (last << BLOCK_SHIFT);
        int[][] columns = blocks[last];
        if (columns == null || columns[0].length < rowsInLast) {
            int rows = columns == null ? 0 : columns[0].length;
            blocks[last] = resizedColumns(columns, words, lastBlockRows(rows, rowsInLast));
        }
        return blocks;
    }

    private static int[][] resizedColumns(int[][] columns, int words, int rows) {
        if (columns != null && columns[0].length >= rows) {
            return columns;
        }
        int[][] grown = new int[words][];
        for (int w = 0; w < words; w++) {
            grown[w] = columns == null ? new int[rows] : Arrays.copyOf(columns[w], rows);
        }
        return grown;
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
}
