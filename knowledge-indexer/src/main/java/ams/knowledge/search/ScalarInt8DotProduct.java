package ams.knowledge.search;

/** The int8 dot product in plain Java: the fallback where the Vector API is not resolved. */
final class ScalarInt8DotProduct implements Int8DotProduct {

    @Override
    public int dot(byte[] query, byte[] codes, int offset, int length) {
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
        for (; i + 7 < length; i += 8) {
            s0 += query[i] * codes[offset + i];
            s1 += query[i + 1] * codes[offset + i + 1];
            s2 += query[i + 2] * codes[offset + i + 2];
            s3 += query[i + 3] * codes[offset + i + 3];
            s4 += query[i + 4] * codes[offset + i + 4];
            s5 += query[i + 5] * codes[offset + i + 5];
            s6 += query[i + 6] * codes[offset + i + 6];
            s7 += query[i + 7] * codes[offset + i + 7];
        }
        for (; i < length; i++) {
            s0 += query[i] * codes[offset + i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    @Override
    public void scoreRows(
            byte[] query,
            byte[][] blocks,
            float[] scales,
            float queryScale,
            int[] rows,
            int from,
            int to,
            float[] out) {
        int length = query.length;
        for (int i = from; i < to; i++) {
            int row = rows[i];
            out[i] =
                    dot(
                                    query,
                                    blocks[row >>> QuantizedVectors.BLOCK_SHIFT],
                                    (row & (QuantizedVectors.BLOCK - 1)) * length,
                                    length)
                            * scales[row]
                            * queryScale;
        }
    }

    @Override
    public String describe() {
        return "scalar (8 int accumulators)";
    }
}
