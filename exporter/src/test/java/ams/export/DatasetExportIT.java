package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.events.topics.TopicCatalogue;
import ams.export.dataset.DatasetExport;
import ams.export.dataset.DatasetFormat;
import ams.export.dataset.SpeakerViews;
import ams.export.dataset.Splits;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The training export from a real log: agent-events for the prompts, conversation-events. */
@ExtendWith(KafkaClusterExtension.class)
class DatasetExportIT {

    @Test
    void shouldReadBothTopicsAndGiveEachTurnThePromptOfItsTime(TestKafka kafka, @TempDir Path root)
            throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(2);
        kafka.send(catalogue.agentEvents(), "a", TestEvents.agentCreated("a", "Alice"));
        kafka.send(catalogue.agentEvents(), "b", TestEvents.agentCreated("b", "Bob"));
        ConversationSinkIT.sendConversation(kafka, catalogue, "conv-1", 4, true);
        Thread.sleep(20); // the prompt change must be later than conv-1's turns
        kafka.send(
                catalogue.agentEvents(), "a", TestEvents.promptSet("a", "llmSystem", "Changed."));
        ConversationSinkIT.sendConversation(kafka, catalogue, "conv-2", 2, true);
        ConversationSinkIT.sendConversation(kafka, catalogue, "conv-3", 2, false);

        DatasetExport.Options d = DatasetExport.Options.defaults(DatasetFormat.SFT);
        DatasetExport.Options options =
                new DatasetExport.Options(
                        DatasetFormat.SFT,
                        new SpeakerViews.Options(Set.of("a"), true, 0),
                        new Splits(1, 0, 0),
                        true,
                        0.8,
                        1,
                        0,
                        0.5,
                        true, // TestEvents messages are scripted
                        false,
                        true,
                        false,
                        "cl100k_base",
                        "ZSTD");
        DatasetExport.Result result =
                new DatasetExport().fromLog(kafka.bootstrapServers(), catalogue, options, root);

        assertEquals(2, result.rows()); // conv-3 is still running; only agent a's views
        try (DuckDb duck = new DuckDb()) {
            assertEquals(
                    List.of(
                            List.of("conv-1", "You are a.\n\nPrime directive: Help.", 4, true),
                            List.of("conv-2", "Changed.\n\nPrime directive: Help.", 2, true)),
                    duck.query(
                            "SELECT conversation_id, messages[1].content, num_turns, scripted"
                                    + " FROM '"
                                    + root.resolve("data/train-00000-of-00001.parquet")
                                    + "' ORDER BY 1"));
        }
    }
}
