package ams.app.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A conversation followed live: {@code GET /conversations/{id}/stream} read line by line as
 * Server-Sent Events. Events reach the {@link Listener} in order, on one thread of the HTTP client
 * at a time: each stored {@code message} (with its index), the {@code token}s of a reply being
 * written and a {@code turn_reset} when an attempt's tokens are void, the conversation's {@code
 * status} when it changes, and {@code end}, after which the server closes the stream.
 *
 * <p>Reconnecting is the caller's job: when {@link Listener#onClosed} reports an error, open again
 * with {@link #lastIndex()}; the server then sends only the later messages, and replays the text of
 * a reply still being written as one token (so drop the unfinished turns' tokens on reconnect).
 *
 * <pre>{@code
 * try (ConversationStream s = client.streamConversation(id, -1, new ConversationStream.Listener() {
 *         public void onToken(int turn, String agent, String text) { System.out.print(text); }
 *         public void onMessage(JsonNode message, int index) { System.out.println(); }
 *     })) {
 *     s.closed().join();
 * }
 * }</pre>
 */
public final class ConversationStream implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One server-sent event: its name, its SSE id (a message's index, else null), its data. */
    public record Event(String name, String id, JsonNode data) {}

    /** What a stream delivers. Every method has a default that ignores the event. */
    public interface Listener {

        /** Every event; the default hands it to the typed methods below. */
        default void onEvent(Event event) {
            JsonNode d = event.data();
            switch (event.name()) {
                case "message" ->
                        onMessage(d, event.id() == null ? -1 : Integer.parseInt(event.id()));
                case "token" ->
                        onToken(
                                d.path("turn_number").asInt(),
                                d.path("agent_id").asText(),
                                d.path("text").asText());
                case "turn_reset" ->
                        onTurnReset(
                                d.path("turn_number").asInt(),
                                d.path("agent_id").asText(),
                                d.path("reason").asText());
                case "status" -> onStatus(d);
                case "end" -> onEnd(d.path("status").asText(), d.path("reason").asText(null));
                default -> {
                    // An event of a later server version: ignored.
                }
            }
        }

        /** A stored message ({@code conversation_id, turn_number, agent_id, role, content, …}). */
        default void onMessage(JsonNode message, int index) {}

        /** A piece of turn {@code turn}'s reply, as the model writes it. */
        default void onToken(int turn, String agentId, String text) {}

        /** The tokens of turn {@code turn} so far are void: an attempt failed or was abandoned. */
        default void onTurnReset(int turn, String agentId, String reason) {}

        /** The conversation's state, as {@code GET /conversations/{id}} answers it. */
        default void onStatus(JsonNode conversation) {}

        /** The conversation ended ({@code COMPLETED}, {@code FAILED}, {@code CANCELLED}). */
        default void onEnd(String status, String reason) {}

        /**
         * The stream stopped: {@code error} is null after {@code end} or {@link #close()}, else why
         * (the server went away, the client fell too far behind): reconnect from {@link
         * #lastIndex()}.
         */
        default void onClosed(Throwable error) {}
    }

    private final Listener listener;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile Flow.Subscription subscription;
    private volatile int lastIndex;
    private volatile boolean ended;

    private ConversationStream(Listener listener, int afterIndex) {
        this.listener = listener;
        this.lastIndex = afterIndex;
    }

    /**
     * Opens the stream and returns once the server has accepted it.
     *
     * @param afterIndex the index of the last message the caller has (-1: all of them)
     * @throws RestClient.ApiException the server's answer when it refuses (404 for an unknown
     *     conversation, 401 without the token), or status 0 when it cannot be reached
     */
    static ConversationStream open(
            HttpClient http,
            String baseUrl,
            String token,
            String conversationId,
            int afterIndex,
            Listener listener,
            Duration connectWait) {
        ConversationStream stream = new ConversationStream(listener, afterIndex);
        HttpRequest.Builder request =
                HttpRequest.newBuilder(
                                URI.create(
                                        baseUrl
                                                + "/conversations/"
                                                + RestClient.encode(conversationId)
                                                        .replace("+", "%20")
                                                + "/stream"))
                        .header("Accept", "text/event-stream")
                        .GET();
        if (afterIndex >= 0) {
            request.header("Last-Event-ID", Integer.toString(afterIndex));
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        CompletableFuture<Void> opened = new CompletableFuture<>();
        HttpResponse.BodyHandler<Void> handler =
                info -> {
                    if (info.statusCode() == 200) {
                        opened.complete(null);
                        return HttpResponse.BodySubscribers.fromLineSubscriber(
                                stream.new Lines(), s -> null, StandardCharsets.UTF_8, null);
                    }
                    return HttpResponse.BodySubscribers.mapping(
                            HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                            body -> {
                                opened.completeExceptionally(refusal(info.statusCode(), body));
                                return null;
                            });
                };
        // Failures are handled here; the future itself carries nothing else.
        var unused =
                http.sendAsync(request.build(), handler)
                        .whenComplete(
                                (response, failure) -> {
                                    if (failure != null) {
                                        Throwable cause =
                                                failure.getCause() == null
                                                        ? failure
                                                        : failure.getCause();
                                        opened.completeExceptionally(cause);
                                        stream.finish(cause);
                                    }
                                });
        try {
            opened.get(connectWait.toMillis(), TimeUnit.MILLISECONDS);
            return stream;
        } catch (ExecutionException e) {
            stream.close();
            Throwable cause = e.getCause();
            if (cause instanceof RestClient.ApiException api) {
                throw api;
            }
            if (cause instanceof ConnectException) {
                throw new RestClient.ApiException(
                        0,
                        "no AMS-DB API answers at "
                                + baseUrl
                                + ": start one with 'ams up' or pass --api");
            }
            throw new RestClient.ApiException(
                    0, "cannot stream conversation " + conversationId + ": " + cause);
        } catch (TimeoutException e) {
            stream.close();
            throw new RestClient.ApiException(
                    0,
                    "the stream of conversation "
                            + conversationId
                            + " did not open in "
                            + connectWait);
        } catch (InterruptedException e) {
            stream.close();
            Thread.currentThread().interrupt();
            throw new RestClient.ApiException(0, "interrupted");
        }
    }

    private static RestClient.ApiException refusal(int status, String body) {
        String message = body;
        try {
            message = JSON.readTree(body).path("error").asText(body);
        } catch (IOException e) {
            // not JSON: the body as it is
        }
        return new RestClient.ApiException(status, message);
    }

    /** The index of the last message received (the {@code afterIndex} to reconnect with). */
    public int lastIndex() {
        return lastIndex;
    }

    /** Whether the {@code end} event came. */
    public boolean ended() {
        return ended;
    }

    /** Completes when the stream has stopped, for whatever reason ({@link Listener#onClosed}). */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    /** Stops reading and closes the connection; {@link Listener#onClosed} gets null. */
    @Override
    public void close() {
        closing.set(true);
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        finish(null);
    }

    private void finish(Throwable error) {
        if (closed.isDone()) {
            return;
        }
        Throwable reported = closing.get() || ended ? null : error;
        if (closed.complete(null)) {
            listener.onClosed(reported);
        }
    }

    /** Assembles events from the lines of the body (SSE: fields until a blank line). */
    private final class Lines implements Flow.Subscriber<String> {
        private String name;
        private String id;
        private final StringBuilder data = new StringBuilder();

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (closing.get()) {
                s.cancel();
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (closing.get() || closed.isDone()) {
                return;
            }
            if (line.isEmpty()) {
                dispatch();
                return;
            }
            if (line.startsWith(":")) {
                return; // a keep-alive comment
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> name = value;
                case "id" -> id = value;
                case "data" -> {
                    if (data.length() > 0) {
                        data.append('\n');
                    }
                    data.append(value);
                }
                default -> {
                    // retry and unknown fields: nothing to do
                }
            }
        }

        private void dispatch() {
            if (data.length() == 0) {
                name = null;
                id = null;
                return;
            }
            String eventName = name == null ? "message" : name;
            String eventId = id;
            String text = data.toString();
            name = null;
            id = null;
            data.setLength(0);
            JsonNode json;
            try {
                json = JSON.readTree(text);
            } catch (IOException e) {
                return; // not ours to understand
            }
            if (eventName.equals("message") && eventId != null) {
                try {
                    lastIndex = Math.max(lastIndex, Integer.parseInt(eventId));
                } catch (NumberFormatException e) {
                    // an id that is not an index: leave the position
                }
            }
            if (eventName.equals("end")) {
                ended = true;
            }
            try {
                listener.onEvent(new Event(eventName, eventId, json));
            } catch (RuntimeException e) {
                // The listener failed: stop here rather than skip events it did not take.
                Flow.Subscription s = subscription;
                if (s != null) {
                    s.cancel();
                }
                finish(e);
            }
        }

        @Override
        public void onError(Throwable failure) {
            finish(failure);
        }

        @Override
        public void onComplete() {
            finish(
                    new IOException(
                            "the server closed the stream before the conversation ended;"
                                    + " reconnect from message "
                                    + lastIndex));
        }
    }
}
