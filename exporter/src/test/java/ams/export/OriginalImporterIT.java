package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.agent.AgentCreated;
import ams.events.agent.AgentEvent;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import ams.export.format.ParquetSegmentWriter;
import ams.export.importer.ImportReport;
import ams.export.importer.OriginalImporter;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.parquet.hadoop.ParquetWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Import of the original AMS-DB's templates and Parquet tables, written here in the original's
 * column layout.
 */
@ExtendWith(KafkaClusterExtension.class)
class OriginalImporterIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Schema MICROS =
            LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
    private static final Instant T0 = Instant.parse("2024-01-01T10:00:00.123456Z");

    @Test
    void shouldImportTheOriginalDataOnceAndPublishNothingTheSecondTime(
            TestKafka kafka, @TempDir Path tmp) throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(2);
        Path templates =
                Path.of(OriginalImporterIT.class.getResource("/original-agent-templates").toURI());
        Path agents = writeAgentMatrix(tmp.resolve("agent_matrix.parquet"));
        Path conversations = writeConversationHistory(tmp.resolve("conversation_history.parquet"));
        Path knowledge = writeKnowledgeBase(tmp.resolve("knowledge_base.parquet"));
        OriginalImporter importer = new OriginalImporter(kafka.bootstrapServers(), catalogue);

        assertEquals(
                new ImportReport("templates " + templates, 3, 3, 0),
                importer.importTemplates(templates));
        // expert_coder_001 is also a template: it exists already.
        assertEquals(1, importer.importAgentMatrix(agents).published());
        assertEquals(2, importer.importConversations(conversations).published());
        assertEquals(3, importer.importKnowledge(knowledge).published());

        assertEquals(0, importer.importTemplates(templates).published());
        assertEquals(0, importer.importAgentMatrix(agents).published());
        assertEquals(0, importer.importConversations(conversations).published());
        assertEquals(0, importer.importKnowledge(knowledge).published());

        List<ConsumerRecord<byte[], byte[]>> agentRecords = readAll(kafka, catalogue.agentEvents());
        assertEquals(4, agentRecords.size());
        assertEquals(9, readAll(kafka, catalogue.conversationEvents()).size());
        List<ConsumerRecord<byte[], byte[]>> documents =
                readAll(kafka, catalogue.knowledgeEvents());
        assertEquals(3, documents.size());

        AgentEvent wizard =
                agentRecords.stream()
                        .map(r -> decode(catalogue.agentEvents(), r.value()))
                        .filter(e -> e.getAgentId().equals("wizard_agent_001"))
                        .findFirst()
                        .orElseThrow();
        String original = Files.readString(templates.resolve("wizard_agent_template.json"));
        assertEquals(
                original,
                ((AgentCreated) wizard.getPayload()).getConfigJson(),
                "templates import unchanged");
        AgentEvent fromMatrix =
                agentRecords.stream()
                        .map(r -> decode(catalogue.agentEvents(), r.value()))
                        .filter(e -> e.getAgentId().equals("scientist_001"))
                        .findFirst()
                        .orElseThrow();
        AgentCreated created = (AgentCreated) fromMatrix.getPayload();
        assertEquals(List.of("science", "research"), created.getTags());
        assertEquals(false, created.getActive());
        assertEquals(
                Instant.parse("2024-01-01T10:00:00.123Z"),
                fromMatrix.getEnvelope().getOccurredAt());

        KnowledgeEvent doc = decode(catalogue.knowledgeEvents(), documents.get(0).value());
        assertEquals(
                List.of(0.5f, 0.25f, -1.0f), ((DocumentAdded) doc.getPayload()).getEmbedding());

        // The migration path ends in the datasets: imported conversations are exported whole.
        String prefix = catalogue.conversationEvents().name().replace("conversation-events", "");
        Path root = tmp.resolve("datasets");
        try (Exporter exporter =
                        Exporter.start(
                                new ExporterConfig(
                                        Map.of(
                                                ExporterConfig.BOOTSTRAP_SERVERS,
                                                kafka.bootstrapServers(),
                                                ExporterConfig.TOPIC_PREFIX,
                                                prefix,
                                                ExporterConfig.DATASET_ROOT,
                                                root.toString(),
                                                ExporterConfig.GROUP_ID,
                                                "import-" + System.nanoTime(),
                                                ExporterConfig.ROTATE_INTERVAL_MS,
                                                300L)));
                DuckDb duck = new DuckDb()) {
            Wait.until(
                    "imported conversations exported",
                    TIMEOUT,
                    () ->
                            duck.jsonlRows(root.resolve("jsonl/chat")) == 2
                                    && duck.parquetRows(root, "") == 5);
            ConversationSinkIT.awaitRunning(exporter);
            List<List<Object>> rows =
                    duck.query(
                            "SELECT turn_number, role, content, CAST(\"timestamp\" AS VARCHAR) FROM "
                                    + "read_parquet('"
                                    + DuckDb.glob(root, "messages/*/*.parquet")
                                    + "') WHERE conversation_id = 'c-1' "
                                    + "ORDER BY turn_number");
            assertEquals(
                    List.of(0, "user", "Teach me a spell", "2024-01-01 10:00:00.123+00"),
                    rows.get(0));
            assertEquals(
                    List.of(1, "assistant", "Abracadabra", "2024-01-01 10:00:01.123+00"),
                    rows.get(1));
        }
    }

    private static <V> V decode(Topic<String, V> topic, byte[] bytes) {
        return topic.valueSerde().deserializer().deserialize(topic.name(), bytes);
    }

    /** Every committed record of a topic, read to its end. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(
            TestKafka kafka, Topic<?, ?> topic) {
        Properties props = kafka.consumerProperties("count-" + System.nanoTime());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic.name()).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            return records;
        }
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    private static Path writeAgentMatrix(Path path) throws Exception {
        Schema schema =
                SchemaBuilder.record("agent_matrix")
                        .fields()
                        .requiredString("agent_id")
                        .optionalString("agent_name")
                        .name("created_at")
                        .type(MICROS)
                        .noDefault()
                        .name("updated_at")
                        .type(MICROS)
                        .noDefault()
                        .requiredString("config_json")
                        .optionalString("description")
                        .name("tags")
                        .type()
                        .array()
                        .items()
                        .stringType()
                        .noDefault()
                        .requiredBoolean("is_active")
                        .endRecord();
        write(
                path,
                schema,
                List.of(
                        agent(schema, "expert_coder_001", "Expert", List.of("code"), true),
                        agent(
                                schema,
                                "scientist_001",
                                "Dr. Sarah Chen",
                                List.of("science", "research"),
                                false)));
        return path;
    }

    private static GenericRecord agent(
            Schema schema, String id, String name, List<String> tags, boolean active) {
        GenericData.Record r = new GenericData.Record(schema);
        r.put("agent_id", id);
        r.put("agent_name", name);
        r.put("created_at", micros(T0));
        r.put("updated_at", micros(T0.plusSeconds(60)));
        r.put(
                "config_json",
                "{\"agent_id\":\""
                        + id
                        + "\",\"prompt_config\":{\"agent\":{\"llmSystem\":\"You are "
                        + name
                        + "\"}}}");
        r.put("description", name + " from the original");
        r.put("tags", tags);
        r.put("is_active", active);
        return r;
    }

    private static Path writeConversationHistory(Path path) throws Exception {
        Schema schema =
                SchemaBuilder.record("conversation_history")
                        .fields()
                        .requiredString("conversation_id")
                        .requiredString("agent_id")
                        .requiredString("message_id")
                        .name("timestamp")
                        .type(MICROS)
                        .noDefault()
                        .requiredString("role")
                        .requiredString("content")
                        .requiredString("message_type")
                        .requiredString("metadata")
                        .optionalString("session_id")
                        .endRecord();
        write(
                path,
                schema,
                List.of(
                        message(schema, "c-1", "apprentice", "m-2", 2, "assistant", "It worked"),
                        message(schema, "c-1", "apprentice", "m-0", 0, "user", "Teach me a spell"),
                        message(
                                schema,
                                "c-1",
                                "wizard_agent_001",
                                "m-1",
                                1,
                                "assistant",
                                "Abracadabra"),
                        message(
                                schema,
                                "c-2",
                                "expert_coder_001",
                                "m-3",
                                10,
                                "assistant",
                                "Use an index"),
                        message(
                                schema,
                                "c-2",
                                "wizard_agent_001",
                                "m-4",
                                11,
                                "assistant",
                                "Use magic")));
        return path;
    }

    private static GenericRecord message(
            Schema schema,
            String conversation,
            String agent,
            String id,
            int second,
            String role,
            String content) {
        GenericData.Record r = new GenericData.Record(schema);
        r.put("conversation_id", conversation);
        r.put("agent_id", agent);
        r.put("message_id", id);
        r.put("timestamp", micros(T0.plusSeconds(second)));
        r.put("role", role);
        r.put("content", content);
        r.put("message_type", "text");
        r.put("metadata", "{\"topic\":\"spells\"}");
        r.put("session_id", "s-" + conversation);
        return r;
    }

    private static Path writeKnowledgeBase(Path path) throws Exception {
        Schema schema =
                SchemaBuilder.record("knowledge_base")
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
                        .type(MICROS)
                        .noDefault()
                        .name("embedding")
                        .type()
                        .array()
                        .items()
                        .floatType()
                        .noDefault()
                        .endRecord();
        List<GenericRecord> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            GenericData.Record r = new GenericData.Record(schema);
            r.put("kb_id", "kb-wizard");
            r.put("agent_id", "wizard_agent_001");
            r.put("document_id", "doc-" + i);
            r.put("title", "Spell " + i);
            r.put("content", "How to cast spell " + i);
            r.put("content_type", "text");
            r.put("source", "grimoire");
            r.put("tags", List.of("magic"));
            r.put("metadata", "{}");
            r.put("created_at", micros(T0));
            r.put("embedding", List.of(0.5f, 0.25f, -1.0f));
            rows.add(r);
        }
        write(path, schema, rows);
        return path;
    }

    private static void write(Path path, Schema schema, List<GenericRecord> rows) throws Exception {
        try (ParquetWriter<GenericRecord> writer =
                ParquetSegmentWriter.open(path, schema, "SNAPPY")) {
            for (GenericRecord row : rows) {
                writer.write(row);
            }
        }
        assertTrue(Files.size(path) > 0);
    }
}
