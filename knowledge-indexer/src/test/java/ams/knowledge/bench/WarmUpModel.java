package ams.knowledge.bench;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The model the benchmark's indexer embeds with: first a cheap stand-in (a unit vector drawn from
 * the text's hash, of the real model's dimension), then, after {@link #useRealModel()}, the real
 * one. The stand-in lets many documents run through the whole pipeline (worker, Kafka clients,
 * broker, Streams fold, index) in a few seconds, so the JIT compiles that code before the real
 * model is timed: at the real model's few hundred documents per second the per-record code of a
 * fresh JVM takes minutes to reach its compiled form, and compiling it takes cores from the model
 * meanwhile.
 */
final class WarmUpModel implements EmbeddingModel {

    private final EmbeddingModel real;
    private final int dimension;
    private volatile boolean warm;

    WarmUpModel(EmbeddingModel real, int dimension) {
        this.real = real;
        this.dimension = dimension;
    }

    void useRealModel() {
        warm = true;
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        if (warm) {
            return real.embedAll(segments);
        }
        List<Embedding> vectors = new ArrayList<>(segments.size());
        for (TextSegment segment : segments) {
            Random random = new Random(segment.text().hashCode());
            float[] v = new float[dimension];
            double norm = 0;
            for (int i = 0; i < dimension; i++) {
                v[i] = (float) random.nextGaussian();
                norm += v[i] * v[i];
            }
            float scale = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < dimension; i++) {
                v[i] *= scale;
            }
            vectors.add(Embedding.from(v));
        }
        return Response.from(vectors);
    }

    @Override
    public int dimension() {
        return dimension;
    }
}
