package ams.export.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.export.AgentRow;
import ams.export.AgentTable;
import ams.export.DocumentRow;
import ams.export.DuckDb;
import ams.export.KnowledgeTable;
import ams.export.format.TableFormat;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotsTest {

    private static final Instant T = Instant.parse("2026-01-02T03:04:05.678Z");

    private final AgentTable agents =
            () ->
                    List.of(
                            new AgentRow(
                                    "wizard_001",
                                    "Wizard",
                                    T,
                                    T.plusSeconds(1),
                                    "{\"agent_id\":\"wizard_001\"}",
                                    "A wizard, \"old\"",
                                    List.of("magic", "fantasy"),
                                    true),
                            new AgentRow("coder_001", "Coder", T, T, "{}", "", List.of(), false));

    private final KnowledgeTable knowledge =
            () ->
                    List.of(
                            new DocumentRow(
                                    "kb-w",
                                    "wizard_001",
                                    "d1",
                                    "Spells",
                                    "Line one,\nline two",
                                    "text",
                                    "grimoire",
                                    List.of("magic"),
                                    "{\"page\":1}",
                                    T,
                                    List.of(0.25f, -0.5f, 1.0f)),
                            new DocumentRow(
                                    "kb-w",
                                    "wizard_001",
                                    "d2",
                                    "No vector",
                                    "x",
                                    "text",
                                    "",
                                    List.of(),
                                    "{}",
                                    T,
                                    null));

    @Test
    void shouldWriteAgentsParquetInTheAgentMatrixSchema(@TempDir Path root) throws Exception {
        Path file = new Snapshots("ZSTD").agentsParquet(agents, root);
        try (DuckDb duck = new DuckDb()) {
            List<List<Object>> rows =
                    duck.query(
                            "SELECT agent_id, agent_name, CAST(created_at AS VARCHAR), len(tags), "
                                    + "tags[2], is_active, description FROM read_parquet('"
                                    + file
                                    + "') ORDER BY agent_id DESC");
            assertEquals(
                    List.of(
                            "wizard_001",
                            "Wizard",
                            "2026-01-02 03:04:05.678+00",
                            2L,
                            "fantasy",
                            true,
                            "A wizard, \"old\""),
                    rows.get(0));
            assertEquals(false, rows.get(1).get(5));
        }
    }

    @Test
    void shouldWriteKnowledgeParquetWithTheEmbeddingAsAListOfFloats(@TempDir Path root)
            throws Exception {
        Path file = new Snapshots("ZSTD").knowledgeParquet(knowledge, root);
        try (DuckDb duck = new DuckDb()) {
            assertEquals(
                    "FLOAT[]",
                    duck.query("SELECT typeof(embedding) FROM read_parquet('" + file + "') LIMIT 1")
                            .get(0)
                            .get(0));
            List<List<Object>> rows =
                    duck.query(
                            "SELECT document_id, len(embedding), embedding[2], content FROM read_parquet('"
                                    + file
                                    + "') ORDER BY document_id");
            assertEquals(List.of("d1", 3L, -0.5f, "Line one,\nline two"), rows.get(0));
            assertEquals(null, rows.get(1).get(1));
        }
    }

    @Test
    void shouldExportTablesAsCsvJsonlAndJson(@TempDir Path root) throws Exception {
        Snapshots snapshots = new Snapshots("ZSTD");
        snapshots.exportKnowledge(knowledge, TableFormat.CSV, root.resolve("knowledge.csv"));
        snapshots.exportAgents(agents, TableFormat.JSONL, root.resolve("agents.jsonl"));
        snapshots.exportAgents(agents, TableFormat.JSON, root.resolve("agents.json"));
        try (DuckDb duck = new DuckDb()) {
            assertEquals(
                    List.of("d1", "Line one,\nline two", "[0.25,-0.5,1.0]"),
                    duck.query(
                                    "SELECT document_id, content, embedding FROM read_csv('"
                                            + root.resolve("knowledge.csv")
                                            + "', header = true) ORDER BY document_id")
                            .get(0));
            assertEquals(
                    List.of("wizard_001", "2026-01-02T03:04:05.678Z", "magic"),
                    duck.query(
                                    "SELECT agent_id, created_at::VARCHAR, tags[1] FROM read_json('"
                                            + root.resolve("agents.jsonl")
                                            + "', format = 'newline_delimited', timestampformat = 'none') WHERE agent_id = 'wizard_001'")
                            .get(0));
            assertEquals(
                    2,
                    duck.count(
                            "SELECT count(*) FROM read_json('"
                                    + root.resolve("agents.json")
                                    + "', format = 'array')"));
        }
    }
}
