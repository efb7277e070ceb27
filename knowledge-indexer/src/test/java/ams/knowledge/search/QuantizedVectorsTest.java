package ams.knowledge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantizedVectorsTest {

    @Test
    void shouldScoreSignSketchesAsTheSumOfTheRoundedQueryWithTheRowsSigns() {
        Random random = new Random(23);
        for (int dimension : new int[] {64, 100, 128, 384, 385}) {
            QuantizedVectors vectors = new QuantizedVectors(dimension);
            int rows = QuantizedVectors.BLOCK + 100; // two blocks
            float[][] stored = new float[rows][];
            for (int id = 0; id < rows; id++) {
                stored[id] = AgentIndex.normalised(gaussian(random, dimension));
                vectors.set(id, stored[id]);
            }
            float[] q = AgentIndex.normalised(gaussian(random, dimension));
            QuantizedVectors.SketchQuery sketch = vectors.sketchQuery(q);
            float[] scores = new float[rows];
            vectors.sketchScores(sketch, 0, rows, scores);
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
            // The scan that selects candidates scores rows with its own inline copy of the
            // scoring (at 384 dimensions, a copy unrolled for six words): it must keep exactly the
            // rows whose score reaches the threshold, in order, across the block boundary.
            float threshold = scores[rows / 2];
            QuantizedVectors.RowList kept = new QuantizedVectors.RowList();
            vectors.sketchAbove(sketch, 50, rows, threshold, kept);
            List<Integer> expected = new ArrayList<>();
            for (int id = 50; id < rows; id++) {
                if (scores[id] >= threshold) {
                    expected.add(id);
                }
            }
            List<Integer> actual = new ArrayList<>();
            for (int i = 0; i < kept.size; i++) {
                actual.add(kept.ids[i]);
            }
            assertEquals(expected, actual, dimension + " dimensions");
            assertEquals(scores[rows - 1], vectors.sketchScore(sketch, rows - 1));
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
