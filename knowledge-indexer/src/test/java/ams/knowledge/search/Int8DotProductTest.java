package ams.knowledge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Int8DotProductTest {

    private static final int[] LENGTHS = {1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 100, 384, 385, 1024};

    @Test
    void shouldLoadTheSimdKernelWhenTheJvmHasTheVectorModule() {
        // The pom's surefire/failsafe argLine adds jdk.incubator.vector; without it every search
        // here would run the scalar kernel and the comparison below would compare it with itself.
        assertTrue(
                Int8Kernels.vector().isPresent(),
                "no SIMD kernel: is --add-modules jdk.incubator.vector missing?");
        assertTrue(
                Int8Kernels.SELECTED.describe().startsWith("SIMD"),
                Int8Kernels.SELECTED.describe());
    }

    @Test
    void shouldGiveTheSameSumsFromTheScalarAndTheSimdKernelOnRandomCodes() {
        Int8DotProduct scalar = new ScalarInt8DotProduct();
        Int8DotProduct simd = Int8Kernels.vector().orElseThrow();
        Random random = new Random(17);
        for (int length : LENGTHS) {
            for (int trial = 0; trial < 50; trial++) {
                byte[] query = codes(random, length);
                byte[] block = codes(random, length * 3 + 7);
                int offset = random.nextInt(block.length - length + 1);
                int expected = naive(query, block, offset, length);
                assertEquals(expected, scalar.dot(query, block, offset, length), "scalar");
                assertEquals(expected, simd.dot(query, block, offset, length), "simd");
            }
        }
    }

    @Test
    void shouldScoreRowsFourAtATimeAsOneByOneAcrossBlocksAndRowCounts() {
        Int8DotProduct simd = Int8Kernels.vector().orElseThrow();
        Random random = new Random(29);
        for (int length : new int[] {384, 385, 100, 7}) {
            scoreRowsAsOneByOne(simd, random, length);
        }
    }

    private static void scoreRowsAsOneByOne(Int8DotProduct simd, Random random, int length) {
        byte[][] blocks = {
            codes(random, QuantizedVectors.BLOCK * length),
            codes(random, QuantizedVectors.BLOCK * length)
        };
        float[] scales = new float[2 * QuantizedVectors.BLOCK];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = random.nextFloat();
        }
        byte[] query = codes(random, length);
        // Every remainder of four, from an offset inside the rows array.
        for (int count = 0; count <= 11; count++) {
            int[] rows = new int[count + 3];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = random.nextInt(2 * QuantizedVectors.BLOCK);
            }
            float[] out = new float[rows.length];
            simd.scoreRows(query, blocks, scales, 0.5f, rows, 3, 3 + count, out);
            for (int i = 3; i < 3 + count; i++) {
                int row = rows[i];
                int dot =
                        naive(
                                query,
                                blocks[row >>> QuantizedVectors.BLOCK_SHIFT],
                                (row & (QuantizedVectors.BLOCK - 1)) * length,
                                length);
                assertEquals(dot * scales[row] * 0.5f, out[i], "row " + i + " of " + count);
            }
        }
    }

    @Test
    void shouldNotOverflowAtTheExtremesOfTheCodes() {
        Int8DotProduct scalar = new ScalarInt8DotProduct();
        Int8DotProduct simd = Int8Kernels.vector().orElseThrow();
        for (int length : LENGTHS) {
            byte[] high = filled(length, (byte) 127);
            byte[] low = filled(length, (byte) -127);
            assertEquals(127 * 127 * length, scalar.dot(high, high, 0, length));
            assertEquals(127 * 127 * length, simd.dot(high, high, 0, length));
            assertEquals(127 * 127 * length, simd.dot(low, low, 0, length));
            assertEquals(-127 * 127 * length, simd.dot(high, low, 0, length));
            assertEquals(-127 * 127 * length, scalar.dot(low, high, 0, length));
        }
    }

    /** Codes as the index makes them: rounded into [-127, 127], never -128. */
    private static byte[] codes(Random random, int length) {
        byte[] codes = new byte[length];
        for (int i = 0; i < length; i++) {
            codes[i] = (byte) (random.nextInt(255) - 127);
        }
        return codes;
    }

    private static byte[] filled(int length, byte value) {
        byte[] codes = new byte[length];
        java.util.Arrays.fill(codes, value);
        return codes;
    }

    private static int naive(byte[] query, byte[] block, int offset, int length) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            sum += query[i] * block[offset + i];
        }
        return sum;
    }
}
