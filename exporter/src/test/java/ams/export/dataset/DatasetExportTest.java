package ams.export.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.export.DuckDb;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetExportTest {

    /**
     * 40 two-agent conversations, plus a duplicate, a near duplicate, a scripted and a failed one.
     */
    private static Logs log() {
        Logs logs =
                new Logs().agent("a", "Alice", "You are Alice.").agent("b", "Bob", "You are Bob.");
        for (int c = 0; c < 40; c++) {
            conversation(logs, "conv-" + c, c, false, "openai");
        }
        conversation(logs, "copy", 7, false, "openai");
        conversation(logs, "near", 8, true, "openai");
        conversation(logs, "script", 99, false, "scripted");
        logs.requested("broken", "x", "a", "b")
                .say("broken", 0, "a", "never finished")
                .failed("broken");
        return logs;
    }

    /** Turn texts are 45 random words seeded by the conversation's seed and the turn. */
    static String turnText(int seed, int turn) {
        return NearDuplicatesTest.text(new java.util.Random(seed * 100L + turn));
    }

    private static void conversation(
            Logs logs, String id, int seed, boolean paraphrase, String provider) {
        logs.requested(id, "topic " + id, "a", "b");
        for (int t = 0; t < 4; t++) {
            String text = turnText(seed, t);
            logs.say(
                    id,
                    t,
                    t % 2 == 0 ? "a" : "b",
                    paraphrase ? text.replaceFirst(" ", " paraphrased ") : text,
                    ams.events.conversation.MessageRole.ASSISTANT,
                    provider);
        }
        logs.say(id, 4, "a", "   ", ams.events.conversation.MessageRole.ASSISTANT, provider);
        logs.completed(id);
    }

    @Test
    void shouldWriteSplitsCardAndReportThatDuckDbReads(@TempDir Path root) throws Exception {
        Logs logs = log();
        DatasetExport.Options options = DatasetExport.Options.defaults(DatasetFormat.SFT);
        DatasetExport.Result result =
                new DatasetExport().export(logs.conversations(), logs.prompts(), options, root);

        // 40 conversations x 2 agents; copy and near are duplicates, script is scripted.
        assertEquals(80, result.rows());
        for (String split : List.of("train", "validation", "test")) {
            assertTrue(Files.exists(root.resolve("data/" + split + "-00000-of-00001.parquet")));
            assertTrue(Files.exists(root.resolve("jsonl/" + split + "-00000-of-00001.jsonl")));
        }
        try (DuckDb duck = new DuckDb()) {
            String parquet = root.resolve("data/*.parquet").toString();
            String jsonl = root.resolve("jsonl/*.jsonl").toString();
            assertEquals(80, duck.count("SELECT count(*) FROM read_parquet('" + parquet + "')"));
            assertEquals(
                    80,
                    duck.count(
                            "SELECT count(*) FROM read_json('"
                                    + jsonl
                                    + "', format = 'newline_delimited')"));
            // A conversation is never in two splits.
            assertEquals(
                    0,
                    duck.count(
                            "SELECT count(*) FROM (SELECT conversation_id FROM read_parquet('"
                                    + parquet
                                    + "', filename = true) GROUP BY conversation_id"
                                    + " HAVING count(DISTINCT filename) > 1)"));
            // The system prompt first, then user/assistant alternating, ending with assistant.
            List<List<Object>> first =
                    duck.query(
                            "SELECT messages[1].role, messages[1].content, messages[2].role,"
                                    + " messages[2].content, messages[len(messages)].role,"
                                    + " messages[2].name, scripted FROM read_parquet('"
                                    + parquet
                                    + "') WHERE id = 'conv-3/b/0'");
            assertEquals(
                    List.of(
                            List.of(
                                    "system",
                                    "You are Bob.\n\nPrime directive: Help.",
                                    "user",
                                    turnText(3, 0),
                                    "assistant",
                                    "Alice",
                                    false)),
                    first);
            assertEquals(
                    0,
                    duck.count(
                            "SELECT count(*) FROM (SELECT unnest(messages, recursive := true),"
                                    + " generate_subscripts(messages, 1) AS i FROM read_parquet('"
                                    + parquet
                                    + "')) WHERE role <> 'system' AND ((i % 2 = 0) <> (role = 'user'))"));
        }
        JsonNode report = new ObjectMapper().readTree(root.resolve("quality_report.json").toFile());
        assertEquals(80, report.path("rows").asLong());
        assertEquals(4, report.path("duplicates_removed").asLong());
        assertEquals(1, report.path("conversations_by_status").path("FAILED").asLong());
        assertEquals(
                Set.of(
                        "conversation not completed (failed, cancelled, running)=1",
                        "empty turn=43",
                        "repeated-phrase turn=0",
                        "scripted responder output=2",
                        "too few tokens=0",
                        "too many tokens=0",
                        "exact duplicate=2",
                        "near duplicate=2"),
                removed(report));
        assertTrue(report.path("histograms").path("tokens_per_turn_by_role").has("assistant"));
        assertTrue(Files.readString(root.resolve("quality_report.html")).contains("<svg"));
        String card = Files.readString(root.resolve("README.md"));
        assertTrue(card.startsWith("---\n"), card);
        assertTrue(
                card.contains("  - split: validation\n    path: data/validation-*.parquet\n"),
                card);
        assertTrue(
                card.contains(
                        "  - name: messages\n    list:\n    - name: role\n      dtype: string\n"),
                card);
        assertTrue(card.contains("scripted responder"), card);
    }

    private static Set<String> removed(JsonNode report) {
        java.util.Set<String> out = new java.util.HashSet<>();
        report.path("filters")
                .forEach(
                        f -> out.add(f.path("filter").asText() + "=" + f.path("removed").asLong()));
        return out;
    }

    @Test
    void shouldIncludeScriptedOnlyWhenAskedAndLabelIt(@TempDir Path root) throws Exception {
        Logs logs = log();
        DatasetExport.Options d = DatasetExport.Options.defaults(DatasetFormat.SHAREGPT);
        DatasetExport.Options options =
                new DatasetExport.Options(
                        DatasetFormat.SHAREGPT,
                        d.views(),
                        new Splits(1, 0, 0),
                        false,
                        0.8,
                        1,
                        0,
                        0.5,
                        true,
                        false,
                        true,
                        false,
                        "cl100k_base",
                        "ZSTD");
        new DatasetExport().export(logs.conversations(), logs.prompts(), options, root);
        assertFalse(Files.exists(root.resolve("jsonl")));
        try (DuckDb duck = new DuckDb()) {
            String parquet = root.resolve("data/train-00000-of-00001.parquet").toString();
            // Dedup off: 43 conversations x 2 agents, two of them scripted.
            assertEquals(86, duck.count("SELECT count(*) FROM '" + parquet + "'"));
            assertEquals(
                    List.of(List.of("script/a/0", true, "human", "gpt")),
                    duck.query(
                            "SELECT id, scripted, conversations[1]['from'], conversations[2]['from']"
                                    + " FROM '"
                                    + parquet
                                    + "' WHERE scripted AND agent_id = 'a'"));
        }
        String card = Files.readString(root.resolve("README.md"));
        assertTrue(card.contains("- scripted-responder"), card);
        assertTrue(card.contains("not a language model"), card);
    }

    @Test
    void shouldWriteOneInstructionRowPerAssistantTurnWithItsHistory(@TempDir Path root)
            throws Exception {
        Logs logs = log();
        DatasetExport.Options d = DatasetExport.Options.defaults(DatasetFormat.INSTRUCTION);
        DatasetExport.Options options =
                new DatasetExport.Options(
                        DatasetFormat.INSTRUCTION,
                        d.views(),
                        new Splits(1, 0, 0),
                        true,
                        0.8,
                        1,
                        0,
                        0.5,
                        false,
                        false,
                        false,
                        true,
                        "cl100k_base",
                        "ZSTD");
        new DatasetExport().export(logs.conversations(), logs.prompts(), options, root);
        try (DuckDb duck = new DuckDb()) {
            String jsonl = root.resolve("jsonl/train-00000-of-00001.jsonl").toString();
            assertEquals(
                    List.of(
                            List.of("conv-5/a/0/0", "Topic: topic conv-5", 0L),
                            List.of("conv-5/a/0/1", turnText(5, 1), 1L)),
                    duck.query(
                            "SELECT id, instruction, len(history) FROM read_json('"
                                    + jsonl
                                    + "', format = 'newline_delimited') WHERE conversation_id ="
                                    + " 'conv-5' AND agent_id = 'a' ORDER BY id"));
        }
        assertTrue(
                Files.readString(root.resolve("README.md")).contains("path: jsonl/train-*.jsonl"));
    }

    @Test
    void splitsAreDeterministicAndNearTheirFractions() {
        Splits splits = Splits.parse("0.8,0.1,0.1");
        int train = 0;
        for (int i = 0; i < 10_000; i++) {
            String split = splits.of("conversation-" + i);
            assertEquals(split, Splits.parse("0.8,0.1,0.1").of("conversation-" + i));
            train += split.equals("train") ? 1 : 0;
        }
        assertTrue(train > 7_700 && train < 8_300, "train " + train);
        assertEquals(List.of("train"), Splits.parse("1").used());
    }
}
