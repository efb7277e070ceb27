package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.Status;
import ams.conversations.statemachine.StoredMessage;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.TurnRequested;
import ams.events.topics.TopicCatalogue;
import ams.service.http.ServiceHttp;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripted provider end to end: one conversation in detail, a hundred at once, and the HTTP
 * routes.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoundRobinConversationIT {

    private TestKafka kafka;
    private TopicCatalogue catalogue;
    private ConversationOrchestrator o;
    private Javalin app;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();

    private Path state;

    @BeforeAll
    void start(TestKafka kafka, @TempDir Path state) {
        this.kafka = kafka;
        this.state = state;
        catalogue = kafka.newCatalogue();
        Map<String, Object> config = Harness.config(kafka, catalogue, state);
        o = Harness.start(config);
        app = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        o.registerRoutes(app);
        int port = (Integer) config.get(ConversationConfig.HTTP_PORT);
        app.start("127.0.0.1", port);
        base = "http://127.0.0.1:" + port;
    }

    @AfterAll
    void stop() {
        app.stop();
        o.close();
    }

    @Test
    void shouldRunThreeAgentRoundRobinConversationWithExactlyNTurnsInOrder() {
        kafka.send(
                catalogue.conversationEvents(),
                "conv-1",
                TestEvents.conversationRequested("conv-1", "event sourcing", 7, "a", "b", "c"));

        ConversationState end = Harness.awaitEnd(o, "conv-1", Duration.ofSeconds(60));

        assertEquals(Status.COMPLETED, end.status());
        assertEquals("max_turns", end.reason());
        assertEquals(7, end.turnsDone());
        List<StoredMessage> messages = o.queries().messages("conv-1");
        assertEquals(
                List.of("a", "b", "c", "a", "b", "c", "a"),
                messages.stream().map(StoredMessage::agentId).toList());
        assertEquals(
                IntStream.range(0, 7).boxed().toList(),
                messages.stream().map(StoredMessage::turnNumber).toList());
        assertTrue(
                messages.stream()
                        .allMatch(m -> "scripted".equals(m.model()) && m.usage().estimated()));
        assertTrue(messages.get(0).content().contains("event sourcing"), messages.get(0).content());
        assertEquals(List.of("doc-a-1", "doc-a-2"), messages.get(0).knowledgeIds());

        List<ConversationEvent> log =
                Harness.awaitLog(kafka, catalogue, "conv-1", ConversationCompleted.class, 1);
        assertEquals(
                7,
                Harness.payloads(log, "conv-1", MessageAppended.class).size(),
                "one MessageAppended per turn");
        assertEquals(
                7,
                Harness.payloads(log, "conv-1", TurnRequested.class).size(),
                "one TurnRequested per turn");
        List<ConversationCompleted> completed =
                Harness.payloads(log, "conv-1", ConversationCompleted.class);
        assertEquals(1, completed.size());
        assertEquals(7, completed.get(0).getTurnsCompleted());
    }

    @Test
    void shouldCompleteAHundredConversationsRunningAtOnce() {
        try (KafkaProducer<String, ConversationEvent> producer =
                kafka.producer(catalogue.conversationEvents())) {
            for (int i = 0; i < 100; i++) {
                String id = "many-" + i;
                producer.send(
                        new ProducerRecord<>(
                                catalogue.conversationEvents().name(),
                                id,
                                TestEvents.conversationRequested(
                                        id, "topic " + i, 5, "a", "b", "c")));
            }
        }
        for (int i = 0; i < 100; i++) {
            ConversationState end = Harness.awaitEnd(o, "many-" + i, Duration.ofSeconds(90));
            assertEquals(Status.COMPLETED, end.status(), "many-" + i);
            assertEquals(5, o.queries().messages("many-" + i).size(), "many-" + i);
        }
    }

    @Test
    void shouldRebuildIdenticalStoresFromTheLogWithoutWritingAnything() {
        kafka.send(
                catalogue.conversationEvents(),
                "replay",
                TestEvents.conversationRequested("replay", "replays", 4, "a", "b", "c"));
        ConversationState original = Harness.awaitEnd(o, "replay", Duration.ofSeconds(60));
        int logSize =
                Harness.awaitLog(kafka, catalogue, "replay", ConversationCompleted.class, 1).size();

        Map<String, Object> config = Harness.config(kafka, catalogue, state);
        config.put(
                ConversationConfig.APPLICATION_ID,
                config.get(ConversationConfig.APPLICATION_ID) + "-replay");
        config.put(ConversationConfig.READ_ONLY, true);
        config.put(ConversationConfig.TURNS_ENABLED, false);
        try (ConversationOrchestrator replica = Harness.start(config)) {
            ConversationState replayed =
                    Harness.awaitEnd(replica, "replay", Duration.ofSeconds(60));
            assertEquals(original, replayed);
            assertEquals(o.queries().messages("replay"), replica.queries().messages("replay"));
        }
        assertEquals(
                logSize,
                Harness.readAll(kafka, catalogue).size(),
                "a replay writes nothing to the log");
    }

    @Test
    void shouldServeTheConversationRoutes() throws Exception {
        HttpResponse<String> created =
                post(
                        "/conversations/generate",
                        "{\"agents\":[\"a\",\"b\"],\"topic\":\"http\",\"num_turns\":3,\"speaker_policy\":\"round_robin\",\"seed\":1}");
        assertEquals(202, created.statusCode(), created.body());
        String id = Harness.JSON.readTree(created.body()).path("conversation_id").asText();

        // 404 until the state machine has stored the request: on a loaded machine that takes a
        // moment after the 202.
        JsonNode conversation =
                Wait.untilValue(
                        "completed over HTTP",
                        Duration.ofSeconds(60),
                        () -> {
                            if (get("/conversations/" + id).statusCode() == 404) {
                                return null;
                            }
                            JsonNode n = getJson("/conversations/" + id);
                            return "COMPLETED".equals(n.path("status").asText()) ? n : null;
                        });
        assertEquals(3, conversation.path("turns_done").asInt());
        assertEquals(3, conversation.path("max_turns").asInt());
        assertEquals("http", conversation.path("topic").asText());
        assertEquals("max_turns", conversation.path("reason").asText());

        JsonNode messages = getJson("/conversations/" + id + "/messages").path("messages");
        assertEquals(3, messages.size());
        assertEquals("a", messages.get(0).path("agent_id").asText());
        assertEquals("assistant", messages.get(0).path("role").asText());
        assertEquals("scripted", messages.get(0).path("model").asText());
        assertTrue(messages.get(0).path("usage").path("estimated").asBoolean());
        assertEquals(
                "policy", messages.get(0).path("metadata").path("speaker_selected_by").asText());

        JsonNode ofAgent = getJson("/agents/b/conversations");
        assertTrue(ofAgent.path("conversations").toString().contains(id));

        assertEquals(404, get("/conversations/nope").statusCode());
        assertEquals(
                400,
                post("/conversations/generate", "{\"agents\":[],\"topic\":\"x\"}").statusCode());
        assertEquals(
                400,
                post(
                                "/conversations/generate",
                                "{\"agents\":[\"a\"],\"topic\":\"x\",\"speaker_policy\":\"loud\"}")
                        .statusCode());
        assertEquals(
                400,
                post("/conversations/generate", "{\"agents\":[\"ghost\"],\"topic\":\"x\"}")
                        .statusCode());
        assertEquals(400, post("/conversations/generate", "not json").statusCode());
        assertEquals(
                400,
                post(
                                "/conversations/" + id + "/messages",
                                "{\"author\":\"bob\",\"content\":\"late\"}")
                        .statusCode(),
                "a completed conversation takes no more messages");
        assertEquals(404, post("/conversations/nope/cancel", "").statusCode());
        HttpResponse<String> error = post("/conversations/generate", "{\"agents\":[\"a\"]}");
        assertTrue(
                Harness.JSON.readTree(error.body()).path("error").asText().contains("topic"),
                error.body());
        assertEquals(400, Harness.JSON.readTree(error.body()).path("status").asInt(), error.body());
        HttpResponse<String> unknown = get("/conversations/nope");
        assertEquals(404, Harness.JSON.readTree(unknown.body()).path("status").asInt());
        assertTrue(
                Harness.JSON.readTree(unknown.body()).path("error").asText().contains("nope"),
                unknown.body());
    }

    @Test
    void shouldStartAConversationOnceHoweverOftenItsRequestIsRetried() throws Exception {
        String request =
                "{\"conversation_id\":\"retried\",\"agents\":[\"a\",\"b\"],\"topic\":\"retries\",\"num_turns\":3,"
                        + "\"seed\":7,\"stop_phrases\":[\"never said\"]}";
        // Sent back to back, as a client does whose first answer was lost: the later copies may
        // reach the
        // log before the first is folded, or be answered from the stored conversation.
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> answer = post("/conversations/generate", request);
            assertEquals(202, answer.statusCode(), answer.body());
            assertEquals(
                    "retried",
                    Harness.JSON.readTree(answer.body()).path("conversation_id").asText());
        }
        ConversationState done = Harness.awaitEnd(o, "retried", Duration.ofSeconds(60));
        assertEquals(Status.COMPLETED, done.status());
        HttpResponse<String> late = post("/conversations/generate", request);
        assertEquals(202, late.statusCode(), late.body());
        assertEquals(
                "COMPLETED",
                Harness.JSON.readTree(late.body()).path("status").asText(),
                late.body());

        List<ConversationEvent> log =
                Harness.awaitLog(kafka, catalogue, "retried", ConversationCompleted.class, 1);
        assertEquals(
                List.of(0, 1, 2),
                Harness.payloads(log, "retried", TurnRequested.class).stream()
                        .map(TurnRequested::getTurnNumber)
                        .toList(),
                "each turn requested once");
        assertEquals(3, Harness.payloads(log, "retried", MessageAppended.class).size());
        assertEquals(1, Harness.payloads(log, "retried", ConversationCompleted.class).size());

        HttpResponse<String> other =
                post(
                        "/conversations/generate",
                        request.replace("\"retries\"", "\"something else\""));
        assertEquals(409, other.statusCode(), other.body());
        assertTrue(other.body().contains("topic"), "says which field differs: " + other.body());
    }

    @Test
    void shouldRefuseWronglyTypedFieldsInsteadOfCoercingThem() throws IOException {
        String valid = "{\"agents\":[\"a\"],\"topic\":\"t\",\"num_turns\":1,";
        for (String wrong :
                List.of(
                        "\"temperature\":\"hot\"}",
                        "\"top_p\":\"x\"}",
                        "\"max_tokens\":\"many\"}",
                        "\"max_tokens\":1.5}",
                        "\"seed\":\"abc\"}",
                        "\"model\":5}",
                        "\"conversation_id\":5}",
                        "\"session_id\":[]}",
                        "\"token_budget\":2.5}",
                        "\"provider\":7}",
                        "\"seed\":1}}")) {
            HttpResponse<String> response = post("/conversations/generate", valid + wrong);
            assertEquals(400, response.statusCode(), wrong + " -> " + response.body());
            assertTrue(
                    !Harness.JSON.readTree(response.body()).path("error").asText().isBlank(),
                    response.body());
        }
        for (String wrong :
                List.of(
                        "{\"agents\":[\"a\"],\"topic\":5}",
                        "{\"agents\":[\"a\"],\"topic\":\"t\",\"num_turns\":true}",
                        "{\"agents\":[\"a\"],\"topic\":\"t\",\"num_turns\":1.5}")) {
            assertEquals(400, post("/conversations/generate", wrong).statusCode(), wrong);
        }
    }

    private JsonNode getJson(String path) {
        try {
            HttpResponse<String> response = get(path);
            assertEquals(200, response.statusCode(), response.body());
            return Harness.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
    }

    private HttpResponse<String> post(String path, String body) {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
