package ams.knowledge.search;

/**
 * The dot product of two int8 codes (components in [-127, 127]), the inner loop of the int8 stage
 * of a vector search. Two kernels: {@link ScalarInt8DotProduct} (plain Java, always there) and
 * {@link VectorInt8DotProduct} (SIMD through {@code jdk.incubator.vector}, only when the JVM
 * resolved that module); {@link Int8Kernels#SELECTED} is chosen once, when the JVM loads that
 * class.
 */
interface Int8DotProduct {

    /** The sum of {@code query[i] * codes[offset + i]} for i in [0, length). */
    int dot(byte[] query, byte[] codes, int offset, int length);

    /**
     * For each i in [from, to): {@code out[i] = dot(query, row rows[i]) * scales[rows[i]] *
     * queryScale}, row r being {@code query.length} codes of {@code blocks[r >>> BLOCK_SHIFT]} from
     * {@code (r & (BLOCK - 1)) * query.length} ({@link QuantizedVectors}'s layout). A whole stage
     * in one call: the loop is compiled on its own, so the Vector API calls inline into it (inlined
     * one row at a time into the search's scan they did not, and ran boxed at a tenth the speed).
     */
    void scoreRows(
            byte[] query,
            byte[][] blocks,
            float[] scales,
            float queryScale,
            int[] rows,
            int from,
            int to,
            float[] out);

    /** What this kernel is, for logs and benchmark rows. */
    String describe();
}
