package ams.knowledge.embedding;

import ams.knowledge.KnowledgeIndexerConfig;
import dev.langchain4j.model.ollama.OllamaEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import java.time.Duration;

/**
 * Builds the configured embedding model. Remote clients do no retries of their own: the worker's
 * classifier decides.
 */
public final class EmbeddingModels {

    /** Name recorded on chunks embedded by the in-process model. */
    public static final String IN_PROCESS_MODEL_NAME = "all-minilm-l6-v2-q";

    private EmbeddingModels() {}

    public static Embedder create(KnowledgeIndexerConfig config) {
        String provider = config.getString(KnowledgeIndexerConfig.EMBEDDING_PROVIDER);
        String baseUrl = config.getString(KnowledgeIndexerConfig.EMBEDDING_BASE_URL);
        String model = config.getString(KnowledgeIndexerConfig.EMBEDDING_MODEL);
        Duration timeout =
                Duration.ofMillis(config.getLong(KnowledgeIndexerConfig.EMBEDDING_TIMEOUT_MS));
        return switch (provider) {
            case KnowledgeIndexerConfig.PROVIDER_OPENAI ->
                    new Embedder(
                            OpenAiEmbeddingModel.builder()
                                    .baseUrl(baseUrl)
                                    .apiKey(apiKey(config))
                                    .modelName(model)
                                    .timeout(timeout)
                                    .maxRetries(0)
                                    .build(),
                            "openai:" + model);
            case KnowledgeIndexerConfig.PROVIDER_OLLAMA ->
                    new Embedder(
                            OllamaEmbeddingModel.builder()
                                    .baseUrl(baseUrl)
                                    .modelName(model)
                                    .timeout(timeout)
                                    .maxRetries(0)
                                    .build(),
                            "ollama:" + model);
            default -> inProcess();
        };
    }

    /**
     * all-MiniLM-L6-v2 (quantized), 384 dimensions; the ONNX model ships inside its Maven artifact,
     * run on our own ONNX session ({@link InProcessModel}: one intra-op thread, no spinning).
     */
    public static Embedder inProcess() {
        return new Embedder(InProcessModel.create(), IN_PROCESS_MODEL_NAME);
    }

    private static String apiKey(KnowledgeIndexerConfig config) {
        String key = config.getPassword(KnowledgeIndexerConfig.EMBEDDING_API_KEY).value();
        // OpenAI-compatible local servers accept any key; the client refuses an empty one.
        return key.isBlank() ? "none" : key;
    }
}
