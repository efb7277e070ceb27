package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.TurnRequested;
import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;

@ExtendWith(KafkaClusterExtension.class)
class RoundRobinConversationIT {

    @TempDir
    Path state;

    @Test
    void shouldRunThreeAgentRoundRobinConversationWithExactlyNTurnsInOrder(TestKafka kafka) {
        TopicCatalogue catalogue = kafka.newCatalogue();
        try (ConversationOrchestrator o = Harness.start(Harness.config(kafka, catalogue, state))) {
            kafka.send(catalogue.conversationEvents(), "conv-1",
                    TestEvents.conversationRequested("conv-1", "event sourcing", 7, "a", "b", "c"));

            ConversationState end = Harness.awaitEnd(o, "conv-1", Duration.ofSeconds(60));

            assertEquals(Status.COMPLETED, end.status());
            assertEquals("max_turns", end.reason());
            assertEquals(7, end.turnsDone());
            List<StoredMessage> messages = o.queries().messages("conv-1");
            assertEquals(List.of("a", "b", "c", "a", "b", "c", "a"), messages.stream().map(StoredMessage::agentId).toList());
            assertEquals(IntStream.range(0, 7).boxed().toList(), messages.stream().map(StoredMessage::turnNumber).toList());
            assertTrue(messages.stream().allMatch(m -> "scripted".equals(m.model()) && m.usage().estimated()));
            assertTrue(messages.get(0).content().contains("event sourcing"), messages.get(0).content());
            assertEquals(List.of("doc-a-1", "doc-a-2"), messages.get(0).knowledgeIds());

            List<ConversationEvent> log = Harness.awaitLog(kafka, catalogue, "conv-1", ConversationCompleted.class, 1);
            assertEquals(7, Harness.payloads(log, "conv-1", MessageAppended.class).size(), "one MessageAppended per turn");
            assertEquals(7, Harness.payloads(log, "conv-1", TurnRequested.class).size(), "one TurnRequested per turn");
            List<ConversationCompleted> completed = Harness.payloads(log, "conv-1", ConversationCompleted.class);
            assertEquals(1, completed.size());
            assertEquals(7, completed.get(0).getTurnsCompleted());
        }
    }
}
