package ams.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.agent.AgentCreated;
import ams.events.agent.AgentEvent;
import ams.events.agent.AgentFlagSet;
import ams.events.serde.EventDecodingException;
import ams.events.serde.EventSerdes;
import ams.events.serde.SingleObjectSerde;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
}
