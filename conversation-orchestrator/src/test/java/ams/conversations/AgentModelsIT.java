package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.llm.Providers;
import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.Status;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.TurnFailed;
import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.openai.ChatRequest;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-agent models, primary/backup failover and rate limits: the real LangChain4j OpenAI client
 * against two fake OpenAI servers on two ports, on the embedded broker.
 */
@ExtendWith(KafkaClusterExtension.class)
class AgentModelsIT {

    @TempDir Path state;

    /** An agent at config version {@code version} whose largeLanguageModel is {@code llm}. */
    private static AgentProfile agent(String id, long version, String llm) {
        try {
            ObjectNode config = (ObjectNode) Harness.JSON.readTree(TestEvents.minimalConfig(id));
            config.putObject("model_config").set("largeLanguageModel", Harness.JSON.readTree(llm));
            return new AgentProfile(
                    id, id.toUpperCase(java.util.Locale.ROOT), config, true, version);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AgentDirectory directory(AgentProfile... agents) {
        Map<String, AgentProfile> byId = new HashMap<>();
        for (AgentProfile a : agents) {
            byId.put(a.agentId(), a);
        }
        return id -> Optional.ofNullable(byId.get(id));
    }

    private Map<String, Object> config(TestKafka kafka, TopicCatalogue catalogue, String primary) {
        Map<String, Object> c = Harness.config(kafka, catalogue, state);
        c.put(ConversationConfig.LLM_PROVIDER, "openai");
        c.put(ConversationConfig.LLM_BASE_URL, primary);
        c.put(ConversationConfig.LLM_MODEL, "process-default-model");
        c.put(ConversationConfig.LLM_MAX_ATTEMPTS, 2);
        return c;
    }

    private static JsonNode metadata(MessageAppended m) {
        try {
            return Harness.JSON.readTree(m.getMetadataJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void shouldGiveEachAgentItsOwnModelAndRecordWhichOneWroteEachTurn(TestKafka kafka) {
        TopicCatalogue catalogue = kafka.newCatalogue();
        try (FakeOpenAiServer teacher = FakeOpenAiServer.start();
                FakeOpenAiServer student = FakeOpenAiServer.start()) {
            // The teacher names the process's primary endpoint with its own model and settings;
            // the student gives its server inline, as a user mixing providers would.
            AgentProfile a =
                    agent(
                            "a",
                            7,
                            """
                            {"names": ["teacher-model"], "instances": ["primary"],
                             "model_config_template": {"temperature": 0.2, "max_tokens": 64,
                                                       "top_p": 0.5}}""");
            AgentProfile b =
                    agent(
                            "b",
                            3,
                            """
                            {"names": ["student-model"],
                             "instances": [{"provider": "openai", "base_url": "%s"}]}"""
                                    .formatted(student.baseUrl()));
            Map<String, Object> c = config(kafka, catalogue, teacher.baseUrl());
            try (ConversationOrchestrator o =
                    ConversationOrchestrator.start(
                            new ConversationConfig(c), directory(a, b), Harness.knowledge())) {
                Harness.send(
                        kafka,
                        catalogue,
                        "conv-two-models",
                        Harness.request("teaching", 4, "a", "b").build());
                ConversationState end =
                        Harness.awaitEnd(o, "conv-two-models", Duration.ofSeconds(60));
                assertEquals(Status.COMPLETED, end.status(), end.reason());
            }
            List<ChatRequest> toTeacher = teacher.chatRequests();
            List<ChatRequest> toStudent = student.chatRequests();
            assertEquals(2, toTeacher.size());
            assertEquals(2, toStudent.size());
            for (ChatRequest r : toTeacher) {
                assertEquals("teacher-model", r.model());
                assertTrue(r.systemPrompt().contains("You are a."), r.systemPrompt());
                assertEquals(0.2, r.body().path("temperature").asDouble(), 1e-9);
                assertEquals(0.5, r.body().path("top_p").asDouble(), 1e-9);
            }
            for (ChatRequest r : toStudent) {
                assertEquals("student-model", r.model());
                assertTrue(r.systemPrompt().contains("You are b."), r.systemPrompt());
            }

            List<MessageAppended> messages =
                    Harness.payloads(
                            Harness.readAll(kafka, catalogue),
                            "conv-two-models",
                            MessageAppended.class);
            assertEquals(4, messages.size());
            for (MessageAppended m : messages) {
                JsonNode meta = metadata(m);
                boolean isA = m.getAgentId().equals("a");
                assertEquals(isA ? "teacher-model" : "student-model", m.getModel());
                assertEquals(m.getModel(), m.getGeneration().getModel());
                assertEquals("openai", m.getGeneration().getProvider());
                assertEquals("primary", meta.path("model_instance").asText());
                assertEquals(
                        isA ? teacher.baseUrl() : student.baseUrl(),
                        meta.path("model_endpoint").asText());
                assertEquals("agent", meta.path("model_source").asText());
                assertEquals(isA ? 7 : 3, meta.path("agent_config_version").asLong());
                assertTrue(meta.path("failed_over_from").isMissingNode(), meta.toString());
                if (isA) {
                    assertEquals(0.2, m.getGeneration().getTemperature(), 1e-9);
                    assertEquals(64, m.getGeneration().getMaxTokens());
                }
            }
        }
    }

    @Test
    void shouldServeTheTurnFromTheBackupWhenThePrimaryKeepsFailing(TestKafka kafka) {
        TopicCatalogue catalogue = kafka.newCatalogue();
        try (FakeOpenAiServer primary =
                        FakeOpenAiServer.start().respondWith(r -> Reply.serverError());
                FakeOpenAiServer backup = FakeOpenAiServer.start()) {
            AgentProfile c =
                    agent(
                            "c",
                            2,
                            """
                            {"names": ["big-model", "small-model"],
                             "instances": ["primary", "backup"]}""");
            Map<String, Object> cfg = config(kafka, catalogue, primary.baseUrl());
            cfg.put(
                    ConversationConfig.LLM_ENDPOINTS,
                    """
                    {"backup": {"provider": "openai", "base_url": "%s"}}"""
                            .formatted(backup.baseUrl()));
            try (ConversationOrchestrator o =
                    ConversationOrchestrator.start(
                            new ConversationConfig(cfg), directory(c), Harness.knowledge())) {
                Harness.send(
                        kafka,
                        catalogue,
                        "conv-failover",
                        Harness.request("resilience", 2, "c").build());
                ConversationState end =
                        Harness.awaitEnd(o, "conv-failover", Duration.ofSeconds(60));
                assertEquals(Status.COMPLETED, end.status(), end.reason());
            }
            // Two attempts per turn on the primary (llm.max.attempts), then the backup.
            assertEquals(4, primary.chatRequests().size());
            primary.chatRequests().forEach(r -> assertEquals("big-model", r.model()));
            assertEquals(2, backup.chatRequests().size());
            backup.chatRequests().forEach(r -> assertEquals("small-model", r.model()));

            List<ConversationEvent> log = Harness.readAll(kafka, catalogue);
            List<TurnFailed> failures = Harness.payloads(log, "conv-failover", TurnFailed.class);
            assertEquals(4, failures.size());
            failures.forEach(
                    f -> {
                        assertTrue(f.getRetriable(), "a backup follows: " + f);
                        assertTrue(f.getReason().contains("(instance primary)"), f.getReason());
                    });
            List<MessageAppended> messages =
                    Harness.payloads(log, "conv-failover", MessageAppended.class);
            assertEquals(2, messages.size());
            for (MessageAppended m : messages) {
                JsonNode meta = metadata(m);
                assertEquals("small-model", m.getModel());
                assertEquals("backup", meta.path("model_instance").asText());
                assertEquals(backup.baseUrl(), meta.path("model_endpoint").asText());
                assertEquals("primary", meta.path("failed_over_from").path(0).asText());
                assertEquals(3, meta.path("attempts").asInt());
                assertEquals(2, meta.path("agent_config_version").asLong());
            }
        }
    }

    @Test
    void shouldNeverSendMoreRequestsThanTheLimitInAnyWindow(TestKafka kafka) {
        TopicCatalogue catalogue = kafka.newCatalogue();
        long windowMs = 1000;
        int limit = 3;
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            Map<String, Object> cfg = config(kafka, catalogue, server.baseUrl());
            cfg.put(ConversationConfig.LLM_REQUESTS_PER_MINUTE, limit);
            cfg.put(ConversationConfig.LLM_RATE_WINDOW_MS, windowMs);
            Providers providers;
            try (ConversationOrchestrator o = Harness.start(cfg)) {
                providers = o.providers();
                // Three conversations at once: their turns compete for the same server's budget.
                for (String id : List.of("rl-1", "rl-2", "rl-3")) {
                    Harness.send(
                            kafka, catalogue, id, Harness.request("limits", 3, "a", "b").build());
                }
                for (String id : List.of("rl-1", "rl-2", "rl-3")) {
                    assertEquals(
                            Status.COMPLETED,
                            Harness.awaitEnd(o, id, Duration.ofSeconds(90)).status());
                }
                List<Long> arrivals = new ArrayList<>(server.chatRequestNanos());
                arrivals.sort(Long::compare);
                assertEquals(9, arrivals.size());
                // Any limit + 1 requests span at least a window as the server saw them: a call
                // holds its place until a window after it ended, so its late arrival cannot crowd
                // the next window.
                for (int i = 0; i + limit < arrivals.size(); i++) {
                    long spanMs = (arrivals.get(i + limit) - arrivals.get(i)) / 1_000_000;
                    assertTrue(
                            spanMs >= windowMs,
                            "requests " + i + ".." + (i + limit) + " within " + spanMs + " ms");
                }
                Providers.ServerStatus status = providers.status().get(0);
                assertEquals(limit, status.requestsPerWindow());
                assertEquals(9, status.stats().calls());
                assertTrue(status.stats().waits() > 0, status.toString());
                assertTrue(status.stats().waitNanos() > 0, status.toString());
            }
        }
    }

    @Test
    void shouldWaitOutRetryAfterBeforeCallingTheServerAgain(TestKafka kafka) {
        TopicCatalogue catalogue = kafka.newCatalogue();
        try (FakeOpenAiServer server =
                FakeOpenAiServer.start().enqueue(Reply.rateLimited(Duration.ofSeconds(2)))) {
            Map<String, Object> cfg = config(kafka, catalogue, server.baseUrl());
            cfg.put(ConversationConfig.LLM_MAX_ATTEMPTS, 3);
            try (ConversationOrchestrator o = Harness.start(cfg)) {
                Harness.send(
                        kafka, catalogue, "conv-retry-after", Harness.request("t", 1, "a").build());
                assertEquals(
                        Status.COMPLETED,
                        Harness.awaitEnd(o, "conv-retry-after", Duration.ofSeconds(60)).status());
                List<Long> arrivals = server.chatRequestNanos();
                assertEquals(2, arrivals.size());
                long gapMs = (arrivals.get(1) - arrivals.get(0)) / 1_000_000;
                // The turn runner's own backoff is 10-40 ms here: only Retry-After explains 2 s.
                assertTrue(gapMs >= 1900, "second call after " + gapMs + " ms");
                Providers.ServerStatus status = o.providers().status().get(0);
                assertEquals(1, status.stats().retryAfterPauses());
                assertFalse(status.stats().calls() < 2);
            }
        }
    }
}
