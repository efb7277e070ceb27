package ams.knowledge.embedding;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link EmbeddingModel} with the name recorded on every chunk it embeds, and checks that what
 * it returned is usable (one finite vector per text, all of one dimension).
 */
public final class Embedder {

    private final EmbeddingModel model;
    private final String modelName;

    public Embedder(EmbeddingModel model, String modelName) {
        this.model = model;
        this.modelName = modelName;
    }

    public String modelName() {
        return modelName;
    }

    public EmbeddingModel model() {
        return model;
    }

    /**
     * Embeds the texts in one model call.
     *
     * @throws InvalidEmbeddingException when the model answered with something that is not one
     *     finite vector per text
     */
    public List<float[]> embedAll(List<String> texts) {
        List<TextSegment> segments = new ArrayList<>(texts.size());
        for (String text : texts) {
            segments.add(TextSegment.from(text));
        }
        Response<List<Embedding>> response = model.embedAll(segments);
        List<Embedding> embeddings = response == null ? null : response.content();
        if (embeddings == null || embeddings.size() != texts.size()) {
            throw new InvalidEmbeddingException(
                    "model "
                            + modelName
                            + " returned "
                            + (embeddings == null ? "nothing" : embeddings.size() + " vectors")
                            + " for "
                            + texts.size()
                            + " texts");
        }
        List<float[]> vectors = new ArrayList<>(embeddings.size());
        int dimension = -1;
        for (Embedding embedding : embeddings) {
            float[] vector = embedding.vector();
            if (vector.length == 0 || (dimension >= 0 && vector.length != dimension)) {
                throw new InvalidEmbeddingException(
                        "model " + modelName + " returned vectors of mixed or zero dimension");
            }
            dimension = vector.length;
            for (float v : vector) {
                if (!Float.isFinite(v)) {
                    throw new InvalidEmbeddingException(
                            "model " + modelName + " returned a non-finite vector component");
                }
            }
            vectors.add(vector);
        }
        return vectors;
    }

    /** Embeds one query text. */
    public float[] embed(String text) {
        return embedAll(List.of(text)).get(0);
    }

    /**
     * The model's answer was unusable for this input: fatal for the record, not for the process.
     */
    public static final class InvalidEmbeddingException extends RuntimeException {
        public InvalidEmbeddingException(String message) {
            super(message);
        }
    }
}
