package ams.knowledge.search;

import java.util.Arrays;

/**
 * The vectors of one agent's chunks, quantized: per row an int8 code of the normalised vector (with
 * its scale) and a one-bit sign sketch (with its mean absolute value). Rows live in blocks of
 * {@link #BLOCK} rows; only the last block is shorter, and it doubles as it fills (most agents have
 * a handful of chunks). A row costs {@code dimension + dimension / 8 + 8} bytes: 0.28x of float32
 * at 384 dimensions. The float vectors stay in the {@code chunks} store, which re-ranks the best
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

    private final int dimension;
    private final int sketchBytes;
    private byte[][] codes = new byte[0][];
    private byte[][] sketches = new byte[0][];

    /**
     * Per row: what one unit of the int8 code is worth (max |x| / 127 of the normalised vector).
     */
    private float[] scales = new float[0];

    /** Per row: mean |x| of the normalised vector, the length a sign sketch stands for. */
    private float[] magnitudes = new float[0];

    QuantizedVectors(int dimension) {
        this.dimension = dimension;
        this.sketchBytes = (dimension + 7) >>> 3;
    }

    int dimension() {
        return dimension;
    }

    boolean sketched() {
        return dimension >= MIN_SKETCH_DIMENSION;
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
        byte[] sketchBlock = sketches[id >>> BLOCK_SHIFT];
        int sketchOffset = (id & (BLOCK - 1)) * sketchBytes;
        Arrays.fill(sketchBlock, sketchOffset, sketchOffset + sketchBytes, (byte) 0);
        for (int i = 0; i < dimension; i++) {
            codeBlock[codeOffset + i] = (byte) Math.round(normalised[i] * inverse);
            if (normalised[i] > 0) {
                sketchBlock[sketchOffset + (i >>> 3)] |= (byte) (1 << (i & 7));
            }
        }
        scales[id] = scale;
        magnitudes[id] = (float) (absolute / dimension);
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
        System.arraycopy(
                source.sketches[from >>> BLOCK_SHIFT],
                (from & (BLOCK - 1)) * sketchBytes,
                sketches[to >>> BLOCK_SHIFT],
                (to & (BLOCK - 1)) * sketchBytes,
                sketchBytes);
        scales[to] = source.scales[from];
        magnitudes[to] = source.magnitudes[from];
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
        byte[] block = codes[id >>> BLOCK_SHIFT];
        int offset = (id & (BLOCK - 1)) * dimension;
        // Eight independent integer accumulators (|sum| < 384 * 127 * 127 fits an int): the
        // loads and multiplies of one element do not wait for the previous element's add.
        int s0 = 0;
        int s1 = 0;
        int s2 = 0;
        int s3 = 0;
        int s4 = 0;
        int s5 = 0;
        int s6 = 0;
        int s7 = 0;
        int i = 0;
        for (; i + 7 < dimension; i += 8) {
            s0 += q[i] * block[offset + i];
            s1 += q[i + 1] * block[offset + i + 1];
            s2 += q[i + 2] * block[offset + i + 2];
            s3 += q[i + 3] * block[offset + i + 3];
            s4 += q[i + 4] * block[offset + i + 4];
            s5 += q[i + 5] * block[offset + i + 5];
            s6 += q[i + 6] * block[offset + i + 6];
            s7 += q[i + 7] * block[offset + i + 7];
        }
        for (; i < dimension; i++) {
            s0 += q[i] * block[offset + i];
        }
        return (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) * scales[id] * queryScale;
    }

    /** The int8 estimate of the cosine of row {@code id} with the normalised query. */
    float score(float[] q, int id) {
        return score(quantizeQuery(q), queryScale(q), id);
    }

    /**
     * A query's lookup table for the sign sketches: for each byte of a sketch (8 dimensions) and
     * each of its 256 values, the sum of the query's components with the signs the bits give, in
     * units of {@code unit}. Shorts, not floats: at 384 dimensions the table is 24 KiB and stays in
     * the L1 cache through a scan (the float table, 48 KiB, did not).
     */
    static final class SketchQuery {
        final short[] table;
        final float unit;

        private SketchQuery(short[] table, float unit) {
            this.table = table;
            this.unit = unit;
        }
    }

    /** The sketch lookup table of a normalised query ({@link SketchQuery}). */
    SketchQuery sketchQuery(float[] q) {
        float[] sums = new float[sketchBytes << 8];
        float largest = 0;
        for (int j = 0; j < sketchBytes; j++) {
            int base = j << 8;
            float negative = 0;
            for (int b = 0; b < 8 && (j << 3) + b < dimension; b++) {
                negative -= q[(j << 3) + b];
            }
            sums[base] = negative;
            for (int v = 1; v < 256; v++) {
                int low = Integer.numberOfTrailingZeros(v);
                int dim = (j << 3) + low;
                sums[base + v] = sums[base + (v & (v - 1))] + (dim < dimension ? 2 * q[dim] : 0);
                largest = Math.max(largest, Math.abs(sums[base + v]));
            }
            largest = Math.max(largest, Math.abs(negative));
        }
        float unit = largest == 0 ? 1 : largest / Short.MAX_VALUE;
        short[] table = new short[sums.length];
        for (int i = 0; i < sums.length; i++) {
            table[i] = (short) Math.round(sums[i] / unit);
        }
        return new SketchQuery(table, unit);
    }

    /**
     * The sign-sketch estimate of the cosine with the query of every row in {@code [from, to)},
     * written to {@code scores[row]}: one table lookup per 8 dimensions, summed in integers.
     */
    void sketchScores(SketchQuery query, int from, int to, float[] scores) {
        short[] table = query.table;
        float unit = query.unit;
        int id = from;
        while (id < to) {
            byte[] block = sketches[id >>> BLOCK_SHIFT];
            int blockEnd = Math.min(to, ((id >>> BLOCK_SHIFT) + 1) << BLOCK_SHIFT);
            for (; id < blockEnd; id++) {
                int offset = (id & (BLOCK - 1)) * sketchBytes;
                int s0 = 0;
                int s1 = 0;
                int s2 = 0;
                int s3 = 0;
                int j = 0;
                for (; j + 3 < sketchBytes; j += 4) {
                    s0 += table[(j << 8) | (block[offset + j] & 0xff)];
                    s1 += table[((j + 1) << 8) | (block[offset + j + 1] & 0xff)];
                    s2 += table[((j + 2) << 8) | (block[offset + j + 2] & 0xff)];
                    s3 += table[((j + 3) << 8) | (block[offset + j + 3] & 0xff)];
                }
                for (; j < sketchBytes; j++) {
                    s0 += table[(j << 8) | (block[offset + j] & 0xff)];
                }
                scores[id] = ((s0 + s1) + (s2 + s3)) * unit * magnitudes[id];
            }
        }
    }

    /** Bytes held: code and sketch blocks and the per-row scales. */
    long bytes() {
        long bytes = 0;
        for (byte[] block : codes) {
            bytes += block.length;
        }
        for (byte[] block : sketches) {
            bytes += block.length;
        }
        return bytes + (long) (scales.length + magnitudes.length) * Float.BYTES;
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
        }
        codes = grown(codes, dimension, needed);
        sketches = grown(sketches, sketchBytes, needed);
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
            blocks[last] =
                    resized(
                            block,
                            Math.min(
                                            BLOCK,
                                            Math.max(
                                                    rowsInLast, Math.max(MIN_BLOCK_ROWS, rows * 2)))
                                    * rowBytes);
        }
        return blocks;
    }

    private static byte[] resized(byte[] block, int length) {
        if (block != null && block.length >= length) {
            return block;
        }
        return block == null ? new byte[length] : Arrays.copyOf(block, length);
    }
}
