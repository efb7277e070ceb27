package ams.conversations.llm;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpClientBuilderLoader;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.http.client.sse.ServerSentEventContext;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * LangChain4j's HTTP client for the model calls, except that an error response keeps its {@code
 * Retry-After}: LangChain4j's own JDK client throws an {@link HttpException} with the status and
 * body only, so a 429's Retry-After never reached the caller. This one throws {@link
 * RetryAfterException} (an {@link HttpException}, so LangChain4j still maps it to its {@code
 * RateLimitException} and keeps it as the cause), and {@link #retryAfter} finds it again in a cause
 * chain. Streaming calls (a turn's streamed reply) keep it the same way: an error status before the
 * stream starts reaches the listener as a {@link RetryAfterException}.
 */
final class RetryAfterHttpClient implements HttpClient {

    /** An error response and how long the server asked to be left alone, if it said. */
    static final class RetryAfterException extends HttpException {
        private static final long serialVersionUID = 1L;
        private final transient Optional<Duration> retryAfter;

        RetryAfterException(int status, String body, Optional<Duration> retryAfter) {
            super(status, body);
            this.retryAfter = retryAfter;
        }

        Optional<Duration> retryAfter() {
            return retryAfter;
        }
    }

    private final java.net.http.HttpClient client;
    private final Duration readTimeout;
    private final HttpClient streaming;

    private RetryAfterHttpClient(Duration connectTimeout, Duration readTimeout) {
        java.net.http.HttpClient.Builder b = java.net.http.HttpClient.newBuilder();
        if (connectTimeout != null) {
            b.connectTimeout(connectTimeout);
        }
        this.client = b.build();
        this.readTimeout = readTimeout;
        HttpClientBuilder fallback = HttpClientBuilderLoader.loadHttpClientBuilder();
        if (connectTimeout != null) {
            fallback.connectTimeout(connectTimeout);
        }
        if (readTimeout != null) {
            fallback.readTimeout(readTimeout);
        }
        this.streaming = fallback.build();
    }

    static HttpClientBuilder builder() {
        return new Builder();
    }

    /** The Retry-After of the first {@link RetryAfterException} in the cause chain. */
    static Optional<Duration> retryAfter(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RetryAfterException e) {
                return e.retryAfter();
            }
        }
        return Optional.empty();
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        if (!request.formDataFields().isEmpty() || !request.formDataFiles().isEmpty()) {
            return streaming.execute(request);
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(jdk(request), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new TimeoutException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a model call", e);
        }
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() < 200 || response.statusCode() >= 300) {
            throw new RetryAfterException(
                    response.statusCode(), body, parseRetryAfter(response.headers()));
        }
        return SuccessfulHttpResponse.builder()
                .statusCode(response.statusCode())
                .headers(response.headers().map())
                .body(body)
                .build();
    }

    @Override
    public void execute(
            HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        if (!request.formDataFields().isEmpty() || !request.formDataFiles().isEmpty()) {
            streaming.execute(request, parser, listener);
            return;
        }
        streamOnThisThread(request, parser, listener);
    }

    /**
     * The stream is read on the calling thread (a turn's thread, which waits for the reply anyway),
     * not on the client's executor: each answer then costs one hand-off fewer per chunk and none at
     * its end (ConversationBench, 200 model calls in flight: 3.3 ms of process CPU per call against
     * 3.9 ms when the executor read the stream). A turn that is cancelled (interrupted) stops
     * reading and the exchange is cancelled, freeing the model server's slot, where the executor
     * went on reading an answer no one wanted. {@code readTimeout} bounds the whole stream, as the
     * caller's wait bounded it before: at the deadline the exchange is cancelled and the listener
     * gets a {@link TimeoutException} ({@link StreamedBody}).
     */
    private void streamOnThisThread(
            HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        StreamedBody streamed = new StreamedBody(readTimeout == null ? 0 : readTimeout.toMillis());
        ServerSentEventListener once = new FirstErrorOnly(listener);
        HttpResponse<InputStream> response;
        try {
            response = client.send(jdk(request), info -> streamed);
        } catch (HttpTimeoutException e) {
            once.onError(new TimeoutException(e));
            return;
        } catch (IOException e) {
            once.onError(new UncheckedIOException(e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            once.onError(new IllegalStateException("interrupted during a model call", e));
            return;
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() < 200 || response.statusCode() >= 300) {
                once.onError(
                        new RetryAfterException(
                                response.statusCode(),
                                new String(body.readAllBytes(), StandardCharsets.UTF_8),
                                parseRetryAfter(response.headers())));
                return;
            }
            once.onOpen(
                    SuccessfulHttpResponse.builder()
                            .statusCode(response.statusCode())
                            .headers(response.headers().map())
                            .build());
            parser.parse(body, once);
            once.onClose();
        } catch (IOException | RuntimeException e) {
            once.onError(e);
        }
    }

    /**
     * Passes the first error on, as the caller expects it (a stream past its deadline as
     * LangChain4j's {@link TimeoutException}), and nothing after it: the parser reports a failed
     * read itself, then returns to a caller that would report it again.
     */
    private static final class FirstErrorOnly implements ServerSentEventListener {

        private final ServerSentEventListener listener;
        private boolean failed;

        FirstErrorOnly(ServerSentEventListener listener) {
            this.listener = listener;
        }

        @Override
        public void onOpen(SuccessfulHttpResponse response) {
            listener.onOpen(response);
        }

        @Override
        public void onEvent(ServerSentEvent event, ServerSentEventContext context) {
            listener.onEvent(event, context);
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            listener.onEvent(event);
        }

        @Override
        public void onError(Throwable error) {
            if (failed) {
                return;
            }
            failed = true;
            listener.onError(
                    error instanceof StreamedBody.PastDeadline late
                            ? new TimeoutException(late.getMessage())
                            : error);
        }

        @Override
        public void onClose() {
            if (!failed) {
                listener.onClose();
            }
        }
    }

    private java.net.http.HttpRequest jdk(HttpRequest request) {
        java.net.http.HttpRequest.Builder jdk =
                java.net.http.HttpRequest.newBuilder().uri(URI.create(request.url()));
        request.headers().forEach((name, values) -> values.forEach(v -> jdk.header(name, v)));
        jdk.method(
                request.method().name(),
                request.body() == null
                        ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(request.body()));
        if (readTimeout != null) {
            jdk.timeout(readTimeout);
        }
        return jdk.build();
    }

    /**
     * {@code Retry-After} in seconds or as an HTTP date, or OpenAI's {@code retry-after-ms}; empty
     * when absent or unreadable.
     */
    static Optional<Duration> parseRetryAfter(HttpHeaders headers) {
        Optional<String> millis = headers.firstValue("retry-after-ms");
        if (millis.isPresent()) {
            try {
                return Optional.of(
                        Duration.ofMillis(Math.max(0, (long) Double.parseDouble(millis.get()))));
            } catch (NumberFormatException e) {
                // fall through to Retry-After
            }
        }
        return headers.firstValue("retry-after").flatMap(RetryAfterHttpClient::parseRetryAfter);
    }

    static Optional<Duration> parseRetryAfter(String value) {
        String v = value.strip();
        try {
            double seconds = Double.parseDouble(v);
            return seconds < 0
                    ? Optional.empty()
                    : Optional.of(Duration.ofMillis((long) (seconds * 1000)));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
    }

    private static final class Builder implements HttpClientBuilder {
        private Duration connectTimeout;
        private Duration readTimeout;

        @Override
        public Duration connectTimeout() {
            return connectTimeout;
        }

        @Override
        public HttpClientBuilder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        @Override
        public Duration readTimeout() {
            return readTimeout;
        }

        @Override
        public HttpClientBuilder readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return this;
        }

        @Override
        public HttpClient build() {
            return new RetryAfterHttpClient(connectTimeout, readTimeout);
        }
    }
}
