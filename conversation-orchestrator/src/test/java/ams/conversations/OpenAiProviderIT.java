package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.Status;
import ams.conversations.statemachine.StoredMessage;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.TurnFailed;
import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.openai.ChatRequest;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real LangChain4j OpenAI client against testkit's fake OpenAI server, on the embedded broker.
 */
@ExtendWith(KafkaClusterExtension.class)
class OpenAiProviderIT {

    @TempDir Path state;

    private Map<String, Object> config(
            TestKafka kafka, TopicCatalogue catalogue, FakeOpenAiServer fake) {
        Map<String, Object> c = Harness.config(kafka, catalogue, state);
        c.put(ConversationConfig.LLM_PROVIDER, "openai");
        c.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
        c.put(ConversationConfig.LLM_MODEL, "test-model");
        return c;
    }

    @Test
    void shouldSendSystemPromptKnowledgeAndNamedHistoryToTheModel(TestKafka kafka) {
        TopicCatalogue catalogue = kafka.newCatalogue();
        AtomicInteger calls = new AtomicInteger();
        try (FakeOpenAiServer fake =
                        FakeOpenAiServer.start()
                                .respondWith(
                                        r ->
                                                Reply.text(
                                                        "Reply number "
                                                                + calls.getAndIncrement()));
                ConversationOrchestrator o = Harness.start(config(kafka, catalogue, fake))) {
            Harness.send(
                    kafka,
                    catalogue,
                    "conv-ai",
                    Harness.request("stream processing", 3, "a", "b").build());

            ConversationState end = Harness.awaitEnd(o, "conv-ai", Duration.ofSeconds(60));

            assertEquals(Status.COMPLETED, end.status());
            List<ChatRequest> requests = fake.chatRequests();
            assertEquals(3, requests.size());
            ChatRequest third = requests.get(2);
            assertEquals("test-model", third.model());
            String system = third.systemPrompt();
            assertTrue(system.contains("You are a."), system);
            assertTrue(system.contains("Prime directive: Help."), system);
            assertTrue(system.contains("Topic: stream processing"), system);
            assertTrue(
                    system.contains(
                            "[doc-a-1] Notes of a: Kafka keeps events in order per partition."),
                    system);
            List<ChatRequest.Message> messages = third.messages();
            assertEquals(
                    List.of("system", "assistant", "user", "user"),
                    messages.stream().map(ChatRequest.Message::role).toList());
            assertEquals(
                    "Reply number 0",
                    messages.get(1).content(),
                    "a's own earlier turn comes back as its own message");
            assertEquals(
                    "B: Reply number 1", messages.get(2).content(), "other speakers are named");
            assertTrue(
                    messages.get(3).content().contains("It is your turn, A"),
                    messages.get(3).content());

            List<StoredMessage> stored = o.queries().messages("conv-ai");
            assertEquals(
                    List.of("Reply number 0", "Reply number 1", "Reply number 2"),
                    stored.stream().map(StoredMessage::content).toList());
            assertFalse(stored.get(0).usage().estimated(), "the fake reports usage");
            assertEquals(List.of("doc-a-1", "doc-a-2"), stored.get(0).knowledgeIds());
            assertTrue(stored.get(0).latencyMillis() >= 0);
        }
    }

    @Test
    void shouldRetryAfterRateLimitAndThenSucceed(TestKafka kafka) {
        TopicCatalogue catalogue = kafka.newCatalogue();
        try (FakeOpenAiServer fake = FakeOpenAiServer.start().enqueue(Reply.rateLimited());
                ConversationOrchestrator o = Harness.start(config(kafka, catalogue, fake))) {
            Harness.send(
                    kafka, catalogue, "conv-429", Harness.request("retries", 2, "a", "b").build());

            ConversationState end = Harness.awaitEnd(o, "conv-429", Duration.ofSeconds(60));

            assertEquals(Status.COMPLETED, end.status());
            assertEquals(2, end.turnsDone());
            assertEquals(3, fake.chatRequests().size(), "one 429, then two successful turns");
            List<ConversationEvent> log =
                    Harness.awaitLog(
                            kafka,
                            catalogue,
                            "conv-429",
                            ams.events.conversation.ConversationCompleted.class,
                            1);
            List<TurnFailed> failures = Harness.payloads(log, "conv-429", TurnFailed.class);
            assertEquals(1, failures.size());
            assertTrue(failures.get(0).getRetriable());
            assertTrue(failures.get(0).getReason().contains("429"), failures.get(0).getReason());
            assertTrue(
                    o.queries()
                            .messages("conv-429")
                            .get(0)
                            .metadataJson()
                            .contains("\"attempts\":2"));
        }
    }

    @Test
    void shouldFailConversationWhenServerKeepsFailing(TestKafka kafka) {
        TopicCatalogue catalogue = kafka.newCatalogue();
        try (FakeOpenAiServer fake =
                        FakeOpenAiServer.start().respondWith(r -> Reply.serverError());
                ConversationOrchestrator o = Harness.start(config(kafka, catalogue, fake))) {
            Harness.send(
                    kafka, catalogue, "conv-500", Harness.request("doomed", 4, "a", "b").build());

            ConversationState end = Harness.awaitEnd(o, "conv-500", Duration.ofSeconds(60));

            assertEquals(Status.FAILED, end.status());
            assertEquals(0, end.turnsDone());
            assertEquals(3, fake.chatRequests().size(), "llm.max.attempts = 3");
            List<ConversationEvent> log =
                    Harness.awaitLog(kafka, catalogue, "conv-500", ConversationFailed.class, 1);
            List<TurnFailed> failures = Harness.payloads(log, "conv-500", TurnFailed.class);
            assertEquals(
                    List.of(true, true, false),
                    failures.stream().map(TurnFailed::getRetriable).toList());
            List<ConversationFailed> failed =
                    Harness.payloads(log, "conv-500", ConversationFailed.class);
            assertEquals(1, failed.size());
            assertEquals(0, failed.get(0).getFailedTurn());
            assertTrue(end.reason().contains("5xx") || end.reason().contains("500"), end.reason());
        }
    }
}
