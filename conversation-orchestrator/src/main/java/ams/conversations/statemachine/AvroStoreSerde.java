package ams.conversations.statemachine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The values of this module's state stores as Avro binary ({@link #CONVERSATION_STATE}, {@link
 * #STORED_MESSAGE}) behind one version byte, written and read field by field in schema order (no
 * reflection, no intermediate record): a store value is read on every event of its conversation and
 * written at every commit, and JSON cost the state machine's thread more than the state machine
 * itself. Values written as JSON by earlier versions (they begin with <code>{</code>) are still
 * read, so existing state directories and changelogs restore; they are rewritten as Avro the next
 * time their conversation changes.
 */
final class AvroStoreSerde<T> implements Serde<T> {

    private static final byte VERSION = 1;

    private static final ThreadLocal<BinaryEncoder> ENCODER = new ThreadLocal<>();

    /** Avro schema of a {@link ConversationState} value (after the version byte). */
    static final Schema CONVERSATION_STATE =
            SchemaBuilder.record("ConversationState")
                    .namespace("ams.conversations.store")
                    .fields()
                    .optionalString("conversationId")
                    .optionalString("status")
                    .name("participants")
                    .type()
                    .array()
                    .items()
                    .stringType()
                    .noDefault()
                    .optionalString("topic")
                    .requiredInt("maxTurns")
                    .optionalString("speakerPolicy")
                    .name("speakerOrder")
                    .type()
                    .array()
                    .items()
                    .stringType()
                    .noDefault()
                    .optionalLong("seed")
                    .name("stopPhrases")
                    .type()
                    .array()
                    .items()
                    .stringType()
                    .noDefault()
                    .optionalLong("tokenBudget")
                    .optionalLong("timeoutMillis")
                    .optionalString("sessionId")
                    .name("humanParticipants")
                    .type()
                    .array()
                    .items()
                    .stringType()
                    .noDefault()
                    .optionalString("provider")
                    .optionalString("model")
                    .requiredLong("requestedAt")
                    .requiredLong("updatedAt")
                    .requiredInt("turnsDone")
                    .optionalString("nextSpeaker")
                    .optionalString("lastSpeaker")
                    .requiredLong("tokensUsed")
                    .requiredInt("messageCount")
                    .name("humanMessageIds")
                    .type()
                    .array()
                    .items()
                    .stringType()
                    .noDefault()
                    .optionalString("reason")
                    // Appended later: absent from values written before it (see readState).
                    .optionalString("termination")
                    // Appended later still (human turns): absent from values written before.
                    .optionalLong("humanTurnsTimeoutMillis")
                    .optionalString("humanTurnsOnTimeout")
                    .optionalLong("turnRequestedAt")
                    .endRecord();

    /** Avro schema of a {@link StoredMessage} value (after the version byte). */
    static final Schema STORED_MESSAGE =
            SchemaBuilder.record("StoredMessage")
                    .namespace("ams.conversations.store")
                    .fields()
                    .optionalString("conversationId")
                    .requiredInt("seq")
                    .optionalString("messageId")
                    .requiredInt("turnNumber")
                    .optionalString("agentId")
                    .optionalString("role")
                    .optionalString("content")
                    .optionalString("messageType")
                    .requiredLong("timestamp")
                    .optionalString("model")
                    .name("usage")
                    .type()
                    .optional()
                    .record("Usage")
                    .fields()
                    .requiredInt("promptTokens")
                    .requiredInt("completionTokens")
                    .requiredInt("totalTokens")
                    .requiredBoolean("estimated")
                    .endRecord()
                    .optionalLong("latencyMillis")
                    .name("knowledgeIds")
                    .type()
                    .array()
                    .items()
                    .stringType()
                    .noDefault()
                    .optionalString("metadataJson")
                    .optionalString("sessionId")
                    .endRecord();

    private interface Writer<T> {
        void write(T value, Encoder out) throws IOException;
    }

    private interface Reader<T> {
        T read(Decoder in) throws IOException;
    }

    private final Class<T> type;
    private final Writer<T> writer;
    private final Reader<T> reader;
    private final JsonSerde<T> legacy;

    private AvroStoreSerde(Class<T> type, Writer<T> writer, Reader<T> reader) {
        this.type = type;
        this.writer = writer;
        this.reader = reader;
        this.legacy = new JsonSerde<>(type);
    }

    static AvroStoreSerde<ConversationState> conversationState() {
        return new AvroStoreSerde<>(
                ConversationState.class, AvroStoreSerde::writeState, AvroStoreSerde::readState);
    }

    static AvroStoreSerde<StoredMessage> storedMessage() {
        return new AvroStoreSerde<>(
                StoredMessage.class, AvroStoreSerde::writeMessage, AvroStoreSerde::readMessage);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            bytes.write(VERSION);
            // Buffered: a direct encoder wrote each number and string to the (synchronized) stream
            // on its own, 16 % of the state machine's samples in a replay profile. The encoder and
            // its buffer are kept per thread.
            BinaryEncoder out = EncoderFactory.get().binaryEncoder(bytes, ENCODER.get());
            ENCODER.set(out);
            try {
                writer.write(value, out);
                out.flush();
            } catch (IOException e) {
                throw new SerializationException(
                        "Cannot write " + type.getSimpleName() + " for " + topic, e);
            }
            return bytes.toByteArray();
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        Deserializer<T> json = legacy.deserializer();
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            if (bytes.length > 0 && bytes[0] == '{') {
                return json.deserialize(topic, bytes);
            }
            if (bytes.length == 0 || bytes[0] != VERSION) {
                throw new SerializationException(
                        "Unknown " + type.getSimpleName() + " value format in " + topic);
            }
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, 1, bytes.length - 1, null);
            try {
                return reader.read(in);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException(
                        "Cannot read " + type.getSimpleName() + " from " + topic, e);
            }
        };
    }

    private static void writeState(ConversationState s, Encoder out) throws IOException {
        string(out, s.conversationId());
        string(out, s.status() == null ? null : s.status().name());
        strings(out, s.participants());
        string(out, s.topic());
        out.writeInt(s.maxTurns());
        string(out, s.speakerPolicy());
        strings(out, s.speakerOrder());
        optionalLong(out, s.seed());
        strings(out, s.stopPhrases());
        optionalLong(out, s.tokenBudget());
        optionalLong(out, s.timeoutMillis());
        string(out, s.sessionId());
        strings(out, s.humanParticipants());
        string(out, s.provider());
        string(out, s.model());
        out.writeLong(s.requestedAt());
        out.writeLong(s.updatedAt());
        out.writeInt(s.turnsDone());
        string(out, s.nextSpeaker());
        string(out, s.lastSpeaker());
        out.writeLong(s.tokensUsed());
        out.writeInt(s.messageCount());
        strings(out, s.humanMessageIds());
        string(out, s.reason());
        string(out, s.termination());
        ConversationState.HumanTurnSettings humans = s.humanTurns();
        optionalLong(out, humans == null ? null : humans.timeoutMillis());
        string(out, humans == null ? null : humans.onTimeout());
        optionalLong(out, s.turnRequestedAt());
    }

    private static ConversationState readState(Decoder in) throws IOException {
        String conversationId = string(in);
        String status = string(in);
        List<String> participants = strings(in);
        String topic = string(in);
        int maxTurns = in.readInt();
        String speakerPolicy = string(in);
        List<String> speakerOrder = strings(in);
        Long seed = optionalLong(in);
        List<String> stopPhrases = strings(in);
        Long tokenBudget = optionalLong(in);
        Long timeoutMillis = optionalLong(in);
        String sessionId = string(in);
        List<String> humanParticipants = strings(in);
        String provider = string(in);
        String model = string(in);
        long requestedAt = in.readLong();
        long updatedAt = in.readLong();
        int turnsDone = in.readInt();
        String nextSpeaker = string(in);
        String lastSpeaker = string(in);
        long tokensUsed = in.readLong();
        int messageCount = in.readInt();
        List<String> humanMessageIds = strings(in);
        String reason = string(in);
        // A value written before the field was appended ends here.
        String termination = ended(in) ? null : string(in);
        Long humanTimeout = ended(in) ? null : optionalLong(in);
        String humanOnTimeout = ended(in) ? null : string(in);
        Long turnRequestedAt = ended(in) ? null : optionalLong(in);
        return new ConversationState(
                conversationId,
                status == null ? null : Status.valueOf(status),
                participants,
                topic,
                maxTurns,
                speakerPolicy,
                speakerOrder,
                seed,
                stopPhrases,
                tokenBudget,
                timeoutMillis,
                sessionId,
                humanParticipants,
                provider,
                model,
                requestedAt,
                updatedAt,
                turnsDone,
                nextSpeaker,
                lastSpeaker,
                tokensUsed,
                messageCount,
                humanMessageIds,
                reason,
                termination,
                humanTimeout == null
                        ? null
                        : new ConversationState.HumanTurnSettings(humanTimeout, humanOnTimeout),
                turnRequestedAt == null ? updatedAt : turnRequestedAt);
    }

    /** Whether a value written before the fields appended later ends here. */
    private static boolean ended(Decoder in) throws IOException {
        return in instanceof BinaryDecoder binary && binary.isEnd();
    }

    private static void writeMessage(StoredMessage m, Encoder out) throws IOException {
        string(out, m.conversationId());
        out.writeInt(m.seq());
        string(out, m.messageId());
        out.writeInt(m.turnNumber());
        string(out, m.agentId());
        string(out, m.role());
        string(out, m.content());
        string(out, m.messageType());
        out.writeLong(m.timestamp());
        string(out, m.model());
        StoredMessage.Usage u = m.usage();
        if (u == null) {
            out.writeIndex(0);
            out.writeNull();
        } else {
            out.writeIndex(1);
            out.writeInt(u.promptTokens());
            out.writeInt(u.completionTokens());
            out.writeInt(u.totalTokens());
            out.writeBoolean(u.estimated());
        }
        optionalLong(out, m.latencyMillis());
        strings(out, m.knowledgeIds());
        string(out, m.metadataJson());
        string(out, m.sessionId());
    }

    private static StoredMessage readMessage(Decoder in) throws IOException {
        String conversationId = string(in);
        int seq = in.readInt();
        String messageId = string(in);
        int turnNumber = in.readInt();
        String agentId = string(in);
        String role = string(in);
        String content = string(in);
        String messageType = string(in);
        long timestamp = in.readLong();
        String model = string(in);
        StoredMessage.Usage usage = null;
        if (in.readIndex() == 1) {
            usage =
                    new StoredMessage.Usage(
                            in.readInt(), in.readInt(), in.readInt(), in.readBoolean());
        } else {
            in.readNull();
        }
        Long latencyMillis = optionalLong(in);
        List<String> knowledgeIds = strings(in);
        String metadataJson = string(in);
        String sessionId = string(in);
        return new StoredMessage(
                conversationId,
                seq,
                messageId,
                turnNumber,
                agentId,
                role,
                content,
                messageType,
                timestamp,
                model,
                usage,
                latencyMillis,
                knowledgeIds,
                metadataJson,
                sessionId);
    }

    // SchemaBuilder's optional fields are unions [null, T]: index 0 = null, 1 = the value.

    private static void string(Encoder out, String value) throws IOException {
        if (value == null) {
            out.writeIndex(0);
            out.writeNull();
        } else {
            out.writeIndex(1);
            out.writeString(value);
        }
    }

    private static String string(Decoder in) throws IOException {
        if (in.readIndex() == 0) {
            in.readNull();
            return null;
        }
        return in.readString();
    }

    private static void optionalLong(Encoder out, Long value) throws IOException {
        if (value == null) {
            out.writeIndex(0);
            out.writeNull();
        } else {
            out.writeIndex(1);
            out.writeLong(value);
        }
    }

    private static Long optionalLong(Decoder in) throws IOException {
        if (in.readIndex() == 0) {
            in.readNull();
            return null;
        }
        return in.readLong();
    }

    private static void strings(Encoder out, List<String> values) throws IOException {
        out.writeArrayStart();
        out.setItemCount(values.size());
        for (String v : values) {
            out.startItem();
            out.writeString(v);
        }
        out.writeArrayEnd();
    }

    private static List<String> strings(Decoder in) throws IOException {
        List<String> values = new ArrayList<>();
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
            for (long i = 0; i < n; i++) {
                values.add(in.readString());
            }
        }
        return values;
    }
}
