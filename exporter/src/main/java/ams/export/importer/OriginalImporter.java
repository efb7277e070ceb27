package ams.export.importer;

import ams.events.Envelope;
import ams.events.GenerationParameters;
import ams.events.agent.AgentCreated;
import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.conversation.SpeakerPolicy;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.DocumentUpdated;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the original AMS-DB's data as events: agent JSON templates and the agent_matrix tables
 * as AgentCreated, conversation_history as ConversationRequested + MessageAppended +
 * ConversationCompleted per conversation, knowledge_base as DocumentAdded. Idempotent: event ids
 * are derived from the original ids, and an entity the topic already has is skipped, so importing
 * twice publishes nothing new. Each step is one Kafka transaction: a failed import leaves nothing
 * half-published (consumers read committed).
 */
public final class OriginalImporter {

    private static final Logger log = LoggerFactory.getLogger(OriginalImporter.class);
    public static final String SOURCE = "importer";

    private final String bootstrapServers;
    private final TopicCatalogue catalogue;
    private final ObjectMapper mapper = new ObjectMapper();

    public OriginalImporter(String bootstrapServers, TopicCatalogue catalogue) {
        this.bootstrapServers = bootstrapServers;
        this.catalogue = catalogue;
    }

    /** Every {@code *.json} agent template in a directory, as the original's AgentConfig files. */
    public ImportReport importTemplates(Path directory) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files =
                    list.filter(p -> p.getFileName().toString().endsWith(".json"))
                            .sorted()
                            .toList();
        }
        Set<String> existing = existingAgents();
        List<AgentEvent> events = new ArrayList<>();
        for (Path file : files) {
            String json = Files.readString(file, StandardCharsets.UTF_8);
            JsonNode config = mapper.readTree(json);
            String agentId = config.path("agent_id").asText("");
            if (agentId.isBlank()) {
                agentId = file.getFileName().toString().replaceFirst("\\.json$", "");
            }
            if (existing.add(agentId)) {
                events.add(
                        agentCreated(
                                agentId,
                                agentId,
                                "Imported from " + file.getFileName(),
                                List.of("imported"),
                                json,
                                true,
                                Instant.ofEpochMilli(Files.getLastModifiedTime(file).toMillis())));
            }
        }
        publish(catalogue.agentEvents(), events, AgentEvent::getAgentId);
        return report("templates " + directory, files.size(), events.size());
    }

    /** The original's agent_matrix table. */
    public ImportReport importAgentMatrix(Path parquet) throws IOException {
        Set<String> existing = existingAgents();
        List<AgentEvent> events = new ArrayList<>();
        int read = 0;
        for (GenericRecord record : read(parquet)) {
            read++;
            Columns row = new Columns(record);
            String agentId = row.requiredString("agent_id");
            if (existing.add(agentId)) {
                events.add(
                        agentCreated(
                                agentId,
                                row.string("agent_name", agentId),
                                row.string("description", ""),
                                row.strings("tags"),
                                row.string("config_json", "{\"agent_id\":\"" + agentId + "\"}"),
                                row.bool("is_active", true),
                                row.instant("created_at", Instant.EPOCH)));
            }
        }
        publish(catalogue.agentEvents(), events, AgentEvent::getAgentId);
        return report("agent_matrix " + parquet, read, events.size());
    }

    /**
     * The original's conversation_history table: one conversation per conversation_id, in timestamp
     * order.
     */
    public ImportReport importConversations(Path parquet) throws IOException {
        Map<String, List<Columns>> conversations = new LinkedHashMap<>();
        for (GenericRecord record : read(parquet)) {
            Columns row = new Columns(record);
            conversations
                    .computeIfAbsent(row.requiredString("conversation_id"), k -> new ArrayList<>())
                    .add(row);
        }
        Set<String> existing =
                ExistingKeys.scan(
                        bootstrapServers,
                        catalogue.conversationEvents(),
                        ConversationEvent::getConversationId);
        List<ConversationEvent> events = new ArrayList<>();
        int published = 0;
        for (Map.Entry<String, List<Columns>> entry : conversations.entrySet()) {
            if (existing.contains(entry.getKey())) {
                continue;
            }
            events.addAll(conversation(entry.getKey(), entry.getValue()));
            published++;
        }
        publish(catalogue.conversationEvents(), events, ConversationEvent::getConversationId);
        return report("conversation_history " + parquet, conversations.size(), published);
    }

    /** The original's knowledge_base table, embeddings included. */
    public ImportReport importKnowledge(Path parquet) throws IOException {
        Set<String> existing =
                ExistingKeys.scan(
                        bootstrapServers,
                        catalogue.knowledgeEvents(),
                        e -> {
                            if (e.getPayload() instanceof DocumentAdded d) {
                                return e.getAgentId() + "/" + d.getDocumentId();
                            }
                            return e.getPayload() instanceof DocumentUpdated d
                                    ? e.getAgentId() + "/" + d.getDocumentId()
                                    : null;
                        });
        List<KnowledgeEvent> events = new ArrayList<>();
        int read = 0;
        for (GenericRecord record : read(parquet)) {
            read++;
            Columns row = new Columns(record);
            String agentId = row.requiredString("agent_id");
            String documentId = row.requiredString("document_id");
            if (!existing.add(agentId + "/" + documentId)) {
                continue;
            }
            Instant created = row.instant("created_at", Instant.EPOCH);
            DocumentAdded added =
                    DocumentAdded.newBuilder()
                            .setKbId(row.string("kb_id", "kb-" + agentId))
                            .setDocumentId(documentId)
                            .setTitle(row.string("title", ""))
                            .setContent(row.string("content", ""))
                            .setContentType(row.string("content_type", "text"))
                            .setSource(row.string("source", ""))
                            .setTags(row.strings("tags"))
                            .setMetadataJson(row.string("metadata", "{}"))
                            .setCreatedAt(created)
                            .setEmbedding(row.floats("embedding"))
                            .build();
            events.add(
                    KnowledgeEvent.newBuilder()
                            .setEnvelope(
                                    envelope("document/" + agentId + "/" + documentId, created))
                            .setAgentId(agentId)
                            .setPayload(added)
                            .build());
        }
        publish(catalogue.knowledgeEvents(), events, KnowledgeEvent::getAgentId);
        return report("knowledge_base " + parquet, read, events.size());
    }

    private List<ConversationEvent> conversation(String conversationId, List<Columns> rows) {
        List<Columns> ordered = new ArrayList<>(rows);
        ordered.sort(
                (a, b) ->
                        a.instant("timestamp", Instant.EPOCH)
                                .compareTo(b.instant("timestamp", Instant.EPOCH)));
        Set<String> participants = new LinkedHashSet<>();
        for (Columns row : ordered) {
            if (MessageRole.ASSISTANT == role(row.string("role", "assistant"))) {
                participants.add(row.requiredString("agent_id"));
            }
        }
        Instant first = ordered.get(0).instant("timestamp", Instant.EPOCH);
        Instant last = ordered.get(ordered.size() - 1).instant("timestamp", Instant.EPOCH);
        String sessionId = ordered.get(0).string("session_id", null);
        List<ConversationEvent> events = new ArrayList<>();
        events.add(
                conversationEvent(
                        conversationId,
                        "requested",
                        first,
                        ConversationRequested.newBuilder()
                                .setParticipants(new ArrayList<>(participants))
                                .setTopic(topicOf(ordered.get(0)))
                                .setMaxTurns(ordered.size())
                                .setSpeakerPolicy(SpeakerPolicy.ROUND_ROBIN)
                                .setGeneration(GenerationParameters.newBuilder().build())
                                .setSessionId(sessionId)
                                .build()));
        for (int i = 0; i < ordered.size(); i++) {
            Columns row = ordered.get(i);
            Integer turn = row.integer("turn_number");
            String messageId = row.string("message_id", conversationId + "-" + i);
            events.add(
                    conversationEvent(
                            conversationId,
                            "message/" + messageId,
                            row.instant("timestamp", first),
                            MessageAppended.newBuilder()
                                    .setTurnNumber(turn == null ? i : turn)
                                    .setMessageId(messageId)
                                    .setAgentId(row.requiredString("agent_id"))
                                    .setRole(role(row.string("role", "assistant")))
                                    .setContent(row.string("content", ""))
                                    .setMessageType(row.string("message_type", "text"))
                                    .setMetadataJson(row.string("metadata", "{}"))
                                    .setSessionId(row.string("session_id", null))
                                    .setKnowledgeIds(List.of())
                                    .build()));
        }
        events.add(
                conversationEvent(
                        conversationId,
                        "completed",
                        last,
                        ConversationCompleted.newBuilder()
                                .setTurnsCompleted(ordered.size())
                                .setReason("imported")
                                .build()));
        return events;
    }

    private String topicOf(Columns row) {
        try {
            JsonNode metadata = mapper.readTree(row.string("metadata", "{}"));
            String topic = metadata.path("topic").asText("");
            return topic.isBlank() ? "imported from AMS-DB" : topic;
        } catch (IOException e) {
            return "imported from AMS-DB";
        }
    }

    private static MessageRole role(String role) {
        return switch (role.toLowerCase(Locale.ROOT)) {
            case "user", "human" -> MessageRole.USER;
            case "system" -> MessageRole.SYSTEM;
            default -> MessageRole.ASSISTANT;
        };
    }

    private ConversationEvent conversationEvent(
            String conversationId, String what, Instant at, Object payload) {
        return ConversationEvent.newBuilder()
                .setEnvelope(envelope("conversation/" + conversationId + "/" + what, at))
                .setConversationId(conversationId)
                .setPayload(payload)
                .build();
    }

    private AgentEvent agentCreated(
            String agentId,
            String name,
            String description,
            List<String> tags,
            String configJson,
            boolean active,
            Instant at) {
        return AgentEvent.newBuilder()
                .setEnvelope(envelope("agent/" + agentId, at))
                .setAgentId(agentId)
                .setPayload(
                        AgentCreated.newBuilder()
                                .setAgentName(name)
                                .setDescription(description)
                                .setTags(tags)
                                .setConfigJson(configJson)
                                .setActive(active)
                                .build())
                .build();
    }

    /**
     * The event id is derived from what is imported, so a re-import of the same thing has the same
     * id.
     */
    private static Envelope envelope(String identity, Instant at) {
        return Envelope.newBuilder()
                .setEventId(
                        UUID.nameUUIDFromBytes(
                                ("ams-import/" + identity).getBytes(StandardCharsets.UTF_8)))
                .setOccurredAt(at)
                .setSource(SOURCE)
                .setCorrelationId("import")
                .build();
    }

    private Set<String> existingAgents() {
        return ExistingKeys.scan(
                bootstrapServers,
                catalogue.agentEvents(),
                e -> e.getPayload() instanceof AgentCreated ? e.getAgentId() : null);
    }

    // In a transaction a failed send fails commitTransaction: the future has nothing more to say.
    @SuppressWarnings("FutureReturnValueIgnored")
    private <V> void publish(
            Topic<String, V> topic, List<V> events, java.util.function.Function<V, String> keyOf) {
        if (events.isEmpty()) {
            return;
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ams-importer-" + topic.name());
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_000);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            try {
                for (V event : events) {
                    String key = keyOf.apply(event);
                    producer.send(
                            new ProducerRecord<>(
                                    topic.name(),
                                    topic.keySerde().serializer().serialize(topic.name(), key),
                                    topic.valueSerde()
                                            .serializer()
                                            .serialize(topic.name(), event)));
                }
                producer.commitTransaction();
            } catch (RuntimeException e) {
                producer.abortTransaction();
                throw e;
            }
        }
        log.info("Imported {} events to {}", events.size(), topic.name());
    }

    private static ImportReport report(String source, int read, int published) {
        return new ImportReport(source, read, published, read - published);
    }

    private static List<GenericRecord> read(Path parquet) throws IOException {
        List<GenericRecord> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader =
                AvroParquetReader.<GenericRecord>builder(
                                new LocalInputFile(parquet), new PlainParquetConfiguration())
                        .build()) {
            for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                rows.add(r);
            }
        }
        return rows;
    }
}
