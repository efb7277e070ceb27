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
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A chat model through LangChain4j (OpenAI-compatible endpoints or Ollama). Its own retries are
 * off: the turn runner retries with backoff and records each failed attempt as an event. A turn's
 * reply is streamed ({@link #reply(Prompt, GenerationParameters, TokenSink)}, the streaming model
 * of the same server): the tokens feed live views, the completed response (with the usage the
 * server reports at the end of the stream) is what the turn stores.
 */
final class LangChainProvider implements ChatProvider {

    private final String name;
    private final ChatModel model;
    private final StreamingChatModel streaming;
    private final String defaultModel;
    private final Duration timeout;

    public LangChainProvider(String name, ChatModel model, String defaultModel) {
        this(name, model, null, defaultModel, Duration.ofMinutes(1));
    }

    LangChainProvider(
            String name,
            ChatModel model,
            StreamingChatModel streaming,
            String defaultModel,
            Duration timeout) {
        this.name = name;
        this.model = model;
        this.streaming = streaming;
        this.defaultModel = defaultModel;
        this.timeout = timeout;
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
        // Asks the server for the usage at the end of the stream (stream_options.include_usage).
        StreamingChatModel streaming =
                OpenAiStreamingChatModel.builder()
                        .httpClientBuilder(RetryAfterHttpClient.builder())
                        .baseUrl(endpoint.baseUrl())
                        .apiKey(endpoint.apiKey().isBlank() ? "none" : endpoint.apiKey())
                        .modelName(endpoint.model())
                        .timeout(timeout)
                        .build();
        return new LangChainProvider("openai", model, streaming, endpoint.model(), timeout);
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
        StreamingChatModel streaming =
                OllamaStreamingChatModel.builder()
                        .httpClientBuilder(RetryAfterHttpClient.builder())
                        .baseUrl(endpoint.baseUrl())
                        .modelName(endpoint.model())
                        .timeout(timeout)
                        .build();
        return new LangChainProvider("ollama", model, streaming, endpoint.model(), timeout);
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

    private ChatRequest request(Prompt prompt, GenerationParameters generation) {
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(SystemMessage.from(prompt.system()));
        for (Prompt.Line line : prompt.history()) {
            messages.add(
                    line.own()
                            ? AiMessage.from(line.content())
                            : userMessage(line.name() + ": " + line.content(), line.images()));
        }
        messages.add(UserMessage.from(prompt.instruction()));
        ChatRequest.Builder request =
                ChatRequest.builder().messages(messages).modelName(modelName(generation));
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
        return request.build();
    }

    private String modelName(GenerationParameters generation) {
        return generation != null
                        && generation.getModel() != null
                        && !generation.getModel().isBlank()
                ? generation.getModel()
                : defaultModel;
    }

    @Override
    public Reply reply(Prompt prompt, GenerationParameters generation) {
        ChatResponse response = model.chat(request(prompt, generation));
        return reply(prompt, modelName(generation), response);
    }

    /**
     * Streams the reply: each partial response goes to {@code tokens} as it arrives, and this call
     * returns when the stream completes. A failure (an HTTP error, a broken stream) is thrown as
     * the model client reported it, so the retry rules classify it like a plain call's; a stream
     * silent past the timeout is a {@link dev.langchain4j.exception.TimeoutException}. Tokens that
     * arrive after this call gave up are dropped.
     */
    @Override
    public Reply reply(Prompt prompt, GenerationParameters generation, TokenSink tokens) {
        if (streaming == null) {
            return ChatProvider.super.reply(prompt, generation, tokens);
        }
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        AtomicBoolean abandoned = new AtomicBoolean();
        streaming.chat(
                request(prompt, generation),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partial) {
                        if (!abandoned.get() && partial != null && !partial.isEmpty()) {
                            tokens.token(partial);
                        }
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        try {
            return reply(
                    prompt,
                    modelName(generation),
                    done.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            abandoned.set(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a model call", e);
        } catch (java.util.concurrent.TimeoutException e) {
            abandoned.set(true);
            throw new dev.langchain4j.exception.TimeoutException(
                    "the model's stream did not complete within " + timeout);
        } catch (ExecutionException e) {
            abandoned.set(true);
            if (Thread.currentThread().isInterrupted()) {
                // The stream is read on this thread: a cancelled turn ends it with an error.
                throw new IllegalStateException("interrupted during a model call", e.getCause());
            }
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(cause.getMessage(), cause);
        }
    }

    private static Reply reply(Prompt prompt, String modelName, ChatResponse response) {
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
