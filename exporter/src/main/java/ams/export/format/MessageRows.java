package ams.export.format;

import ams.events.MediaRef;
import ams.events.TokenUsage;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The {@code messages} table: the original conversation_history columns (conversation_id, agent_id,
 * message_id, timestamp, role, content, message_type, metadata, session_id) plus turn_number, the
 * model, token usage, the knowledge placed in the prompt, and where in the log the row came from.
 */
public final class MessageRows {

    /**
     * One media object a message references: its hash, type, size and {@code path}, the object's
     * place relative to the media store's directory ({@code <media.dir>/<first 2 hex>/<sha256>}).
     */
    public static final Schema MEDIA =
            SchemaBuilder.record("media_ref")
                    .namespace("ams.export")
                    .fields()
                    .requiredString("sha256")
                    .requiredString("content_type")
                    .requiredLong("size_bytes")
                    .requiredString("path")
                    .endRecord();

    public static final Schema SCHEMA =
            SchemaBuilder.record("message")
                    .namespace("ams.export")
                    .fields()
                    .requiredString("conversation_id")
                    .requiredString("agent_id")
                    .requiredString("message_id")
                    .name("timestamp")
                    .type(
                            LogicalTypes.timestampMillis()
                                    .addToSchema(Schema.create(Schema.Type.LONG)))
                    .noDefault()
                    .requiredString("role")
                    .requiredString("content")
                    .requiredString("message_type")
                    .requiredString("metadata")
                    .optionalString("session_id")
                    .requiredInt("turn_number")
                    .optionalString("model")
                    .optionalInt("prompt_tokens")
                    .optionalInt("completion_tokens")
                    .optionalInt("total_tokens")
                    .optionalBoolean("tokens_estimated")
                    .optionalLong("latency_ms")
                    .name("knowledge_ids")
                    .type()
                    .array()
                    .items()
                    .stringType()
                    .noDefault()
                    .requiredInt("kafka_partition")
                    .requiredLong("kafka_offset")
                    .name("media")
                    .type()
                    .array()
                    .items(MEDIA)
                    .arrayDefault(List.of())
                    .endRecord();

    /** Columns whose values are nearly all distinct: written without a dictionary. */
    public static final java.util.Set<String> DISTINCT_COLUMNS =
            java.util.Set.of("content", "message_id");

    /** Columns of long free text: written without min/max statistics. */
    public static final java.util.Set<String> LONG_TEXT_COLUMNS =
            java.util.Set.of("content", "metadata");

    private MessageRows() {}

    public static GenericRecord of(
            ConversationEvent event, MessageAppended m, int partition, long offset) {
        GenericData.Record row = new GenericData.Record(SCHEMA);
        row.put("conversation_id", event.getConversationId());
        row.put("agent_id", m.getAgentId());
        row.put("message_id", m.getMessageId());
        row.put("timestamp", event.getEnvelope().getOccurredAt().toEpochMilli());
        row.put("role", Roles.original(m.getRole()));
        row.put("content", m.getContent());
        row.put("message_type", m.getMessageType());
        row.put("metadata", m.getMetadataJson());
        row.put("session_id", m.getSessionId());
        row.put("turn_number", m.getTurnNumber());
        row.put("model", m.getModel());
        TokenUsage usage = m.getUsage();
        if (usage != null) {
            row.put("prompt_tokens", usage.getPromptTokens());
            row.put("completion_tokens", usage.getCompletionTokens());
            row.put("total_tokens", usage.getTotalTokens());
            row.put("tokens_estimated", usage.getEstimated());
        }
        row.put("latency_ms", m.getLatencyMillis());
        row.put(
                "knowledge_ids",
                new ArrayList<>(m.getKnowledgeIds() == null ? List.of() : m.getKnowledgeIds()));
        row.put("kafka_partition", partition);
        row.put("kafka_offset", offset);
        List<GenericRecord> media = new ArrayList<>();
        if (m.getMedia() != null) {
            for (MediaRef ref : m.getMedia()) {
                GenericData.Record r = new GenericData.Record(MEDIA);
                r.put("sha256", ref.getSha256());
                r.put("content_type", ref.getContentType());
                r.put("size_bytes", ref.getSizeBytes());
                r.put("path", mediaPath(ref.getSha256()));
                media.add(r);
            }
        }
        row.put("media", media);
        return row;
    }

    /** Where an object lives relative to the media store's directory (as LocalMediaStore). */
    public static String mediaPath(String sha256) {
        return sha256.length() < 2 ? sha256 : sha256.substring(0, 2) + "/" + sha256;
    }
}
