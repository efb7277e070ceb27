package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.Status;
import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records no one can decode, on a topic of its own (other tests read their topic back with a typed
 * consumer).
 */
@ExtendWith(KafkaClusterExtension.class)
class BadInputIT {

    @Test
    void shouldKeepRunningTurnsAfterATombstoneAndUndecodableRecords(
            TestKafka kafka, @TempDir Path state) {
        TopicCatalogue catalogue = kafka.newCatalogue();
        try (ConversationOrchestrator o = Harness.start(Harness.config(kafka, catalogue, state))) {
            // A tombstone decodes to no event at all: it once stopped the turn worker, and no turn
            // ran after it.
            kafka.sendRaw(
                    catalogue.conversationEvents().name(),
                    "tombstone".getBytes(StandardCharsets.UTF_8),
                    null);
            kafka.sendRaw(
                    catalogue.conversationEvents().name(), null, new byte[] {(byte) 0xC3, 0x01, 7});
            kafka.send(
                    catalogue.conversationEvents(),
                    "after-tombstone",
                    TestEvents.conversationRequested("after-tombstone", "bad input", 2, "a", "b"));

            ConversationState end = Harness.awaitEnd(o, "after-tombstone", Duration.ofSeconds(60));

            assertEquals(Status.COMPLETED, end.status());
            assertEquals(2, o.queries().messages("after-tombstone").size());
        }
    }
}
