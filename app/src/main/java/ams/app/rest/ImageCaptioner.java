package ams.app.rest;

import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Describes an image in words with the configured vision model (one OpenAI-compatible chat call:
 * the image as an {@code image_url} data-URL part), so the description can be indexed like text.
 */
final class ImageCaptioner {

    static final String INSTRUCTION =
            "Describe this image for a search index: what it shows, any text in it, and the"
                    + " words a person would search it by. Answer with the description only.";

    private final ChatModel model;
    private final String modelName;

    ImageCaptioner(KnowledgeVision vision) {
        this.modelName = vision.model();
        this.model =
                OpenAiChatModel.builder()
                        .baseUrl(vision.baseUrl())
                        .apiKey(
                                vision.apiKey() == null || vision.apiKey().isBlank()
                                        ? "none"
                                        : vision.apiKey())
                        .modelName(vision.model())
                        .timeout(Duration.ofMinutes(2))
                        .maxRetries(1)
                        .build();
    }

    String modelName() {
        return modelName;
    }

    String describe(byte[] image, String mimeType) {
        List<Content> parts =
                List.of(
                        TextContent.from(INSTRUCTION),
                        ImageContent.from(Base64.getEncoder().encodeToString(image), mimeType));
        return model.chat(UserMessage.from(parts)).aiMessage().text();
    }
}
