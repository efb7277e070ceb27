package ams.export.snapshot;

import ams.export.AgentRow;
import ams.export.AgentTable;
import ams.export.DocumentRow;
import ams.export.KnowledgeTable;
import ams.export.format.AtomicFiles;
import ams.export.format.TableFormat;
import ams.export.format.TableWriter;
import ams.export.sink.SegmentName;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Whole-table snapshots in the original's schemas: {@code agents.parquet} (agent_matrix) and {@code
 * knowledge.parquet} (knowledge_base, the embedding as a list of floats), or any {@link
 * TableFormat} for {@code export table}.
 */
public final class Snapshots {

    private static final Schema TIMESTAMP =
            LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));

    public static final Schema AGENTS =
            SchemaBuilder.record("agent_matrix")
                    .namespace("ams.export")
                    .fields()
                    .requiredString("agent_id")
                    .requiredString("agent_name")
                    .name("created_at")
                    .type(TIMESTAMP)
                    .noDefault()
                    .name("updated_at")
                    .type(TIMESTAMP)
                    .noDefault()
                    .requiredString("config_json")
                    .requiredString("description")
                    .name("tags")
                    .type()
                    .array()
                    .items()
                    .stringType()
                    .noDefault()
                    .requiredBoolean("is_active")
                    .endRecord();

    public static final Schema KNOWLEDGE =
            SchemaBuilder.record("knowledge_base")
                    .namespace("ams.export")
                    .fields()
                    .requiredString("kb_id")
                    .requiredString("agent_id")
                    .requiredString("document_id")
                    .requiredString("title")
                    .requiredString("content")
                    .requiredString("content_type")
                    .requiredString("source")
                    .name("tags")
                    .type()
                    .array()
                    .items()
                    .stringType()
                    .noDefault()
                    .requiredString("metadata")
                    .name("created_at")
                    .type(TIMESTAMP)
                    .noDefault()
                    .name("embedding")
                    .type()
                    .nullable()
                    .array()
                    .items()
                    .floatType()
                    .noDefault()
                    .endRecord();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TableWriter writer;

    public Snapshots(String codec) {
        this.writer = new TableWriter(codec);
    }

    /** Writes {@code <root>/agents.parquet}; returns its path. */
    public Path agentsParquet(AgentTable table, Path root) throws IOException {
        Path target = root.resolve("agents.parquet");
        exportAgents(table, TableFormat.PARQUET, target);
        return target;
    }

    /** Writes {@code <root>/knowledge.parquet}; returns its path. */
    public Path knowledgeParquet(KnowledgeTable table, Path root) throws IOException {
        Path target = root.resolve("knowledge.parquet");
        exportKnowledge(table, TableFormat.PARQUET, target);
        return target;
    }

    /**
     * Writes {@code <root>/snapshot.json}: what the snapshot holds (its files, when it was taken)
     * and how many media objects it bundled and missed; returns its path.
     */
    public Path manifest(Path root, Path agents, Path knowledge, SnapshotMedia.Report media)
            throws IOException {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("created_at", Instant.now().toString());
        manifest.put("agents", root.relativize(agents).toString());
        manifest.put("knowledge", root.relativize(knowledge).toString());
        ObjectNode m = manifest.putObject("media");
        m.put("dir", root.relativize(media.dir()).toString());
        m.put("referenced", media.referenced());
        m.put("bundled", media.bundled());
        m.put("present", media.present());
        m.put("missing", media.missing());
        Path target = root.resolve("snapshot.json");
        Files.createDirectories(root);
        Path temp = root.resolve(".snapshot.json" + SegmentName.IN_PROGRESS);
        Files.writeString(
                temp,
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(manifest) + "\n",
                StandardCharsets.UTF_8);
        AtomicFiles.publish(temp, target);
        return target;
    }

    public void exportAgents(AgentTable table, TableFormat format, Path target) throws IOException {
        List<GenericRecord> rows = new ArrayList<>();
        for (AgentRow a : table.agents()) {
            GenericData.Record r = new GenericData.Record(AGENTS);
            r.put("agent_id", a.agentId());
            r.put("agent_name", a.agentName());
            r.put("created_at", a.createdAt().toEpochMilli());
            r.put("updated_at", a.updatedAt().toEpochMilli());
            r.put("config_json", a.configJson());
            r.put("description", a.description());
            r.put("tags", a.tags());
            r.put("is_active", a.active());
            rows.add(r);
        }
        writer.write(AGENTS, rows, format, target);
    }

    public void exportKnowledge(KnowledgeTable table, TableFormat format, Path target)
            throws IOException {
        List<GenericRecord> rows = new ArrayList<>();
        for (DocumentRow d : table.documents()) {
            GenericData.Record r = new GenericData.Record(KNOWLEDGE);
            r.put("kb_id", d.kbId());
            r.put("agent_id", d.agentId());
            r.put("document_id", d.documentId());
            r.put("title", d.title());
            r.put("content", d.content());
            r.put("content_type", d.contentType());
            r.put("source", d.source());
            r.put("tags", d.tags());
            r.put("metadata", d.metadataJson());
            r.put("created_at", d.createdAt().toEpochMilli());
            r.put("embedding", d.embedding());
            rows.add(r);
        }
        writer.write(KNOWLEDGE, rows, format, target);
    }
}
