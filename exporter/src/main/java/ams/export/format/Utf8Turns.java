package ams.export.format;

import ams.events.Envelope;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * Reads what a turn line needs from a {@code ConversationEvent} decoded with its strings as UTF-8
 * bytes ({@link ams.events.serde.Utf8Decoder}), so the text goes from the record's bytes into the
 * line without becoming a {@code String} (see {@link JsonFormats#turnLine(Turn)}). Field positions
 * are looked up once, from the decoder's schema.
 */
public final class Utf8Turns {

    /**
     * One event: its time and conversation, and the message's fields when it is a {@code
     * MessageAppended} ({@code message} false: no line).
     */
    public record Turn(
            long occurredAtMillis,
            Text conversationId,
            boolean message,
            int turnNumber,
            Text messageId,
            Text agentId,
            MessageRole role,
            Text content,
            Text metadataJson,
            List<?> media) {}

    /**
     * UTF-8 text as a slice of an array: of a {@link Utf8}'s bytes, or of the record's value itself
     * ({@link TurnBytes}), so the fast path copies nothing.
     */
    public static final class Text {
        private final byte[] bytes;
        private final int offset;
        private final int length;

        public Text(byte[] bytes, int offset, int length) {
            this.bytes = bytes;
            this.offset = offset;
            this.length = length;
        }

        static Text of(Utf8 text) {
            return text == null ? null : new Text(text.getBytes(), 0, text.getByteLength());
        }

        /** The array the text is a slice of (not a copy: do not change it). */
        public byte[] bytes() {
            return bytes;
        }

        public int offset() {
            return offset;
        }

        public int length() {
            return length;
        }

        /** As {@link Utf8#toString()}: the bytes decoded as UTF-8. */
        @Override
        public String toString() {
            return new String(bytes, offset, length, StandardCharsets.UTF_8);
        }
    }

    /**
     * The fields a turn line needs, for {@link
     * ams.events.serde.SingleObjectSerde#utf8Decoder(Map)}: Avro skips the others of a message
     * (model, usage, knowledge ids, ...) and of the envelope, except the event id, which is still
     * parsed so that an event the generated classes refuse is still dead-lettered. Other payloads
     * are read whole (they are one record in twenty).
     */
    public static final Map<String, Set<String>> FIELDS =
            Map.of(
                    Envelope.getClassSchema().getFullName(),
                    Set.of("eventId", "occurredAt"),
                    MessageAppended.getClassSchema().getFullName(),
                    Set.of(
                            "turnNumber",
                            "messageId",
                            "agentId",
                            "role",
                            "content",
                            "metadataJson",
                            "media"));

    private final int envelope;
    private final int occurredAt;
    private final int conversationId;
    private final int payload;
    private final String messageAppended;
    private final int turnNumber;
    private final int messageId;
    private final int agentId;
    private final int role;
    private final int content;
    private final int metadataJson;
    private final int media;

    public Utf8Turns(Schema conversationEvent) {
        Schema envelopeSchema = conversationEvent.getField("envelope").schema();
        this.envelope = conversationEvent.getField("envelope").pos();
        this.occurredAt = envelopeSchema.getField("occurredAt").pos();
        this.conversationId = conversationEvent.getField("conversationId").pos();
        Schema.Field payloadField = conversationEvent.getField("payload");
        this.payload = payloadField.pos();
        this.messageAppended = MessageAppended.getClassSchema().getFullName();
        Schema message =
                payloadField.schema().getTypes().stream()
                        .filter(s -> s.getFullName().equals(messageAppended))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "No MessageAppended in " + conversationEvent));
        this.turnNumber = message.getField("turnNumber").pos();
        this.messageId = message.getField("messageId").pos();
        this.agentId = message.getField("agentId").pos();
        this.role = message.getField("role").pos();
        this.content = message.getField("content").pos();
        this.metadataJson = message.getField("metadataJson").pos();
        this.media = message.getField("media").pos();
    }

    public Turn read(GenericRecord event) {
        long time = (Long) ((GenericRecord) event.get(envelope)).get(occurredAt);
        Text conversation = Text.of((Utf8) event.get(conversationId));
        GenericRecord p = (GenericRecord) event.get(payload);
        if (!p.getSchema().getFullName().equals(messageAppended)) {
            return new Turn(time, conversation, false, 0, null, null, null, null, null, List.of());
        }
        return new Turn(
                time,
                conversation,
                true,
                (Integer) p.get(turnNumber),
                Text.of((Utf8) p.get(messageId)),
                Text.of((Utf8) p.get(agentId)),
                MessageRole.valueOf(p.get(role).toString()),
                Text.of((Utf8) p.get(content)),
                Text.of((Utf8) p.get(metadataJson)),
                p.get(media) instanceof List<?> refs ? refs : List.of());
    }
}
