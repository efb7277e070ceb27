package ams.knowledge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantizedVectorsTest {

    @Test
    void shouldScoreSignSketchesAsTheSumOfTheRoundedQueryWithTheRowsSigns() {
        Random random = new Random(23);
        for (int dimension : new int[] {64, 100, 128, 384, 385}) {
            // Both ways of summing the columns: 32-bit words for vector popcounts, pairs of them
            // as 64-bit words where the CPU has none.
            shouldScoreSignSketchesAsTheSumOfTheRoundedQueryWithTheRowsSigns(
                    random, dimension, true);
            shouldScoreSignSketchesAsTheSumOfTheRoundedQueryWithTheRowsSigns(
                    random, dimension, false);
        }
    }

    private static void shouldScoreSignSketchesAsTheSumOfTheRoundedQueryWithTheRowsSigns(
            Random random, int dimension, boolean vectorPopcount) {
        QuantizedVectors vectors = new QuantizedVectors(dimension, vectorPopcount);
        int rows = QuantizedVectors.BLOCK + 100; // two blocks
        float[][] stored = new float[rows][];
        for (int id = 0; id < rows; id++) {
            stored[id] = AgentIndex.normalised(gaussian(random, dimension));
            vectors.set(id, stored[id]);
        }
        float[] q = AgentIndex.normalised(gaussian(random, dimension));
        QuantizedVectors.SketchQuery sketch = vectors.sketchQuery(q);
        float[] scores = new float[rows];
        vectors.sketchScores(sketch, 0, rows, scores, new int[QuantizedVectors.BLOCK]);
        int levels = (1 << QuantizedVectors.QUERY_BITS) - 1;
        for (int id = 0; id < rows; id++) {
            double magnitude = 0;
            double rounded = 0;
            double exact = 0;
            for (int i = 0; i < dimension; i++) {
                magnitude += Math.abs(stored[id][i]);
                double sign = stored[id][i] > 0 ? 1 : -1;
                long u = Math.min(levels, Math.round((q[i] - sketch.low) / sketch.step));
                rounded += (sketch.low + sketch.step * u) * sign;
                exact += q[i] * sign;
            }
            magnitude /= dimension;
            assertEquals(
                    rounded * magnitude,
                    scores[id],
                    1e-4,
                    "row " + id + " of " + dimension + " dimensions");
            // Rounding the query moves each component by at most half a step.
            assertTrue(
                    Math.abs(exact - rounded) <= dimension * sketch.step / 2 + 1e-4,
                    "rounding error " + Math.abs(exact - rounded));
        }
        // A scan that starts inside a block must score every row as the scan from row 0, across
        // the block boundary; and a compacted copy (its blocks laid out anew) must score its rows
        // as the original does.
        float[] fromFifty = new float[rows];
        vectors.sketchScores(sketch, 50, rows, fromFifty, new int[QuantizedVectors.BLOCK]);
        QuantizedVectors copy = new QuantizedVectors(dimension, vectorPopcount);
        for (int id = 50; id < rows; id++) {
            assertEquals(scores[id], fromFifty[id], 0f, "row " + id);
            copy.copyRow(vectors, id, id - 50);
        }
        float[] copied = new float[rows - 50];
        copy.sketchScores(sketch, 0, rows - 50, copied, new int[QuantizedVectors.BLOCK]);
        for (int id = 50; id < rows; id++) {
            assertEquals(scores[id], copied[id - 50], 0f, "copied row " + id);
        }
    }

    @Test
    void shouldTakeTheSketchSummingFromThePropertyWhenOneIsSet() {
        String before = System.getProperty("ams.knowledge.vectorPopcount");
        try {
            System.setProperty("ams.knowledge.vectorPopcount", "false");
            assertFalse(CpuFeatures.vectorPopcount());
            System.setProperty("ams.knowledge.vectorPopcount", "true");
            assertTrue(CpuFeatures.vectorPopcount());
        } finally {
            if (before == null) {
                System.clearProperty("ams.knowledge.vectorPopcount");
            } else {
                System.setProperty("ams.knowledge.vectorPopcount", before);
            }
        }
    }

    @Test
    void shouldKeepNoSketchBelowTheSketchDimension() {
        QuantizedVectors vectors = new QuantizedVectors(QuantizedVectors.MIN_SKETCH_DIMENSION - 1);
        vectors.set(0, AgentIndex.normalised(gaussian(new Random(1), 63)));
        assertEquals(
                QuantizedVectors.MIN_BLOCK_ROWS * (63L + 2 * Float.BYTES),
                vectors.bytes(),
                "codes and two floats per row, no sketch words");
    }

    private static float[] gaussian(Random random, int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
