package ams.conversations.llm;

import ams.events.GenerationParameters;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A chat model through LangChain4j (OpenAI-compatible endpoints or Ollama). Its own retries are
 * off: the turn runner retries with backoff and records each failed attempt as an event.
 */
final class LangChainProvider implements ChatProvider {

    private final String name;
    private final ChatModel model;
    private final String defaultModel;

    public LangChainProvider(String name, ChatModel model, String defaultModel) {
        this.name = name;
        this.model = model;
        this.defaultModel = defaultModel;
    }

    /**
     * An OpenAI-compatible endpoint. The HTTP client is {@link RetryAfterHttpClient}, so a 429's
     * Retry-After reaches the rate limiter.
     */
    public static LangChainProvider openAi(ModelEndpoint endpoint, Duration timeout) {
        ChatModel model =
                OpenAiChatModel.builder()
                        .httpClientBuilder(RetryAfterHttpClient.builder())
                        .baseUrl(endpoint.baseUrl())
                        .apiKey(endpoint.apiKey().isBlank() ? "none" : endpoint.apiKey())
                        .modelName(endpoint.model())
                        .timeout(timeout)
                        .maxRetries(0)
                        .build();
        return new LangChainProvider("openai", model, endpoint.model());
    }

    public static LangChainProvider ollama(ModelEndpoint endpoint, Duration timeout) {
        ChatModel model =
                OllamaChatModel.builder()
                        .httpClientBuilder(RetryAfterHttpClient.builder())
                        .baseUrl(endpoint.baseUrl())
                        .modelName(endpoint.model())
                        .timeout(timeout)
                        .maxRetries(0)
                        .build();
        return new LangChainProvider("ollama", model, endpoint.model());
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * A user message; with images (a vision turn), its text and each image as content parts (the
     * OpenAI client sends {@code image_url} with a data URL, the Ollama client {@code images}).
     */
    static UserMessage userMessage(String text, List<Prompt.Image> images) {
        if (images.isEmpty()) {
            return UserMessage.from(text);
        }
        List<Content> parts = new ArrayList<>();
        parts.add(TextContent.from(text));
        for (Prompt.Image image : images) {
            parts.add(ImageContent.from(image.base64(), image.mimeType()));
        }
        return UserMessage.from(parts);
    }

    @Override
    public Reply reply(Prompt prompt, GenerationParameters generation) {
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(SystemMessage.from(prompt.system()));
        for (Prompt.Line line : prompt.history()) {
            messages.add(
                    line.own()
                            ? AiMessage.from(line.content())
                            : userMessage(line.name() + ": " + line.content(), line.images()));
        }
        messages.add(UserMessage.from(prompt.instruction()));
        String modelName =
                generation != null
                                && generation.getModel() != null
                                && !generation.getModel().isBlank()
                        ? generation.getModel()
                        : defaultModel;
        ChatRequest.Builder request = ChatRequest.builder().messages(messages).modelName(modelName);
        if (generation != null) {
            if (generation.getTemperature() != null) {
                request.temperature(generation.getTemperature());
            }
            if (generation.getTopP() != null) {
                request.topP(generation.getTopP());
            }
            if (generation.getMaxTokens() != null) {
                request.maxOutputTokens(generation.getMaxTokens());
            }
        }
        ChatResponse response = model.chat(request.build());
        String content =
                response.aiMessage() == null || response.aiMessage().text() == null
                        ? ""
                        : response.aiMessage().text();
        String reportedModel = response.modelName() == null ? modelName : response.modelName();
        TokenUsage usage = response.tokenUsage();
        if (usage == null || usage.inputTokenCount() == null || usage.outputTokenCount() == null) {
            int in = prompt.estimatedTokens();
            int out = Tokens.estimate(content);
            return new Reply(content, reportedModel, in, out, in + out, true);
        }
        int total =
                usage.totalTokenCount() == null
                        ? usage.inputTokenCount() + usage.outputTokenCount()
                        : usage.totalTokenCount();
        return new Reply(
                content,
                reportedModel,
                usage.inputTokenCount(),
                usage.outputTokenCount(),
                total,
                false);
    }
}
