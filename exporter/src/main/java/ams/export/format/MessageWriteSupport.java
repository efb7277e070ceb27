package ams.export.format;

import ams.events.MediaRef;
import ams.events.TokenUsage;
import ams.events.conversation.MessageAppended;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Writes {@link MessageRow}s column by column through parquet's {@link RecordConsumer}, without a
 * per-row Avro record: building a {@code GenericData.Record} by field name and walking it again in
 * parquet-avro cost most of the writer's time (measured with JFR). The Parquet schema is the one
 * parquet-avro derives from {@link MessageRows#SCHEMA} (three-level lists), so the files have the
 * same columns and types as before and as the one-shot {@code parquet} export.
 */
public final class MessageWriteSupport extends WriteSupport<MessageRow> {

    /** The Parquet schema of the messages table, three-level lists. */
    public static final MessageType SCHEMA = parquetSchema();

    // Column indexes in SCHEMA, checked against the names when the class loads.
    private static final String[] COLUMNS = {
        "conversation_id",
        "agent_id",
        "message_id",
        "timestamp",
        "role",
        "content",
        "message_type",
        "metadata",
        "session_id",
        "turn_number",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "tokens_estimated",
        "latency_ms",
        "knowledge_ids",
        "kafka_partition",
        "kafka_offset",
        "media"
    };

    static {
        for (int i = 0; i < COLUMNS.length; i++) {
            if (!SCHEMA.getFieldName(i).equals(COLUMNS[i])) {
                throw new IllegalStateException(
                        "messages column " + i + " is " + SCHEMA.getFieldName(i));
            }
        }
    }

    private RecordConsumer out;

    private static MessageType parquetSchema() {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.set(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false");
        return new AvroSchemaConverter(conf).convert(MessageRows.SCHEMA);
    }

    @Override
    @SuppressWarnings("deprecation") // abstract in WriteSupport: must be implemented
    public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
        return context();
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
        return context();
    }

    private static WriteContext context() {
        Map<String, String> footer = new HashMap<>();
        // What parquet-avro put in the footer: an Avro reader of these files still finds the
        // schema.
        footer.put("parquet.avro.schema", MessageRows.SCHEMA.toString());
        return new WriteContext(SCHEMA, footer);
    }

    @Override
    public String getName() {
        return "ams-messages";
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.out = recordConsumer;
    }

    @Override
    public void write(MessageRow row) {
        MessageAppended m = row.message();
        out.startMessage();
        string(0, row.event().getConversationId());
        string(1, m.getAgentId());
        string(2, m.getMessageId());
        longValue(3, row.event().getEnvelope().getOccurredAt().toEpochMilli());
        string(4, Roles.original(m.getRole()));
        string(5, m.getContent());
        string(6, m.getMessageType());
        string(7, m.getMetadataJson());
        string(8, m.getSessionId());
        intValue(9, m.getTurnNumber());
        string(10, m.getModel());
        TokenUsage usage = m.getUsage();
        if (usage != null) {
            intValue(11, usage.getPromptTokens());
            intValue(12, usage.getCompletionTokens());
            intValue(13, usage.getTotalTokens());
            out.startField(COLUMNS[14], 14);
            out.addBoolean(usage.getEstimated());
            out.endField(COLUMNS[14], 14);
        }
        Long latency = m.getLatencyMillis();
        if (latency != null) {
            longValue(15, latency);
        }
        knowledgeIds(m.getKnowledgeIds());
        intValue(17, row.partition());
        longValue(18, row.offset());
        media(m.getMedia());
        out.endMessage();
    }

    /**
     * A three-level list of structs: media { repeated group list { required group element { sha256,
     * content_type, size_bytes, path } } }.
     */
    private void media(List<MediaRef> media) {
        out.startField(COLUMNS[19], 19);
        out.startGroup();
        if (media != null && !media.isEmpty()) {
            out.startField("list", 0);
            for (MediaRef ref : media) {
                out.startGroup();
                out.startField("element", 0);
                out.startGroup();
                field("sha256", 0, ref.getSha256());
                field("content_type", 1, ref.getContentType());
                out.startField("size_bytes", 2);
                out.addLong(ref.getSizeBytes());
                out.endField("size_bytes", 2);
                field("path", 3, MessageRows.mediaPath(ref.getSha256()));
                out.endGroup();
                out.endField("element", 0);
                out.endGroup();
            }
            out.endField("list", 0);
        }
        out.endGroup();
        out.endField(COLUMNS[19], 19);
    }

    private void field(String name, int index, String value) {
        out.startField(name, index);
        out.addBinary(utf8(value));
        out.endField(name, index);
    }

    /** A three-level list: knowledge_ids { repeated group list { required binary element } }. */
    private void knowledgeIds(List<String> ids) {
        out.startField(COLUMNS[16], 16);
        out.startGroup();
        if (ids != null && !ids.isEmpty()) {
            out.startField("list", 0);
            for (String id : ids) {
                out.startGroup();
                out.startField("element", 0);
                out.addBinary(utf8(id));
                out.endField("element", 0);
                out.endGroup();
            }
            out.endField("list", 0);
        }
        out.endGroup();
        out.endField(COLUMNS[16], 16);
    }

    /** A string column; null leaves an optional column empty. */
    private void string(int index, String value) {
        if (value == null) {
            return;
        }
        out.startField(COLUMNS[index], index);
        out.addBinary(utf8(value));
        out.endField(COLUMNS[index], index);
    }

    /**
     * A byte-array binary: {@code Binary.fromString} wraps the bytes in a ByteBuffer, whose
     * comparisons for the statistics showed in the profile.
     */
    private static Binary utf8(String value) {
        return Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8));
    }

    private void intValue(int index, int value) {
        out.startField(COLUMNS[index], index);
        out.addInteger(value);
        out.endField(COLUMNS[index], index);
    }

    private void longValue(int index, long value) {
        out.startField(COLUMNS[index], index);
        out.addLong(value);
        out.endField(COLUMNS[index], index);
    }
}
