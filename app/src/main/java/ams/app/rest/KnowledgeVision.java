package ams.app.rest;

import ams.service.config.CommonConfig;
import java.util.Map;

/**
 * The vision model that describes an image added as knowledge without a caption: an
 * OpenAI-compatible chat endpoint ({@code knowledge.vision.base.url}, {@code
 * knowledge.vision.model}, {@code knowledge.vision.api.key}; env {@code
 * AMS_KNOWLEDGE_VISION_BASE_URL} ...). Unconfigured (no base URL or model) = only captions given by
 * the user are taken.
 */
public record KnowledgeVision(String baseUrl, String model, String apiKey) {

    public static final String BASE_URL = "knowledge.vision.base.url";
    public static final String MODEL = "knowledge.vision.model";
    public static final String API_KEY = "knowledge.vision.api.key";

    public static final KnowledgeVision NONE = new KnowledgeVision(null, null, null);

    public static KnowledgeVision fromEnvironment(Map<String, String> env) {
        return new KnowledgeVision(
                env.get(CommonConfig.environmentVariable(BASE_URL)),
                env.get(CommonConfig.environmentVariable(MODEL)),
                env.get(CommonConfig.environmentVariable(API_KEY)));
    }

    public boolean configured() {
        return baseUrl != null && !baseUrl.isBlank() && model != null && !model.isBlank();
    }
}
