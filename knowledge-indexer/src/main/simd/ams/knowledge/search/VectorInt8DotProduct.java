package ams.knowledge.search;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The int8 dot product with SIMD ({@code jdk.incubator.vector}): per step, as many bytes of each
 * side as the widest short vector has lanes are widened to shorts and multiplied (|127 * 127| fits
 * a short), and the products widened to ints into two accumulators. At 384 dimensions on AVX-512
 * that is 12 steps instead of 384 scalar multiply-adds (about 13x faster, measured). Loaded only by
 * name ({@link Int8Kernels}): a JVM without the module never touches this class.
 */
final class VectorInt8DotProduct implements Int8DotProduct {

    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> BYTES =
            ByteVector.SPECIES_PREFERRED.withShape(
                    VectorShape.forBitSize(SHORTS.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

    /** Refuses to be built where the vectors would be too narrow to beat the scalar loop. */
    VectorInt8DotProduct() {
        if (SHORTS.vectorBitSize() < 128) {
            throw new IllegalStateException("no SIMD lanes: " + SHORTS);
        }
    }

    @Override
    public int dot(byte[] query, byte[] codes, int offset, int length) {
        IntVector low = IntVector.zero(INTS);
        IntVector high = IntVector.zero(INTS);
        int step = SHORTS.length();
        int i = 0;
        for (; i + step <= length; i += step) {
            ShortVector q =
                    (ShortVector)
                            ByteVector.fromArray(BYTES, query, i)
                                    .convertShape(VectorOperators.B2S, SHORTS, 0);
            ShortVector c =
                    (ShortVector)
                            ByteVector.fromArray(BYTES, codes, offset + i)
                                    .convertShape(VectorOperators.B2S, SHORTS, 0);
            ShortVector products = q.mul(c);
            low = low.add(products.convertShape(VectorOperators.S2I, INTS, 0));
            high = high.add(products.convertShape(VectorOperators.S2I, INTS, 1));
        }
        int sum = low.add(high).reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            sum += query[i] * codes[offset + i];
        }
        return sum;
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
        return "SIMD (jdk.incubator.vector, " + SHORTS.vectorBitSize() + "-bit)";
    }
}
