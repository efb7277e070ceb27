package ams.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ams.events.agent.AgentCreated;
import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.serde.EventDecodingException;
import ams.events.serde.EventSerdes;
import ams.events.serde.SingleObjectSerde;
import ams.events.serde.Utf8Decoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** The Utf8 reader of a topic reads what its Serde reads and refuses what its Serde refuses. */
class Utf8DecoderTest {

    private final SingleObjectSerde<ConversationEvent> serde = EventSerdes.conversationEvents();
    private final Utf8Decoder utf8 = serde.utf8Decoder();

    /** Only the event id and time of the envelope, only the content of a message. */
    private final Utf8Decoder projected =
            serde.utf8Decoder(
                    Map.of(
                            "ams.events.Envelope",
                            Set.of("eventId", "occurredAt"),
                            "ams.events.conversation.MessageAppended",
                            Set.of("content")));

    @Test
    void aProjectionReadsOnlyTheFieldsItKeeps() {
        ConversationEvent event = message("conv-1", "text é");
        GenericRecord record = projected.decode(serde.encode(event));
        GenericRecord m = (GenericRecord) record.get("payload");
        assertEquals(
                List.of("content"), m.getSchema().getFields().stream().map(f -> f.name()).toList());
        assertEquals(new Utf8("text é"), m.get("content"));
        assertEquals("conv-1", record.get("conversationId").toString());
        assertEquals(
                event.getEnvelope().getEventId(),
                ((GenericRecord) record.get("envelope")).get("eventId"));
    }

    /** A message event of the current schema (also read back as v1 by SingleObjectSerdeTest). */
    static ConversationEvent message(String conversationId, String content) {
        return ConversationEvent.newBuilder()
                .setEnvelope(Envelopes.create("test", Instant.ofEpochMilli(1_700_000_000_000L)))
                .setConversationId(conversationId)
                .setPayload(
                        MessageAppended.newBuilder()
                                .setTurnNumber(3)
                                .setMessageId("m-1")
                                .setAgentId("agent-1")
                                .setRole(MessageRole.USER)
                                .setContent(content)
                                .setKnowledgeIds(List.of("k1"))
                                .build())
                .build();
    }

    @Test
    void readsEveryFieldWithStringsAsUtf8() {
        ConversationEvent event = message("conv-é", "héllo 😀");
        GenericRecord record = utf8.decode(serde.encode(event));
        assertEquals(new Utf8("conv-é"), record.get("conversationId"));
        GenericRecord m = (GenericRecord) record.get("payload");
        assertEquals(new Utf8("héllo 😀".getBytes(StandardCharsets.UTF_8)), m.get("content"));
        assertEquals(3, m.get("turnNumber"));
        assertEquals("USER", m.get("role").toString());
        assertEquals(List.of(new Utf8("k1")), m.get("knowledgeIds"));
        GenericRecord envelope = (GenericRecord) record.get("envelope");
        assertEquals(event.getEnvelope().getEventId(), envelope.get("eventId"));
        assertEquals(
                event.getEnvelope().getOccurredAt().toEpochMilli(), envelope.get("occurredAt"));
        assertEquals(
                SchemaNormalization.parsingFingerprint64(serde.schema()),
                SchemaNormalization.parsingFingerprint64(utf8.schema()));
        assertFalse(utf8.schema().toString().contains(GenericData.STRING_PROP));
    }

    @Test
    void failsLikeTheSerdeOnTheSameBytes() throws IOException {
        byte[] good = serde.encode(message("c", "text"));
        byte[] badMarker = good.clone();
        badMarker[0] = 0x00;
        byte[] unknownFingerprint = good.clone();
        unknownFingerprint[5] ^= 0x5a;
        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        byte[] anotherTopics =
                EventSerdes.agentEvents()
                        .encode(
                                AgentEvent.newBuilder()
                                        .setEnvelope(Envelopes.create("test", Instant.now()))
                                        .setAgentId("a1")
                                        .setPayload(
                                                AgentCreated.newBuilder()
                                                        .setAgentName("A")
                                                        .setTags(List.of())
                                                        .setConfigJson("{}")
                                                        .build())
                                        .build());
        byte[] eventIdNotUuid = withEventId(good, "not-a-uuid");
        int cases = 0;
        for (byte[] bytes :
                List.of(
                        new byte[3],
                        badMarker,
                        unknownFingerprint,
                        truncated,
                        anotherTopics,
                        eventIdNotUuid)) {
            EventDecodingException fromSerde =
                    assertThrows(EventDecodingException.class, () -> serde.decode(bytes));
            for (Utf8Decoder decoder : List.of(utf8, projected)) {
                EventDecodingException fromUtf8 =
                        assertThrows(EventDecodingException.class, () -> decoder.decode(bytes));
                assertEquals(fromSerde.kind(), fromUtf8.kind(), "case " + cases);
                assertEquals(fromSerde.expectedRecord(), fromUtf8.expectedRecord());
            }
            cases++;
        }
        assertEquals(6, cases);
    }

    /** The same event with an event id the generated classes refuse to read (not a UUID). */
    private byte[] withEventId(byte[] encoded, String eventId) throws IOException {
        // Read as plain generic data (no UUID conversion) so the id can be any string.
        GenericData plain = new GenericData();
        GenericRecord record =
                new org.apache.avro.generic.GenericDatumReader<GenericRecord>(
                                utf8.schema(), utf8.schema(), plain)
                        .read(
                                null,
                                org.apache.avro.io.DecoderFactory.get()
                                        .binaryDecoder(encoded, 10, encoded.length - 10, null));
        ((GenericRecord) record.get("envelope")).put("eventId", new Utf8(eventId));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(encoded, 0, 10);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(utf8.schema(), plain).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
