package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.Status;
import ams.conversations.statemachine.StoredMessage;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaClusterExtension.class)
/**
 * Exactly once across a kill -9 of the orchestrator in the middle of a turn: the turn runs inside
 * the state machine's task, so the process that dies holds the turn, its open transaction and the
 * stores; the next one (same state directory, so the same static member) restores the stores and
 * runs the pending turn again, once.
 */
class OrchestratorCrashIT {

    @TempDir Path state;

    @Test
    void shouldRedoTheTurnOfAnOrchestratorKilledMidTurnExactlyOnce(TestKafka kafka)
            throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue();
        AtomicInteger calls = new AtomicInteger();
        try (FakeOpenAiServer fake =
                FakeOpenAiServer.start()
                        .respondWith(
                                r -> {
                                    int n = calls.incrementAndGet();
                                    // The third call (turn 2) hangs long enough for its process to
                                    // be killed while waiting for it.
                                    return n == 3
                                            ? Reply.text("answer from the killed orchestrator")
                                                    .after(Duration.ofSeconds(8))
                                            : Reply.text("answer " + n);
                                })) {
            Map<String, Object> config = Harness.config(kafka, catalogue, state);
            config.put(ConversationConfig.LLM_PROVIDER, "openai");
            config.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
            Process first = OrchestratorProcess.start(config, state);
            try {
                Harness.send(
                        kafka,
                        catalogue,
                        "conv-crash",
                        Harness.request("crash safety", 5, "a", "b", "c").build());
                Wait.until(
                        "turn 2 to be in flight",
                        Duration.ofSeconds(90),
                        () -> fake.chatRequests().size() >= 3);
            } finally {
                first.destroyForcibly().waitFor(); // SIGKILL: nothing closed, nothing committed
            }
            try (ConversationOrchestrator o = Harness.start(config)) {
                ConversationState end = Harness.awaitEnd(o, "conv-crash", Duration.ofSeconds(60));
                assertEquals(Status.COMPLETED, end.status());
                List<StoredMessage> messages = o.queries().messages("conv-crash");
                assertEquals(
                        IntStream.range(0, 5).boxed().toList(),
                        messages.stream().map(StoredMessage::turnNumber).toList());
                assertEquals(
                        List.of("a", "b", "c", "a", "b"),
                        messages.stream().map(StoredMessage::agentId).toList());
                assertTrue(
                        messages.stream()
                                .noneMatch(m -> m.content().contains("killed orchestrator")));

                List<ConversationEvent> log =
                        Harness.awaitLog(
                                kafka, catalogue, "conv-crash", ConversationCompleted.class, 1);
                List<Integer> turns =
                        Harness.payloads(log, "conv-crash", MessageAppended.class).stream()
                                .map(MessageAppended::getTurnNumber)
                                .toList();
                assertEquals(
                        IntStream.range(0, 5).boxed().toList(),
                        turns,
                        "no duplicate and no missing turn on the topic");
                assertEquals(
                        6,
                        fake.chatRequests().size(),
                        "five turns plus the one lost with the killed orchestrator");
            }
        }
    }
}
