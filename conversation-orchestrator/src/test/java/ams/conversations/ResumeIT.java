package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.Status;
import ams.conversations.statemachine.StoredMessage;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.topics.TopicCatalogue;
import ams.service.http.ServiceHttp;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.openai.ChatRequest;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resume through {@code POST /conversations/{id}/resume} on the embedded broker, with the real
 * LangChain4j client against the fake OpenAI server: a conversation that failed because the
 * provider was down continues from its last appended turn, and a resume of a running one runs no
 * turn twice.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResumeIT {

    /** The provider is down for the topic "outage" until the test brings it back. */
    private final AtomicBoolean down = new AtomicBoolean(true);

    /** The last turn of the topic "slow" is answered only once the test has posted its resumes. */
    private final CountDownLatch resumesPosted = new CountDownLatch(1);

    private final HttpClient http = HttpClient.newHttpClient();
    private TestKafka kafka;
    private TopicCatalogue catalogue;
    private FakeOpenAiServer fake;
    private ConversationOrchestrator o;
    private Javalin app;
    private String base;

    @BeforeAll
    void start(TestKafka kafka, @TempDir Path state) {
        this.kafka = kafka;
        catalogue = kafka.newCatalogue();
        fake = FakeOpenAiServer.start().respondWith(this::answer);
        Map<String, Object> config = Harness.config(kafka, catalogue, state);
        config.put(ConversationConfig.LLM_PROVIDER, "openai");
        config.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
        config.put(ConversationConfig.LLM_MODEL, "test-model");
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
        fake.close();
    }

    private Reply answer(ChatRequest request) {
        String system = request.systemPrompt();
        if (system.contains("Topic: outage")) {
            // Two turns work, then every call fails until the provider is back.
            long before =
                    fake.chatRequests().stream()
                            .filter(r -> r.systemPrompt().contains("Topic: outage"))
                            .count();
            return before > 2 && down.get()
                    ? Reply.serverError()
                    : Reply.text("outage reply " + before);
        }
        // Messages: system, one per earlier turn, "your turn". Holding the last turn keeps the
        // conversation
        // RUNNING while the resumes are posted, however slow the machine (else a resume could meet
        // COMPLETED: 409).
        if (system.contains("Topic: slow") && request.messages().size() - 2 >= 2) {
            try {
                resumesPosted.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return Reply.text("slow reply").after(Duration.ofMillis(400));
    }

    @Test
    void shouldContinueAFailedConversationFromItsLastTurnWhenResumed() throws Exception {
        Harness.send(
                kafka, catalogue, "conv-outage", Harness.request("outage", 4, "a", "b").build());
        ConversationState failed = Harness.awaitEnd(o, "conv-outage", Duration.ofSeconds(60));
        assertEquals(Status.FAILED, failed.status(), failed.reason());
        assertEquals(2, failed.turnsDone());
        assertEquals(404, post("/conversations/nope/resume").statusCode());

        down.set(false);
        HttpResponse<String> accepted = post("/conversations/conv-outage/resume");
        assertEquals(202, accepted.statusCode(), accepted.body());
        assertEquals(2, Harness.JSON.readTree(accepted.body()).path("turn").asInt());

        ConversationState end =
                ams.testkit.Wait.untilValue(
                        "conv-outage completed",
                        Duration.ofSeconds(60),
                        () ->
                                o.queries()
                                        .conversation("conv-outage")
                                        .filter(s -> s.status() == Status.COMPLETED)
                                        .orElse(null));
        assertEquals(4, end.turnsDone());
        assertEquals(4, end.maxTurns(), "turnsPlanned stays");
        assertEquals("max_turns", end.reason());
        List<ConversationEvent> log =
                Harness.awaitLog(kafka, catalogue, "conv-outage", ConversationCompleted.class, 1);
        assertEquals(
                List.of(0, 1, 2, 3),
                turnsAppended(log, "conv-outage"),
                "every turn exactly once, none lost");
        assertEquals(1, Harness.payloads(log, "conv-outage", ConversationFailed.class).size());
        assertEquals(
                List.of(0, 1, 2, 3),
                o.queries().messages("conv-outage").stream()
                        .map(StoredMessage::turnNumber)
                        .toList());

        HttpResponse<String> refused = post("/conversations/conv-outage/resume");
        assertEquals(409, refused.statusCode());
        assertTrue(
                refused.body()
                        .contains(
                                "conversation conv-outage is COMPLETED; only FAILED or RUNNING conversations can be resumed"),
                refused.body());
    }

    @Test
    void shouldRunNoTurnTwiceWhenARunningConversationIsResumed() throws Exception {
        Harness.send(kafka, catalogue, "conv-slow", Harness.request("slow", 3, "a", "b").build());
        ams.testkit.Wait.until(
                "conv-slow running",
                Duration.ofSeconds(60),
                () ->
                        o.queries()
                                .conversation("conv-slow")
                                .filter(s -> s.status() == Status.RUNNING)
                                .isPresent());
        try {
            for (int i = 0; i < 3; i++) {
                assertEquals(202, post("/conversations/conv-slow/resume").statusCode());
                Thread.sleep(
                        150); // spreads the resumes over the turns; the last turn waits for them
                // (see answer)
            }
        } finally {
            resumesPosted.countDown();
        }
        ConversationState end = Harness.awaitEnd(o, "conv-slow", Duration.ofSeconds(60));

        assertEquals(Status.COMPLETED, end.status());
        List<ConversationEvent> log =
                Harness.awaitLog(kafka, catalogue, "conv-slow", ConversationCompleted.class, 1);
        assertEquals(List.of(0, 1, 2), turnsAppended(log, "conv-slow"));
        assertEquals(
                3,
                fake.chatRequests().stream()
                        .filter(r -> r.systemPrompt().contains("Topic: slow"))
                        .count(),
                "a re-requested turn that is running or answered is not run again");
    }

    private static List<Integer> turnsAppended(List<ConversationEvent> log, String id) {
        return Harness.payloads(log, id, MessageAppended.class).stream()
                .filter(m -> m.getRole() == MessageRole.ASSISTANT)
                .map(MessageAppended::getTurnNumber)
                .toList();
    }

    private HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
