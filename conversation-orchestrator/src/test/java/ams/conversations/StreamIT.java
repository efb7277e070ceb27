package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.Status;
import ams.conversations.statemachine.StoredMessage;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.topics.TopicCatalogue;
import ams.service.http.ServiceHttp;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import ams.testkit.openai.ChatRequest;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /conversations/{id}/stream} with turns written by the real LangChain4j OpenAI
 * streaming client against the fake server's chunks, on the embedded broker: the tokens of each
 * turn add up to its stored message, and the log still has one MessageAppended per turn, also when
 * the task running a turn closes mid-stream.
 */
@ExtendWith(KafkaClusterExtension.class)
class StreamIT {

    @TempDir Path state;

    private static String words(String prefix, int n) {
        StringBuilder text = new StringBuilder(prefix);
        for (int i = 1; i <= n; i++) {
            text.append(" word").append(i);
        }
        return text.toString();
    }

    @Test
    void shouldStreamTokensThatAddUpToEachStoredMessage(TestKafka kafka) throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue();
        AtomicInteger calls = new AtomicInteger();
        try (FakeOpenAiServer fake =
                FakeOpenAiServer.start()
                        .respondWith(
                                r ->
                                        Reply.text(words("Reply " + calls.getAndIncrement(), 8))
                                                .chunksEvery(Duration.ofMillis(40)))) {
            Map<String, Object> config = Harness.config(kafka, catalogue, state);
            config.put(ConversationConfig.LLM_PROVIDER, "openai");
            config.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
            config.put(ConversationConfig.STREAM_HEARTBEAT_MS, 300L);
            config.put(ConversationConfig.STREAM_MAX_CLIENTS, 1);
            try (ConversationOrchestrator o = Harness.start(config);
                    Server server = new Server(o, config)) {
                assertEquals(
                        404,
                        server.get("/conversations/nope/stream").statusCode(),
                        "an unknown conversation is a 404, as on GET /conversations/{id}");
                assertTrue(server.get("/conversations/nope/stream").body().contains("\"error\""));

                Harness.send(
                        kafka, catalogue, "conv-stream", Harness.request("t", 4, "a", "b").build());
                Wait.until(
                        "the conversation to be known",
                        Duration.ofSeconds(30),
                        () -> o.queries().conversation("conv-stream").isPresent());
                try (SseReader sse =
                        SseReader.open(server.base + "/conversations/conv-stream/stream", null)) {
                    assertEquals(200, sse.status());
                    assertEquals(
                            503,
                            server.get("/conversations/conv-stream/stream").statusCode(),
                            "one stream open, the limit (stream.max.clients)");
                    Wait.until("the stream to end", Duration.ofSeconds(60), sse::closed);

                    List<StoredMessage> stored = o.queries().messages("conv-stream");
                    assertEquals(4, stored.size());
                    assertTokensAddUp(sse.events(), stored, 1);
                    assertTrue(
                            sse.events("token").stream()
                                    .anyMatch(e -> e.data().path("turn_number").asInt() <= 1),
                            "connected early, the client sees the tokens of turn 1 at the latest");
                    assertTrue(
                            sse.comments().contains("keep-alive"),
                            "keep-alive comments: " + sse.comments());
                    List<SseReader.Event> messages = sse.events("message");
                    assertEquals(
                            List.of("0", "1", "2", "3"),
                            messages.stream().map(SseReader.Event::id).toList(),
                            "each message carries its index as the SSE id");
                    assertEquals(
                            "conv-stream", messages.get(0).data().path("conversation_id").asText());
                    assertTrue(
                            sse.events("token").size() >= 3 * 5,
                            "tokens come piece by piece, not one per turn: " + sse.events("token"));
                    SseReader.Event end = sse.events().get(sse.events().size() - 1);
                    assertEquals("end", end.name());
                    assertEquals("COMPLETED", end.data().path("status").asText());
                    assertEquals("max_turns", end.data().path("reason").asText());
                    assertFalse(sse.events("status").isEmpty());
                    assertEquals(
                            "COMPLETED",
                            sse.events("status")
                                    .get(sse.events("status").size() - 1)
                                    .data()
                                    .path("status")
                                    .asText());
                    assertFalse(
                            stored.get(0).usage().estimated(),
                            "the usage of the end of the stream is recorded");
                }
                for (ChatRequest request : fake.chatRequests()) {
                    assertTrue(request.stream(), "turns are streamed from the model");
                    assertTrue(
                            request.body()
                                    .path("stream_options")
                                    .path("include_usage")
                                    .asBoolean(false));
                }

                // A client that reconnects after message 1 gets only the later ones, then the end.
                try (SseReader again =
                        SseReader.open(server.base + "/conversations/conv-stream/stream", "1")) {
                    Wait.until("the second stream to end", Duration.ofSeconds(30), again::closed);
                    assertEquals(
                            List.of("2", "3"),
                            again.events("message").stream().map(SseReader.Event::id).toList());
                    assertEquals("end", again.events().get(again.events().size() - 1).name());
                }
                try (SseReader after =
                        SseReader.open(
                                server.base + "/conversations/conv-stream/stream?after=2", null)) {
                    Wait.until("the third stream to end", Duration.ofSeconds(30), after::closed);
                    assertEquals(
                            List.of("3"),
                            after.events("message").stream().map(SseReader.Event::id).toList());
                }
                assertEquals(
                        400, server.get("/conversations/conv-stream/stream?after=x").statusCode());

                List<ConversationEvent> log =
                        Harness.awaitLog(
                                kafka, catalogue, "conv-stream", ConversationCompleted.class, 1);
                assertEquals(
                        List.of(0, 1, 2, 3),
                        Harness.payloads(log, "conv-stream", MessageAppended.class).stream()
                                .map(MessageAppended::getTurnNumber)
                                .toList(),
                        "streaming is a view: one MessageAppended per turn");
            }
        }
    }

    @Test
    void shouldRedoTheTurnOfAWorkerHaltedMidStreamOnceAndResetItsTokens(TestKafka kafka)
            throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue();
        AtomicInteger calls = new AtomicInteger();
        try (FakeOpenAiServer fake =
                FakeOpenAiServer.start()
                        .respondWith(
                                r -> {
                                    int n = calls.incrementAndGet();
                                    // The third call (turn 2) streams slowly enough for its task
                                    // to be closed in the middle of it.
                                    return n == 3
                                            ? Reply.text(words("Halted", 40))
                                                    .chunksEvery(Duration.ofMillis(200))
                                            : Reply.text(words("Answer " + n, 5))
                                                    .chunksEvery(Duration.ofMillis(10));
                                })) {
            Map<String, Object> config = Harness.config(kafka, catalogue, state);
            config.put(ConversationConfig.LLM_PROVIDER, "openai");
            config.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
            try (ConversationOrchestrator o = Harness.start(config);
                    Server server = new Server(o, config)) {
                Harness.send(
                        kafka,
                        catalogue,
                        "conv-halt",
                        Harness.request("t", 5, "a", "b", "c").build());
                Wait.until(
                        "the conversation to be known",
                        Duration.ofSeconds(30),
                        () -> o.queries().conversation("conv-halt").isPresent());
                try (SseReader sse =
                        SseReader.open(server.base + "/conversations/conv-halt/stream", null)) {
                    Wait.until(
                            "turn 2 to be streaming",
                            Duration.ofSeconds(60),
                            () ->
                                    sse.events("token").stream()
                                                    .filter(
                                                            e ->
                                                                    e.data()
                                                                                    .path(
                                                                                            "turn_number")
                                                                                    .asInt()
                                                                            == 2)
                                                    .count()
                                            >= 3);
                    // The task holding the turn goes away mid-stream (its thread removed: the task
                    // closes and cancels the turn) and comes back on a new thread, which runs the
                    // pending turn again.
                    o.streams().removeStreamThread(Duration.ofSeconds(30));
                    o.streams().addStreamThread();
                    Wait.until("the stream to end", Duration.ofSeconds(90), sse::closed);

                    ConversationState end =
                            Harness.awaitEnd(o, "conv-halt", Duration.ofSeconds(10));
                    assertEquals(Status.COMPLETED, end.status());
                    List<StoredMessage> stored = o.queries().messages("conv-halt");
                    assertEquals(5, stored.size());
                    // Turns 0 and 1 take tens of milliseconds: the client may join after them,
                    // never after turn 2, whose tokens it waited for.
                    assertTokensAddUp(sse.events(), stored, 2);
                    assertTrue(
                            sse.any(
                                    e ->
                                            e.name().equals("turn_reset")
                                                    && e.data().path("turn_number").asInt() == 2),
                            "the halted attempt's tokens are voided: " + sse.events());
                    assertTrue(
                            stored.get(2).content().startsWith("Answer 4"),
                            stored.get(2).content());
                }
                List<ConversationEvent> log =
                        Harness.awaitLog(
                                kafka, catalogue, "conv-halt", ConversationCompleted.class, 1);
                assertEquals(
                        IntStream.range(0, 5).boxed().toList(),
                        Harness.payloads(log, "conv-halt", MessageAppended.class).stream()
                                .map(MessageAppended::getTurnNumber)
                                .toList(),
                        "exactly one MessageAppended per turn, the halted one included");
            }
        }
    }

    /**
     * For each stored message: the tokens of its turn after the turn's last {@code turn_reset},
     * concatenated, are its content; and they came before the message.
     */
    static void assertTokensAddUp(
            List<SseReader.Event> events, List<StoredMessage> stored, int streamedBy) {
        // A client may join after the first turn was stored: it gets that one as a message only.
        int firstStreamed =
                events.stream()
                        .filter(e -> e.name().equals("token"))
                        .mapToInt(e -> e.data().path("turn_number").asInt())
                        .min()
                        .orElse(Integer.MAX_VALUE);
        assertTrue(
                firstStreamed <= streamedBy,
                "the stream had tokens from turn " + streamedBy + " at the latest: " + events);
        for (StoredMessage m : stored) {
            if (!"assistant".equals(m.role()) || m.turnNumber() < firstStreamed) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            boolean sawMessage = false;
            List<String> pieces = new ArrayList<>();
            for (SseReader.Event e : events) {
                JsonNode d = e.data();
                if (d.path("turn_number").asInt(-1) != m.turnNumber()) {
                    continue;
                }
                switch (e.name()) {
                    case "token" -> {
                        assertFalse(
                                sawMessage,
                                "a token of turn " + m.turnNumber() + " after its message");
                        text.append(d.path("text").asText());
                        pieces.add(d.path("text").asText());
                    }
                    case "turn_reset" -> {
                        text.setLength(0);
                        pieces.clear();
                    }
                    case "message" -> sawMessage = true;
                    default -> {}
                }
            }
            assertTrue(sawMessage, "the message of turn " + m.turnNumber() + " was streamed");
            assertEquals(
                    m.content(),
                    text.toString(),
                    "turn "
                            + m.turnNumber()
                            + "'s tokens "
                            + pieces
                            + " add up to its message: "
                            + events);
        }
    }

    /** The orchestrator's routes on a port of their own. */
    static final class Server implements AutoCloseable {
        final Javalin app;
        final String base;
        final HttpClient http = HttpClient.newHttpClient();

        Server(ConversationOrchestrator o, Map<String, Object> config) {
            app = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
            o.registerRoutes(app);
            int port = (Integer) config.get(ConversationConfig.HTTP_PORT);
            app.start("127.0.0.1", port);
            base = "http://127.0.0.1:" + port;
        }

        HttpResponse<String> get(String path) throws Exception {
            return http.send(
                    HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        @Override
        public void close() {
            app.stop();
        }
    }
}
