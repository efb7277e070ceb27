package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.Status;
import ams.conversations.statemachine.StoredMessage;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import ams.events.conversation.TurnSkipped;
import ams.events.topics.TopicCatalogue;
import ams.service.http.ServiceHttp;
import ams.testkit.KafkaClusterExtension;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A person and two agents over the HTTP routes, the scripted provider answering: the orchestrator
 * waits for the person, their message is the turn, both agents answer, and it waits again; a person
 * who does not answer is skipped or ends the conversation.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HumanTurnsIT {

    private TestKafka kafka;
    private TopicCatalogue catalogue;
    private ConversationOrchestrator o;
    private Javalin app;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(TestKafka kafka, @TempDir Path state) {
        this.kafka = kafka;
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

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode conversation(String id) {
        try {
            HttpResponse<String> r =
                    http.send(
                            HttpRequest.newBuilder(URI.create(base + "/conversations/" + id))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Harness.JSON.readTree(r.body()) : null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode awaitConversation(
            String id, String what, java.util.function.Predicate<JsonNode> p) {
        return Wait.untilValue(
                id + ": " + what,
                Duration.ofSeconds(60),
                () -> {
                    JsonNode c = conversation(id);
                    return c != null && p.test(c) ? c : null;
                });
    }

    private void generate(String body) throws Exception {
        HttpResponse<String> r = post("/conversations/generate", body);
        assertEquals(202, r.statusCode(), r.body());
    }

    private void say(String id, String author, String content) throws Exception {
        HttpResponse<String> r =
                post(
                        "/conversations/" + id + "/messages",
                        "{\"author\":\"" + author + "\",\"content\":\"" + content + "\"}");
        assertEquals(202, r.statusCode(), r.body());
    }

    private List<String> speakers(String id) {
        return o.queries().messages(id).stream().map(StoredMessage::agentId).toList();
    }

    @Test
    void shouldWaitForThePersonWhoseMessageIsTheTurnThenLetBothAgentsAnswer() throws Exception {
        generate(
                """
                {"conversation_id":"chat-1","agents":["a","b"],"topic":"tides","num_turns":7,
                 "human_participants":["alice"],"human_turns":{"timeout_ms":600000}}
                """);
        JsonNode waiting =
                awaitConversation(
                        "chat-1",
                        "awaits alice",
                        c -> "alice".equals(c.path("awaiting_human").asText(null)));
        assertEquals("alice", waiting.path("next_speaker").asText());
        assertEquals(600_000, waiting.path("human_turns").path("timeout_ms").asLong());
        assertEquals("end", waiting.path("human_turns").path("on_timeout").asText());
        Thread.sleep(1500); // no agent speaks for the person
        assertEquals(List.of(), speakers("chat-1"), "no agent message while alice is awaited");
        assertEquals(0, conversation("chat-1").path("turns_done").asInt());

        say("chat-1", "alice", "How do tides work?");
        JsonNode again =
                awaitConversation(
                        "chat-1",
                        "both agents answered, alice awaited again",
                        c ->
                                c.path("turns_done").asInt() == 3
                                        && "alice".equals(c.path("awaiting_human").asText(null)));
        assertEquals("RUNNING", again.path("status").asText());
        List<StoredMessage> messages = o.queries().messages("chat-1");
        assertEquals(List.of("alice", "a", "b"), speakers("chat-1"));
        assertEquals(List.of(0, 1, 2), messages.stream().map(StoredMessage::turnNumber).toList());
        assertEquals("user", messages.get(0).role());
        Thread.sleep(1000);
        assertEquals(3, o.queries().messages("chat-1").size(), "and it waits again");

        say("chat-1", "alice", "And the moon?");
        awaitConversation("chat-1", "turn 6 awaited", c -> c.path("turns_done").asInt() == 6);
        say("chat-1", "alice", "Thanks, bye.");
        ConversationState end = Harness.awaitEnd(o, "chat-1", Duration.ofSeconds(60));
        assertEquals(Status.COMPLETED, end.status());
        assertEquals("max_turns", end.reason(), "the person's turns count towards max_turns");
        assertEquals(7, end.turnsDone());
        assertEquals(List.of("alice", "a", "b", "alice", "a", "b", "alice"), speakers("chat-1"));

        List<ConversationEvent> log =
                Harness.awaitLog(kafka, catalogue, "chat-1", ConversationCompleted.class, 1);
        assertEquals(
                List.of("alice", "a", "b", "alice", "a", "b", "alice"),
                Harness.payloads(log, "chat-1", TurnRequested.class).stream()
                        .map(TurnRequested::getSpeakerAgentId)
                        .toList(),
                "the person's turns are requested like any other");
        assertEquals(List.of(), Harness.payloads(log, "chat-1", TurnFailed.class));
        assertEquals(7, o.queries().messages("chat-1").size());
    }

    @Test
    void shouldSkipAPersonWhoDoesNotAnswerInTimeAndGoOnWithTheAgents() throws Exception {
        generate(
                """
                {"conversation_id":"skip-1","agents":["a","b"],"topic":"quiet","num_turns":4,
                 "human_participants":["alice"],
                 "human_turns":{"timeout_ms":1500,"on_timeout":"skip"}}
                """);
        ConversationState end = Harness.awaitEnd(o, "skip-1", Duration.ofSeconds(60));
        assertEquals(Status.COMPLETED, end.status());
        assertEquals("max_turns", end.reason());
        assertEquals(4, end.turnsDone());
        assertEquals(List.of("a", "b"), speakers("skip-1"), "the agents went on without her");
        assertEquals(
                List.of(1, 2),
                o.queries().messages("skip-1").stream().map(StoredMessage::turnNumber).toList());
        List<ConversationEvent> log =
                Harness.awaitLog(kafka, catalogue, "skip-1", ConversationCompleted.class, 1);
        List<TurnSkipped> skipped = Harness.payloads(log, "skip-1", TurnSkipped.class);
        assertEquals(List.of(0, 3), skipped.stream().map(TurnSkipped::getTurnNumber).toList());
        assertTrue(skipped.stream().allMatch(s -> s.getSpeakerAgentId().equals("alice")));
        assertTrue(skipped.get(0).getReason().startsWith("human_timeout: alice"));
    }

    @Test
    void shouldEndTheConversationWhenThePersonDoesNotAnswerAndTheRequestSaysEnd() throws Exception {
        long started = System.nanoTime();
        generate(
                """
                {"conversation_id":"end-1","agents":["a","b"],"topic":"silence","num_turns":4,
                 "human_participants":["alice"],
                 "human_turns":{"timeout_ms":1000,"on_timeout":"end"}}
                """);
        ConversationState end = Harness.awaitEnd(o, "end-1", Duration.ofSeconds(60));
        assertTrue(
                System.nanoTime() - started >= Duration.ofMillis(1000).toNanos(),
                "not before the timeout");
        assertEquals(Status.COMPLETED, end.status());
        assertEquals("human_timeout: alice", end.reason());
        assertEquals(0, end.turnsDone());
        assertEquals(List.of(), speakers("end-1"));
        JsonNode shown = conversation("end-1");
        assertTrue(shown.path("awaiting_human").isNull(), shown.toString());
    }

    @Test
    void shouldRefuseHumanTurnsWithoutPeopleSayingWhatToFix() throws Exception {
        HttpResponse<String> r =
                post(
                        "/conversations/generate",
                        "{\"agents\":[\"a\"],\"topic\":\"t\",\"human_turns\":{}}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("human_participants"), r.body());
    }
}
