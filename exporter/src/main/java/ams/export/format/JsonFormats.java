package ams.export.format;

import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.export.sink.CompletedConversation;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of the datasets: the original AMS-DB turn line, OpenAI chat {@code messages} and
 * ShareGPT {@code conversations}. The sink's lines are written with a streaming {@link
 * JsonGenerator} straight into bytes: building a Jackson tree per line and serializing it again
 * cost the JSONL writer most of its time (measured). One instance per sink; the line methods reuse
 * one generator and buffer, so they are for one thread at a time (the sink's writer thread).
 */
public final class JsonFormats {

    private static final SerializedString CONVERSATION_ID = new SerializedString("conversation_id");
    private static final SerializedString TURN_NUMBER = new SerializedString("turn_number");
    private static final SerializedString AGENT_ID = new SerializedString("agent_id");
    private static final SerializedString MESSAGE = new SerializedString("message");
    private static final SerializedString TIMESTAMP = new SerializedString("timestamp");
    private static final SerializedString METADATA = new SerializedString("metadata");
    private static final SerializedString ROLE = new SerializedString("role");
    private static final SerializedString MESSAGE_ID = new SerializedString("message_id");

    /** {@link Roles#original} as bytes (plain ASCII: nothing to escape). */
    private static final Map<MessageRole, byte[]> ROLE_BYTES = roleBytes();

    /** The turn line's timestamps, reusing the date and time of the previous line. */
    private final IsoMillis timestamps = new IsoMillis();

    private static Map<MessageRole, byte[]> roleBytes() {
        Map<MessageRole, byte[]> bytes = new EnumMap<>(MessageRole.class);
        for (MessageRole role : MessageRole.values()) {
            bytes.put(role, Roles.original(role).getBytes(StandardCharsets.US_ASCII));
        }
        return bytes;
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonFactory factory = mapper.getFactory();

    /** The bytes of the line being written; see {@link #startLine()}. */
    private final LineBuffer line = new LineBuffer();

    private JsonGenerator generator;

    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * The original's export line: conversation_id, turn_number, agent_id, message, timestamp,
     * metadata; role and message_id follow so that a training set can filter and deduplicate.
     */
    public byte[] turnLine(String conversationId, MessageAppended m, Instant timestamp) {
        try {
            JsonGenerator g = startLine();
            g.writeStartObject();
            g.writeStringField("conversation_id", conversationId);
            g.writeNumberField("turn_number", m.getTurnNumber());
            g.writeStringField("agent_id", m.getAgentId());
            g.writeStringField("message", m.getContent());
            g.writeStringField("timestamp", IsoInstants.format(timestamp));
            g.writeFieldName("metadata");
            writeMetadata(g, m.getMetadataJson());
            g.writeStringField("role", Roles.original(m.getRole()));
            g.writeStringField("message_id", m.getMessageId());
            if (m.getMedia() != null && !m.getMedia().isEmpty()) {
                g.writeArrayFieldStart("media");
                for (ams.events.MediaRef ref : m.getMedia()) {
                    writeMedia(g, ref.getSha256(), ref.getContentType(), ref.getSizeBytes());
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            return endLine();
        } catch (IOException | RuntimeException e) {
            throw broken(e);
        }
    }

    /**
     * The same line as {@link #turnLine(String, MessageAppended, Instant)}, byte for byte, from an
     * event decoded with its strings as UTF-8 ({@link Utf8Turns}): ASCII text is copied from the
     * record's bytes (escaped by the generator as a String would be); other text goes through a
     * {@code String}, because Jackson writes characters outside the BMP of a String as
     * six-character escapes of surrogate pairs and passes raw UTF-8 through, and the lines must not
     * change.
     */
    public byte[] turnLine(Utf8Turns.Turn t) {
        try {
            JsonGenerator g = startLine();
            g.writeStartObject();
            g.writeFieldName(CONVERSATION_ID);
            writeText(g, t.conversationId());
            g.writeFieldName(TURN_NUMBER);
            g.writeNumber(t.turnNumber());
            g.writeFieldName(AGENT_ID);
            writeText(g, t.agentId());
            g.writeFieldName(MESSAGE);
            writeText(g, t.content());
            g.writeFieldName(TIMESTAMP);
            int length = timestamps.format(t.occurredAtMillis());
            g.writeRawUTF8String(timestamps.bytes(), 0, length); // digits, '-', ':', '.', 'T', 'Z'
            g.writeFieldName(METADATA);
            Utf8Turns.Text metadata = t.metadataJson();
            if (metadata.length() == 0 || isEmptyObject(metadata)) {
                g.writeStartObject();
                g.writeEndObject();
            } else {
                writeMetadata(g, metadata.toString());
            }
            g.writeFieldName(ROLE);
            byte[] role = ROLE_BYTES.get(t.role() == null ? MessageRole.ASSISTANT : t.role());
            g.writeRawUTF8String(role, 0, role.length);
            g.writeFieldName(MESSAGE_ID);
            writeText(g, t.messageId());
            if (!t.media().isEmpty()) {
                g.writeArrayFieldStart("media");
                for (Object o : t.media()) {
                    org.apache.avro.generic.GenericRecord ref =
                            (org.apache.avro.generic.GenericRecord) o;
                    writeMedia(
                            g,
                            ref.get("sha256").toString(),
                            ref.get("contentType").toString(),
                            (Long) ref.get("sizeBytes"));
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            return endLine();
        } catch (IOException | RuntimeException e) {
            throw broken(e);
        }
    }

    /**
     * One media reference of a turn line (written only for a message that has media, so the lines
     * of the others are unchanged): the same fields as the messages table's {@code media} column.
     */
    private static void writeMedia(JsonGenerator g, String sha256, String type, long size)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("sha256", sha256);
        g.writeStringField("content_type", type);
        g.writeNumberField("size_bytes", size);
        g.writeStringField("path", MessageRows.mediaPath(sha256));
        g.writeEndObject();
    }

    /**
     * A text of the turn line. Plain text (ASCII without a quote, a backslash or a control
     * character: what the generator would copy unchanged) is copied as it is with {@code
     * writeRawUTF8String}, one array copy; other ASCII text is escaped by the generator ({@code
     * writeUTF8String}); text with other characters goes through a {@code String} (see {@link
     * #turnLine(Utf8Turns.Turn)}). One scan decides: the earlier "is it ASCII" scan followed by the
     * generator's own byte-by-byte escaping scan were a third of the writer's samples.
     */
    private static void writeText(JsonGenerator g, Utf8Turns.Text text) throws IOException {
        byte[] bytes = text.bytes();
        int offset = text.offset();
        int length = text.length();
        switch (TextKind.of(bytes, offset, length)) {
            case PLAIN -> g.writeRawUTF8String(bytes, offset, length);
            case ASCII -> g.writeUTF8String(bytes, offset, length);
            default -> g.writeString(text.toString());
        }
    }

    private static boolean isEmptyObject(Utf8Turns.Text text) {
        byte[] b = text.bytes();
        int o = text.offset();
        return text.length() == 2 && b[o] == '{' && b[o + 1] == '}';
    }

    /** One completed conversation in OpenAI chat format. */
    public byte[] chatLine(CompletedConversation c) {
        try {
            JsonGenerator g = startLine();
            header(g, c, "conversation_id");
            g.writeArrayFieldStart("messages");
            for (CompletedConversation.Message msg : c.messages()) {
                g.writeStartObject();
                g.writeStringField("role", Roles.original(msg.message().getRole()));
                g.writeStringField("name", msg.message().getAgentId());
                g.writeFieldName("content");
                writeChatContent(g, msg.message());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            return endLine();
        } catch (IOException | RuntimeException e) {
            throw broken(e);
        }
    }

    /**
     * A chat message's content: the plain string, or, when the message has images, OpenAI content
     * parts whose {@code image_url} is the image's path relative to the media store's directory
     * (the continuous sink copies no bytes; the training export bundles them).
     */
    private static void writeChatContent(JsonGenerator g, MessageAppended m) throws IOException {
        List<ams.events.MediaRef> images =
                m.getMedia() == null
                        ? List.of()
                        : m.getMedia().stream()
                                .filter(r -> r.getContentType().startsWith("image/"))
                                .toList();
        if (images.isEmpty()) {
            g.writeString(m.getContent());
            return;
        }
        g.writeStartArray();
        if (m.getContent() != null && !m.getContent().isEmpty()) {
            g.writeStartObject();
            g.writeStringField("type", "text");
            g.writeStringField("text", m.getContent());
            g.writeEndObject();
        }
        for (ams.events.MediaRef ref : images) {
            g.writeStartObject();
            g.writeStringField("type", "image_url");
            g.writeObjectFieldStart("image_url");
            g.writeStringField("url", MessageRows.mediaPath(ref.getSha256()));
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** One completed conversation in ShareGPT format. */
    public byte[] shareGptLine(CompletedConversation c) {
        try {
            JsonGenerator g = startLine();
            header(g, c, "id");
            g.writeArrayFieldStart("conversations");
            for (CompletedConversation.Message msg : c.messages()) {
                g.writeStartObject();
                g.writeStringField("from", Roles.shareGpt(msg.message().getRole()));
                g.writeStringField("value", msg.message().getContent());
                g.writeStringField("name", msg.message().getAgentId());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            return endLine();
        } catch (IOException | RuntimeException e) {
            throw broken(e);
        }
    }

    /**
     * The generator of the next line, over the emptied line buffer. One generator is reused for
     * every line: creating one per line (and copying out of a {@code ByteArrayBuilder}) was more
     * than half of the JSONL writer's time in the profile.
     */
    private JsonGenerator startLine() throws IOException {
        line.reset();
        if (generator == null) {
            generator = factory.createGenerator(line);
            generator.setRootValueSeparator(null); // one document per line, nothing between
        }
        return generator;
    }

    private byte[] endLine() throws IOException {
        generator.flush();
        return line.toByteArray();
    }

    /**
     * A line failed half-way: the generator's state is unknown, so the next line gets a new one.
     */
    private RuntimeException broken(Exception e) {
        generator = null;
        return e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }

    private static void header(JsonGenerator g, CompletedConversation c, String idField)
            throws IOException {
        g.writeStartObject();
        g.writeStringField(idField, c.conversationId());
        g.writeStringField("topic", c.topic());
        g.writeArrayFieldStart("participants");
        for (String participant : c.participants()) {
            g.writeString(participant);
        }
        g.writeEndArray();
    }

    /**
     * The metadata string as JSON, as {@link #metadata(String)} reads it (blank: {}, not JSON: the
     * string), streamed: the text is parsed into a token buffer, which is only written once it
     * parsed, so a malformed value never leaves half a value in the line.
     */
    private void writeMetadata(JsonGenerator g, String json) throws IOException {
        if (json == null || json.isBlank() || json.equals("{}")) {
            g.writeStartObject();
            g.writeEndObject();
            return;
        }
        TokenBuffer parsed;
        try (JsonParser p = factory.createParser(json)) {
            if (p.nextToken() == null) {
                g.writeStartObject();
                g.writeEndObject();
                return;
            }
            parsed = new TokenBuffer(p);
            parsed.copyCurrentStructure(p);
        } catch (JsonProcessingException e) {
            g.writeString(json);
            return;
        }
        parsed.serialize(g);
    }

    /** The metadata string as JSON; text that is not a JSON object is kept as a string. */
    public JsonNode metadata(String json) {
        if (json == null || json.isBlank()) {
            return mapper.createObjectNode();
        }
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            return mapper.getNodeFactory().textNode(json);
        }
    }

    public byte[] bytes(JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<String> strings(JsonNode array) {
        if (array == null || !array.isArray()) {
            return List.of();
        }
        return java.util.stream.StreamSupport.stream(array.spliterator(), false)
                .map(JsonNode::asText)
                .toList();
    }

    /** A growable byte buffer the generator writes a line into; reset for every line. */
    private static final class LineBuffer extends OutputStream {
        private byte[] bytes = new byte[1024];
        private int size;

        @Override
        public void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        void reset() {
            size = 0;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }
    }
}
