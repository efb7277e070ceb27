package ams.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.agent.AgentCreated;
import ams.events.agent.AgentEvent;
import ams.events.agent.AgentFlagSet;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.serde.EventDecodingException;
import ams.events.serde.EventSerdes;
import ams.events.serde.SchemaHistory;
import ams.events.serde.SingleObjectSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

class SingleObjectSerdeTest {

    private final SingleObjectSerde<AgentEvent> agents = EventSerdes.agentEvents();

    private static AgentEvent created(String agentId) {
        return AgentEvent.newBuilder()
                .setEnvelope(Envelopes.create("test", Instant.ofEpochMilli(1_700_000_000_000L)))
                .setAgentId(agentId)
                .setPayload(
                        AgentCreated.newBuilder()
                                .setAgentName("Wizard")
                                .setTags(List.of("magic"))
                                .setConfigJson("{\"agent_id\":\"" + agentId + "\"}")
                                .build())
                .build();
    }

    @Test
    void shouldRoundTripAnEvent() {
        AgentEvent event = created("wizard");
        assertEquals(event, agents.decode(agents.encode(event)));
    }

    @Test
    void shouldWriteSingleObjectHeaderWithTheSchemaFingerprint() {
        byte[] bytes = agents.encode(created("wizard"));
        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        long fingerprint = 0;
        for (int i = 9; i >= 2; i--) { // little-endian per the specification
            fingerprint = (fingerprint << 8) | (bytes[i] & 0xFF);
        }
        assertEquals(agents.fingerprint(), fingerprint);
    }

    @Test
    void shouldKeepUnionFlagValuesTyped() {
        AgentEvent event =
                AgentEvent.newBuilder(created("wizard"))
                        .setPayload(
                                AgentFlagSet.newBuilder()
                                        .setFlag("TTS_FLAG")
                                        .setValue("yes")
                                        .build())
                        .build();
        AgentFlagSet decoded = (AgentFlagSet) agents.decode(agents.encode(event)).getPayload();
        assertEquals("yes", decoded.getValue());
    }

    @Test
    void shouldRejectRandomBytesAsNotSingleObjectEncoding() {
        byte[] random = new byte[64];
        new Random(7).nextBytes(random);
        random[0] = 0x11;
        EventDecodingException e =
                assertThrows(EventDecodingException.class, () -> agents.decode(random));
        assertEquals(EventDecodingException.Kind.NOT_SINGLE_OBJECT_ENCODING, e.kind());
        assertTrue(e.getMessage().contains("ams.events.agent.AgentEvent"), e.getMessage());
    }

    @Test
    void shouldRejectTooShortInput() {
        EventDecodingException e =
                assertThrows(
                        EventDecodingException.class,
                        () -> agents.decode(new byte[] {(byte) 0xC3}));
        assertEquals(EventDecodingException.Kind.NOT_SINGLE_OBJECT_ENCODING, e.kind());
    }

    @Test
    void shouldRefuseAnotherTopicsEventInsteadOfMisreadingIt() {
        byte[] agentBytes = agents.encode(created("wizard"));
        EventDecodingException e =
                assertThrows(
                        EventDecodingException.class,
                        () -> EventSerdes.conversationEvents().decode(agentBytes));
        assertEquals(EventDecodingException.Kind.UNKNOWN_SCHEMA_FINGERPRINT, e.kind());
    }

    @Test
    void shouldRejectAnUnknownFingerprint() {
        byte[] bytes = agents.encode(created("wizard"));
        bytes[5] ^= 0x5A;
        EventDecodingException e =
                assertThrows(EventDecodingException.class, () -> agents.decode(bytes));
        assertEquals(EventDecodingException.Kind.UNKNOWN_SCHEMA_FINGERPRINT, e.kind());
    }

    @Test
    void shouldRejectATruncatedBody() {
        byte[] bytes = agents.encode(created("wizard"));
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 20);
        EventDecodingException e =
                assertThrows(EventDecodingException.class, () -> agents.decode(truncated));
        assertEquals(EventDecodingException.Kind.CORRUPT_BODY, e.kind());
    }

    @Test
    void shouldPassNullThroughForTombstones() {
        assertEquals(null, agents.deserializer().deserialize("t", null));
        assertEquals(null, agents.serializer().serialize("t", null));
    }

    @Test
    void encodingIsDeterministic() {
        AgentEvent event = created("wizard");
        assertArrayEquals(agents.encode(event), EventSerdes.agentEvents().encode(event));
    }

    /**
     * The codec reads and writes arrays itself instead of going through Avro's message classes: the
     * bytes must stay exactly Avro's single-object encoding, in both directions.
     */
    @Test
    void writesAndReadsTheBytesOfAvrosOwnMessageClasses() throws IOException {
        AgentEvent event = created("wizard-é😀");
        BinaryMessageEncoder<AgentEvent> avroEncoder =
                new BinaryMessageEncoder<>(SpecificData.get(), AgentEvent.getClassSchema());
        byte[] avroBytes = bytes(avroEncoder.encode(event));
        byte[] ours = agents.encode(event);
        assertArrayEquals(avroBytes, ours);
        assertEquals(event, agents.decode(avroBytes));
        BinaryMessageDecoder<AgentEvent> avroDecoder =
                new BinaryMessageDecoder<>(SpecificData.get(), AgentEvent.getClassSchema());
        assertEquals(event, avroDecoder.decode(ours));
    }

    /**
     * A body written with an older released schema reads as Avro's resolving decoder reads it: the
     * v1 conversation event, written by a v1 writer, decoded into the current classes.
     */
    @Test
    void readsABodyOfAnOlderReleasedSchemaAsAvroDoes() throws IOException {
        SingleObjectSerde<ConversationEvent> conversations = EventSerdes.conversationEvents();
        Schema v1 = SchemaHistory.releasedVersions("ConversationEvent").get(0);
        assertNotEquals(
                SchemaNormalization.parsingFingerprint64(v1),
                conversations.fingerprint(),
                "v1 must differ from the current schema for this test to mean anything");
        ConversationEvent event = Utf8DecoderTest.message("conv-1", "hello");
        // The event as a v1 writer had it: the current bytes read into the v1 schema.
        GenericRecord asV1 =
                new GenericDatumReader<GenericRecord>(ConversationEvent.getClassSchema(), v1)
                        .read(
                                null,
                                DecoderFactory.get()
                                        .binaryDecoder(
                                                Arrays.copyOfRange(
                                                        conversations.encode(event),
                                                        10,
                                                        conversations.encode(event).length),
                                                null));
        byte[] v1Bytes =
                bytes(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(asV1));

        BinaryMessageDecoder<ConversationEvent> avro =
                new BinaryMessageDecoder<>(SpecificData.get(), ConversationEvent.getClassSchema());
        avro.addSchema(v1);
        ConversationEvent expected = avro.decode(v1Bytes);
        assertEquals(expected, conversations.decode(v1Bytes));
        assertEquals(
                "hello",
                ((MessageAppended) conversations.decode(v1Bytes).getPayload()).getContent());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
