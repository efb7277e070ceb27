package ams.export.format;

import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * Reads a turn line's fields straight out of a {@code MessageAppended}'s single-object bytes: each
 * text is a {@link Utf8Turns.Text} slice of the record's value, so nothing is copied or allocated
 * per string. In the JSONL profile (2026-12-05) the decoding thread was the critical path, and
 * Avro's {@code Utf8} and array per string, its record objects, boxed numbers and byte-by-byte
 * {@code DirectBinaryDecoder} were most of its samples.
 *
 * <p>Only the common case is read here: a {@code MessageAppended} written with the current schema,
 * without media, every length, union branch, enum symbol and varint in range, the event id a
 * canonical UUID, no byte left over. Any other event of the current schema (one record in eleven in
 * the benchmark; it gives no line) is walked by its schema with the same checks, so that it is
 * known to decode without Avro decoding it: that fall-back was a third of the decoding thread's
 * samples, half of them Avro's {@code ThreadLocal} lookup per call. Anything else ({@link #read}
 * returns null) goes through {@link ams.events.serde.Utf8Decoder}, which decodes it or fails with
 * the dead letter's reason. So this reader accepts a subset of what Avro accepts, never more, and
 * gives the same values for it ({@code TurnBytesTest}). It is written for the layout {@link
 * #LAYOUT} describes; if the schema changes, it reads nothing until it is updated.
 */
public final class TurnBytes {

    /** The layout this reader walks, as {@link #describe} prints the current schema. */
    static final String LAYOUT =
            "{envelope:{eventId:string,occurredAt:long,source:string,correlationId:[null|string],"
                    + "causationId:[null|string]},conversationId:string,payload:[...]}"
                    + " MessageAppended{turnNumber:int,messageId:string,agentId:string,role:enum3,"
                    + "content:string,messageType:string,metadataJson:string,"
                    + "sessionId:[null|string],model:[null|string],generation:[null|{provider:"
                    + "[null|string],model:[null|string],temperature:[null|double],topP:"
                    + "[null|double],maxTokens:[null|int]}],usage:[null|{promptTokens:int,"
                    + "completionTokens:int,totalTokens:int,estimated:boolean}],latencyMillis:"
                    + "[null|long],knowledgeIds:array<string>,media:array<{sha256:string,"
                    + "contentType:string,sizeBytes:long}>}";

    /**
     * Thrown (without a stack) when the bytes leave the common case; the caller falls back. One
     * shared instance: it never leaves {@link #read}, and a new one per rare record is not needed.
     */
    @SuppressWarnings("StaticAssignmentOfThrowable")
    private static final RuntimeException NOT_COMMON =
            new RuntimeException("not the common case", null, false, false) {
                private static final long serialVersionUID = 1L;
            };

    private final boolean enabled;
    private final long fingerprint;
    private final int messageBranch;
    private final int payloadBranches;
    private final Schema[] payloads;
    private final MessageRole[] roles;

    public TurnBytes() {
        Schema event = ConversationEvent.getClassSchema();
        this.enabled = describe(event).equals(LAYOUT);
        this.fingerprint = SchemaNormalization.parsingFingerprint64(event);
        List<Schema> payloads = event.getField("payload").schema().getTypes();
        this.payloadBranches = payloads.size();
        this.payloads = payloads.toArray(new Schema[0]);
        this.messageBranch =
                payloads.indexOf(MessageAppended.getClassSchema()) >= 0
                        ? payloads.indexOf(MessageAppended.getClassSchema())
                        : -1;
        List<String> symbols =
                MessageAppended.getClassSchema().getField("role").schema().getEnumSymbols();
        this.roles = new MessageRole[symbols.size()];
        for (int i = 0; i < roles.length; i++) {
            roles[i] = MessageRole.valueOf(symbols.get(i));
        }
    }

    /** True when the current schema is the layout this reader was written for. */
    public boolean enabled() {
        return enabled && messageBranch >= 0;
    }

    /**
     * The turn of a value in the common case (see the class comment), or null: then decode it with
     * {@link ams.events.serde.Utf8Decoder} and {@link Utf8Turns#read}.
     */
    public Utf8Turns.Turn read(byte[] value) {
        return read(value, 0, value.length);
    }

    /**
     * The same for a value handed over as a buffer, as the sink's consumer gets it: the texts are
     * slices of the buffer's array, so the value is not copied out of the fetched bytes first.
     */
    public Utf8Turns.Turn read(ByteBuffer value) {
        if (!value.hasArray()) {
            return null;
        }
        return read(value.array(), value.arrayOffset() + value.position(), value.remaining());
    }

    /** The turn of the value in {@code b[offset, offset + length)}, or null as above. */
    public Utf8Turns.Turn read(byte[] b, int offset, int length) {
        if (!enabled() || length < 10) {
            return null;
        }
        if (b[offset] != (byte) 0xC3
                || b[offset + 1] != (byte) 0x01
                || fingerprintOf(b, offset) != fingerprint) {
            return null;
        }
        try {
            return new Cursor(b, offset + 10, offset + length).turn();
        } catch (RuntimeException e) {
            // NOT_COMMON, or an index past the end: Avro's decoder decides.
            return null;
        }
    }

    private static long fingerprintOf(byte[] b, int offset) {
        long f = 0;
        for (int i = offset + 9; i >= offset + 2; i--) {
            f = (f << 8) | (b[i] & 0xFF);
        }
        return f;
    }

    /**
     * One pass over one value, {@code b[pos, end)}. The array may go on past {@code end} (a fetched
     * buffer holds other records): every length is checked against {@code end}, and a varint or
     * union byte read past it leaves {@code pos > end}, which the final check refuses.
     */
    private final class Cursor {
        private final byte[] b;
        private final int end;
        private int pos;

        Cursor(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        Utf8Turns.Turn turn() {
            // Envelope
            int idStart = stringStart();
            checkUuid(idStart, pos - idStart);
            long occurredAt = readLong();
            skipString(); // source
            skipOptional(); // correlationId
            skipOptional(); // causationId
            Utf8Turns.Text conversationId = text();
            int branch = readInt();
            if (branch < 0 || branch >= payloadBranches) {
                throw NOT_COMMON;
            }
            if (branch != messageBranch) {
                value(payloads[branch]);
                if (pos != end) {
                    throw NOT_COMMON;
                }
                return new Utf8Turns.Turn(
                        occurredAt,
                        conversationId,
                        false,
                        0,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of());
            }
            int turnNumber = readInt();
            Utf8Turns.Text messageId = text();
            Utf8Turns.Text agentId = text();
            int role = readInt();
            if (role < 0 || role >= roles.length) {
                throw NOT_COMMON;
            }
            Utf8Turns.Text content = text();
            skipString(); // messageType
            Utf8Turns.Text metadata = text();
            skipOptional(); // sessionId
            skipOptional(); // model
            if (union() == 1) { // generation
                skipOptional(); // provider
                skipOptional(); // model
                if (union() == 1) {
                    skip(8); // temperature
                }
                if (union() == 1) {
                    skip(8); // topP
                }
                if (union() == 1) {
                    readInt(); // maxTokens
                }
            }
            if (union() == 1) { // usage
                readInt();
                readInt();
                readInt();
                int estimated = b[pos++];
                if (estimated != 0 && estimated != 1) {
                    throw NOT_COMMON;
                }
            }
            if (union() == 1) {
                readLong(); // latencyMillis
            }
            long count;
            while ((count = readLong()) != 0) { // knowledgeIds, in blocks
                if (count < 0 || count > end - pos) {
                    throw NOT_COMMON;
                }
                for (long i = 0; i < count; i++) {
                    skipString();
                }
            }
            if (readLong() != 0 || pos != end) { // media: messages with media fall back
                throw NOT_COMMON;
            }
            return new Utf8Turns.Turn(
                    occurredAt,
                    conversationId,
                    true,
                    turnNumber,
                    messageId,
                    agentId,
                    roles[role],
                    content,
                    metadata,
                    List.of());
        }

        /**
         * Steps over one value of {@code schema}, with the checks Avro's decoder makes and a few
         * more (booleans 0 or 1, no negative block counts, UUIDs canonical): a value this accepts,
         * the generated classes decode.
         */
        private void value(Schema schema) {
            switch (schema.getType()) {
                case RECORD -> {
                    for (Schema.Field f : schema.getFields()) {
                        value(f.schema());
                    }
                }
                case UNION -> {
                    List<Schema> types = schema.getTypes();
                    int branch = readInt();
                    if (branch < 0 || branch >= types.size()) {
                        throw NOT_COMMON;
                    }
                    value(types.get(branch));
                }
                case STRING -> {
                    int start = stringStart();
                    if (schema.getLogicalType() != null
                            && "uuid".equals(schema.getLogicalType().getName())) {
                        checkUuid(start, pos - start);
                    }
                }
                case BYTES -> skipString();
                case INT -> readInt();
                case LONG -> readLong();
                case FLOAT -> skip(4);
                case DOUBLE -> skip(8);
                case BOOLEAN -> {
                    int v = b[pos++];
                    if (v != 0 && v != 1) {
                        throw NOT_COMMON;
                    }
                }
                case NULL -> {}
                case ENUM -> {
                    int symbol = readInt();
                    if (symbol < 0 || symbol >= schema.getEnumSymbols().size()) {
                        throw NOT_COMMON;
                    }
                }
                case FIXED -> skip(schema.getFixedSize());
                case ARRAY -> blocks(schema.getElementType(), false);
                case MAP -> blocks(schema.getValueType(), true);
            }
        }

        /**
         * An array's or map's blocks: counts, each item (a map's keyed), a zero count at the end.
         */
        private void blocks(Schema item, boolean keyed) {
            long count;
            while ((count = readLong()) != 0) {
                if (count < 0 || count > end - pos) {
                    throw NOT_COMMON;
                }
                for (long i = 0; i < count; i++) {
                    if (keyed) {
                        skipString();
                    }
                    value(item);
                }
            }
        }

        private Utf8Turns.Text text() {
            int start = stringStart();
            return new Utf8Turns.Text(b, start, pos - start);
        }

        /** Reads a string's length, steps over it and returns where its bytes start. */
        private int stringStart() {
            int length = readInt();
            if (length < 0 || length > end - pos) {
                throw NOT_COMMON;
            }
            int start = pos;
            pos += length;
            return start;
        }

        private void skipString() {
            stringStart();
        }

        /** A {@code ["null", "string"]}. */
        private void skipOptional() {
            if (union() == 1) {
                skipString();
            }
        }

        /** The branch of a two-branch union. */
        private int union() {
            int branch = b[pos++];
            if (branch != 0 && branch != 2) { // zig-zag 0 and 1
                throw NOT_COMMON;
            }
            return branch >> 1;
        }

        private void skip(int n) {
            if (n > end - pos) {
                throw NOT_COMMON;
            }
            pos += n;
        }

        /** Zig-zag varint of at most five bytes, all of its bits inside 32 (Avro's int). */
        private int readInt() {
            int n = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int x = b[pos++] & 0xFF;
                if (shift == 28 && x > 0x0F) {
                    throw NOT_COMMON;
                }
                n |= (x & 0x7F) << shift;
                if (x < 0x80) {
                    return (n >>> 1) ^ -(n & 1);
                }
            }
            throw NOT_COMMON;
        }

        /** Zig-zag varint of at most ten bytes, all of its bits inside 64 (Avro's long). */
        private long readLong() {
            long n = 0;
            for (int shift = 0; shift < 70; shift += 7) {
                long x = b[pos++] & 0xFF;
                if (shift == 63 && x > 0x01) {
                    throw NOT_COMMON;
                }
                n |= (x & 0x7F) << shift;
                if (x < 0x80) {
                    return (n >>> 1) ^ -(n & 1);
                }
            }
            throw NOT_COMMON;
        }

        /**
         * The event id in canonical form (8-4-4-4-12 hex digits), which {@code UUID.fromString}
         * always accepts; any other text is left to the decoder, which parses it as the generated
         * classes do.
         */
        private void checkUuid(int start, int length) {
            if (length != 36) {
                throw NOT_COMMON;
            }
            for (int i = 0; i < 36; i++) {
                byte c = b[start + i];
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                    if (c != '-') {
                        throw NOT_COMMON;
                    }
                } else if (!((c >= '0' && c <= '9')
                        || (c >= 'a' && c <= 'f')
                        || (c >= 'A' && c <= 'F'))) {
                    throw NOT_COMMON;
                }
            }
        }
    }

    /** A compact description of a schema's layout, to compare with {@link #LAYOUT}. */
    static String describe(Schema event) {
        Schema message =
                event.getField("payload").schema().getTypes().stream()
                        .filter(
                                s ->
                                        s.getFullName()
                                                .equals(
                                                        MessageAppended.getClassSchema()
                                                                .getFullName()))
                        .findFirst()
                        .orElse(null);
        String head =
                "{"
                        + event.getFields().stream()
                                .map(
                                        f ->
                                                f.name()
                                                        + ":"
                                                        + (f.name().equals("payload")
                                                                ? "[...]"
                                                                : shape(f.schema())))
                                .collect(Collectors.joining(","))
                        + "}";
        return head + " MessageAppended" + (message == null ? "-" : shape(message));
    }

    private static String shape(Schema s) {
        return switch (s.getType()) {
            case RECORD ->
                    "{"
                            + s.getFields().stream()
                                    .map(f -> f.name() + ":" + shape(f.schema()))
                                    .collect(Collectors.joining(","))
                            + "}";
            case UNION ->
                    "["
                            + s.getTypes().stream()
                                    .map(TurnBytes::shape)
                                    .collect(Collectors.joining("|"))
                            + "]";
            case ARRAY -> "array<" + shape(s.getElementType()) + ">";
            case MAP -> "map<" + shape(s.getValueType()) + ">";
            case ENUM -> "enum" + s.getEnumSymbols().size();
            case FIXED -> "fixed" + s.getFixedSize();
            default -> s.getType().getName();
        };
    }
}
