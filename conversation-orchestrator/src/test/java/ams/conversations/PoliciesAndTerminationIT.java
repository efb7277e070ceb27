package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.Status;
import ams.conversations.statemachine.StoredMessage;
import ams.events.GenerationParameters;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.SpeakerPolicy;
import ams.events.conversation.Termination;
import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import ams.testkit.openai.ChatRequest;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Speaker policies and termination conditions, all on one orchestrator (default provider: the fake
 * OpenAI server, whose answers depend on the topic; conversations that name {@code scripted} use
 * it).
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoliciesAndTerminationIT {

    private TestKafka kafka;
    private TopicCatalogue catalogue;
    private FakeOpenAiServer fake;
    private ConversationOrchestrator orchestrator;

    /**
     * Turns after the first of the topic "visitor" are answered only once the human message is in
     * the log.
     */
    private final CountDownLatch humanSent = new CountDownLatch(1);

    @BeforeAll
    void start(TestKafka kafka, @TempDir Path state) {
        this.kafka = kafka;
        catalogue = kafka.newCatalogue();
        fake = FakeOpenAiServer.start().respondWith(this::answer);
        Map<String, Object> config = Harness.config(kafka, catalogue, state);
        config.put(ConversationConfig.LLM_PROVIDER, "openai");
        config.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
        orchestrator = Harness.start(config);
    }

    @AfterAll
    void stop() {
        orchestrator.close();
        fake.close();
    }

    private Reply answer(ChatRequest request) {
        String system = request.systemPrompt() == null ? "" : request.systemPrompt();
        String last = request.lastUserMessage() == null ? "" : request.lastUserMessage();
        if (system.startsWith("You moderate")) {
            return Reply.text(last.contains("- c (") ? "I pick c" : "I pick a");
        }
        int turn = request.messages().size() - 2;
        if (system.contains("Topic: farewell")) {
            return Reply.text(
                    turn == 2 ? "Time to say GOODBYE to all." : "Still talking, turn " + turn);
        }
        if (system.contains("Topic: visitor") && turn >= 1) {
            // Keeps the conversation from ending (and taking no more messages) before the human has
            // spoken.
            try {
                humanSent.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (system.contains("Topic: relay")) {
            return Reply.text(
                    turn % 2 == 0 ? "Your turn, Carol.\nNEXT: c" : "Back to you.\nNEXT: a");
        }
        if (system.contains("Topic: slow")) {
            return Reply.text("Slowly, turn " + turn).after(Duration.ofMillis(400));
        }
        return Reply.text("Turn " + turn);
    }

    private ConversationRequested.Builder scripted(
            String topic, int turns, String... participants) {
        return Harness.request(topic, turns, participants)
                .setGeneration(GenerationParameters.newBuilder().setProvider("scripted").build());
    }

    private List<String> speakers(String id) {
        return orchestrator.queries().messages(id).stream().map(StoredMessage::agentId).toList();
    }

    @Test
    void shouldPickSeededRandomSpeakersWithoutImmediateRepeatsAndReplayThemIdentically() {
        Harness.send(
                kafka,
                catalogue,
                "random-1",
                scripted("chance", 12, "a", "b", "c")
                        .setSpeakerPolicy(SpeakerPolicy.RANDOM)
                        .setSeed(7L)
                        .build());
        Harness.send(
                kafka,
                catalogue,
                "random-2",
                scripted("chance", 12, "a", "b", "c")
                        .setSpeakerPolicy(SpeakerPolicy.RANDOM)
                        .setSeed(7L)
                        .build());
        Harness.send(
                kafka,
                catalogue,
                "random-3",
                scripted("chance", 12, "a", "b", "c")
                        .setSpeakerPolicy(SpeakerPolicy.RANDOM)
                        .setSeed(8L)
                        .build());

        assertEquals(
                Status.COMPLETED,
                Harness.awaitEnd(orchestrator, "random-1", Duration.ofSeconds(60)).status());
        Harness.awaitEnd(orchestrator, "random-2", Duration.ofSeconds(60));
        Harness.awaitEnd(orchestrator, "random-3", Duration.ofSeconds(60));

        List<String> first = speakers("random-1");
        assertEquals(12, first.size());
        for (int i = 1; i < first.size(); i++) {
            assertNotEquals(
                    first.get(i - 1),
                    first.get(i),
                    "no immediate repeat at turn " + i + ": " + first);
        }
        assertEquals(Set.of("a", "b", "c"), Set.copyOf(first));
        assertEquals(first, speakers("random-2"), "same seed, same speakers");
        assertNotEquals(first, speakers("random-3"), "another seed, other speakers");
    }

    @Test
    void shouldFollowAnExplicitSpeakerOrderCyclically() {
        Harness.send(
                kafka,
                catalogue,
                "explicit",
                scripted("order", 6, "a", "b", "c")
                        .setSpeakerPolicy(SpeakerPolicy.EXPLICIT)
                        .setSpeakerOrder(List.of("c", "a", "a", "b"))
                        .build());

        Harness.awaitEnd(orchestrator, "explicit", Duration.ofSeconds(60));

        assertEquals(List.of("c", "a", "a", "b", "c", "a"), speakers("explicit"));
    }

    @Test
    void shouldLetASpeakerHandTheTurnToTheAgentItNames() {
        Harness.send(
                kafka,
                catalogue,
                "relay",
                Harness.request("relay", 4, "a", "b", "c")
                        .setSpeakerPolicy(SpeakerPolicy.HANDOFF)
                        .build());

        Harness.awaitEnd(orchestrator, "relay", Duration.ofSeconds(60));

        // Round robin would be a, b, c, a: each speaker named the next one instead.
        assertEquals(List.of("a", "c", "a", "c"), speakers("relay"));
        assertTrue(
                fake.chatRequests().stream()
                        .filter(r -> r.systemPrompt() != null)
                        .filter(r -> r.systemPrompt().contains("Topic: relay"))
                        .allMatch(r -> r.systemPrompt().contains("You choose who speaks next")),
                "every speaker is told how to hand over");
    }

    @Test
    void shouldAskTheModelWhoSpeaksNext() {
        Harness.send(
                kafka,
                catalogue,
                "selected",
                Harness.request("moderated", 4, "a", "b", "c")
                        .setSpeakerPolicy(SpeakerPolicy.MODEL_SELECTED)
                        .build());

        Harness.awaitEnd(orchestrator, "selected", Duration.ofSeconds(60));

        // The fake moderator names c whenever c may speak, else a; the last speaker is never
        // offered.
        assertEquals(List.of("c", "a", "c", "a"), speakers("selected"));
        assertTrue(
                orchestrator
                        .queries()
                        .messages("selected")
                        .get(0)
                        .metadataJson()
                        .contains("\"speaker_selected_by\":\"model\""));
    }

    @Test
    void shouldStopWhenAStopPhraseIsSaid() {
        Harness.send(
                kafka,
                catalogue,
                "stop",
                Harness.request("farewell", 10, "a", "b")
                        .setTermination(
                                Termination.newBuilder().setStopPhrases(List.of("goodbye")).build())
                        .build());

        ConversationState end = Harness.awaitEnd(orchestrator, "stop", Duration.ofSeconds(60));

        assertEquals(Status.COMPLETED, end.status());
        assertEquals("stop_phrase", end.reason());
        assertEquals(3, end.turnsDone());
        List<ConversationCompleted> completed =
                Harness.payloads(
                        Harness.awaitLog(kafka, catalogue, "stop", ConversationCompleted.class, 1),
                        "stop",
                        ConversationCompleted.class);
        assertEquals("stop_phrase", completed.get(0).getReason());
    }

    @Test
    void shouldStopWhenATerminationExpressionHoldsAfterATurn() {
        // The model says GOODBYE at turn 2 (three turns done); the expression wants it from b, so
        // turn 2 (by a) goes on, and min_turns(5) then ends it at five turns.
        Harness.send(
                kafka,
                catalogue,
                "expression",
                Harness.request("farewell", 10, "a", "b")
                        .setTermination(
                                Termination.newBuilder()
                                        .setExpression(
                                                "(stop_phrase('goodbye') & speaker('b'))"
                                                        + " | min_turns(5)")
                                        .build())
                        .build());

        ConversationState end =
                Harness.awaitEnd(orchestrator, "expression", Duration.ofSeconds(60));

        assertEquals(Status.COMPLETED, end.status());
        assertEquals(
                "(stop_phrase('goodbye') & speaker('b')) | min_turns(5)",
                end.termination(),
                end.toString());
        assertEquals(5, end.turnsDone());
        assertEquals("condition: min_turns(5)", end.reason());
        List<ConversationCompleted> completed =
                Harness.payloads(
                        Harness.awaitLog(
                                kafka, catalogue, "expression", ConversationCompleted.class, 1),
                        "expression",
                        ConversationCompleted.class);
        assertEquals("condition: min_turns(5)", completed.get(0).getReason());
    }

    @Test
    void shouldStopWhenTheTokenBudgetIsSpent() {
        Harness.send(
                kafka,
                catalogue,
                "budget",
                scripted("budgets", 20, "a", "b")
                        .setTermination(Termination.newBuilder().setTokenBudget(400L).build())
                        .build());

        ConversationState end = Harness.awaitEnd(orchestrator, "budget", Duration.ofSeconds(60));

        assertEquals("token_budget", end.reason());
        assertTrue(end.tokensUsed() >= 400, "used " + end.tokensUsed());
        assertTrue(end.turnsDone() < 20, "stopped early after " + end.turnsDone());
    }

    @Test
    void shouldStopAtTheWallClockTimeout() {
        Harness.send(
                kafka,
                catalogue,
                "timeout",
                Harness.request("slow", 20, "a", "b")
                        .setTermination(Termination.newBuilder().setTimeoutMillis(1000L).build())
                        .build());

        ConversationState end = Harness.awaitEnd(orchestrator, "timeout", Duration.ofSeconds(60));

        assertEquals(Status.COMPLETED, end.status());
        assertEquals("timeout", end.reason());
        assertTrue(end.turnsDone() < 20);
    }

    @Test
    void shouldStopOnCancellationAndIgnoreTheAnswerInFlight() {
        Harness.send(kafka, catalogue, "cancel", Harness.request("slow", 30, "a", "b").build());
        Wait.until(
                "first message",
                Duration.ofSeconds(60),
                () -> !orchestrator.queries().messages("cancel").isEmpty());

        kafka.send(catalogue.conversationEvents(), "cancel", TestEvents.cancelled("cancel"));

        ConversationState end = Harness.awaitEnd(orchestrator, "cancel", Duration.ofSeconds(60));
        assertEquals(Status.CANCELLED, end.status());
        int requestsAtCancel = fake.chatRequests().size();
        Harness.send(
                kafka, catalogue, "after-cancel", Harness.request("quick", 2, "a", "b").build());
        Harness.awaitEnd(orchestrator, "after-cancel", Duration.ofSeconds(60));
        assertTrue(
                orchestrator.queries().messages("cancel").size() <= end.turnsDone(),
                "no message after the cancel");
        assertTrue(
                fake.chatRequests().size() <= requestsAtCancel + 2 + 1,
                "no more turns requested for the cancelled conversation");
        assertTrue(
                Harness.payloads(
                                Harness.readAll(kafka, catalogue),
                                "cancel",
                                ConversationCompleted.class)
                        .isEmpty());
    }

    @Test
    void shouldPutAHumanMessageIntoTheHistoryOfTheNextTurn() {
        Harness.send(kafka, catalogue, "chat", Harness.request("visitor", 4, "a", "b").build());
        try {
            Wait.until(
                    "first message",
                    Duration.ofSeconds(60),
                    () -> !orchestrator.queries().messages("chat").isEmpty());

            orchestrator
                    .commands()
                    .humanMessage("chat", "alice", "What about ordering guarantees?", 1, null);
        } finally {
            humanSent.countDown();
        }

        Harness.awaitEnd(orchestrator, "chat", Duration.ofSeconds(60));
        List<StoredMessage> messages = orchestrator.queries().messages("chat");
        assertEquals(5, messages.size());
        StoredMessage human =
                messages.stream().filter(m -> m.role().equals("user")).findFirst().orElseThrow();
        assertEquals("alice", human.agentId());
        assertFalse(
                fake.chatRequests().stream()
                        .filter(r -> r.allText().contains("alice: What about ordering guarantees?"))
                        .toList()
                        .isEmpty(),
                "a later prompt carries the human message, named");
    }
}
