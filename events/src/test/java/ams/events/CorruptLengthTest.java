package ams.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ams.events.agent.AgentEvent;
import ams.events.serde.EventDecodingException;
import ams.events.serde.EventSerdes;
import ams.events.serde.SingleObjectSerde;
import java.io.ByteArrayOutputStream;
import org.apache.avro.SystemLimitException;
import org.junit.jupiter.api.Test;

/**
 * A record whose body declares a huge string must be refused by its length, before Avro allocates
 * it: in a processor's small heap the allocation itself was an OutOfMemoryError that killed the JVM
 * (with -XX:+ExitOnOutOfMemoryError, on every restart, since the record stays on the topic).
 */
class CorruptLengthTest {

    private final SingleObjectSerde<AgentEvent> agents = EventSerdes.agentEvents();

    @Test
    void shouldRefuseADeclaredLengthBeyondTheLimitWithoutAllocatingIt() {
        // Header for the current schema, then the first field (envelope.eventId, a string) claims
        // 1.5 GiB.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(0xC3);
        bytes.write(0x01);
        long fingerprint = agents.fingerprint();
        for (int i = 0; i < 8; i++) {
            bytes.write((int) (fingerprint >>> (8 * i)) & 0xFF);
        }
        long zigzag = 1_500_000_000L << 1;
        while ((zigzag & ~0x7FL) != 0) {
            bytes.write((int) ((zigzag & 0x7F) | 0x80));
            zigzag >>>= 7;
        }
        bytes.write((int) zigzag);

        EventDecodingException e =
                assertThrows(
                        EventDecodingException.class, () -> agents.decode(bytes.toByteArray()));
        assertEquals(EventDecodingException.Kind.CORRUPT_BODY, e.kind());
        // Refused by the limit, not by running out of input after allocating 1.5 GiB.
        assertInstanceOf(SystemLimitException.class, e.getCause(), String.valueOf(e.getCause()));
    }
}
