package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;

@ExtendWith(KafkaClusterExtension.class)
class ConversationExportIT {

    @Test
    void shouldExportOneConversationOrAllInEveryFormat(TestKafka kafka, @TempDir Path dir) throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(2);
        ConversationSinkIT.sendConversation(kafka, catalogue, "conv-1", 3, true);
        ConversationSinkIT.sendConversation(kafka, catalogue, "conv-2", 2, false);
        ConversationExport export = new ConversationExport(kafka.bootstrapServers(), catalogue.conversationEvents(), "ZSTD");

        assertEquals(1, export.export(Optional.of("conv-1"), TableFormat.JSONL, dir.resolve("one.jsonl")));
        assertEquals(2, export.export(Optional.empty(), TableFormat.JSON, dir.resolve("all.json")));
        assertEquals(2, export.export(Optional.empty(), TableFormat.CSV, dir.resolve("all.csv")));
        assertEquals(2, export.export(Optional.empty(), TableFormat.PARQUET, dir.resolve("all.parquet")));
        assertEquals(1, export.export(Optional.of("conv-1"), TableFormat.MARKDOWN, dir.resolve("one.md")));
        assertThrows(IllegalArgumentException.class,
                () -> export.export(Optional.of("nope"), TableFormat.JSONL, dir.resolve("none.jsonl")));

        try (DuckDb duck = new DuckDb()) {
            assertEquals(List.of(List.of("conv-1", 0L, "a", "conv-1 says 0"), List.of("conv-1", 1L, "b", "conv-1 says 1"),
                            List.of("conv-1", 2L, "a", "conv-1 says 2")),
                    duck.query("SELECT conversation_id, turn_number, agent_id, message FROM read_json('"
                            + dir.resolve("one.jsonl") + "', format = 'newline_delimited') ORDER BY turn_number"));
            assertEquals(List.of(List.of("conv-1", "COMPLETED", 3L), List.of("conv-2", "RUNNING", 2L)),
                    duck.query("SELECT conversation_id, status, len(turns) FROM read_json('" + dir.resolve("all.json")
                            + "', format = 'array') ORDER BY conversation_id"));
            assertEquals(5, duck.count("SELECT count(*) FROM read_csv('" + dir.resolve("all.csv") + "', header = true)"));
            assertEquals(5, duck.count("SELECT count(DISTINCT message_id) FROM read_parquet('" + dir.resolve("all.parquet")
                    + "')"));
        }
        String markdown = Files.readString(dir.resolve("one.md"));
        assertTrue(markdown.startsWith("# Conversation: conv-1\n"), markdown);
        assertTrue(markdown.contains("## b\n"), markdown);
        assertTrue(markdown.contains("conv-1 says 2\n"), markdown);
    }
}
