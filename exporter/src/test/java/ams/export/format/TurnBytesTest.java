package ams.export.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.Envelope;
import ams.events.GenerationParameters;
import ams.events.MediaRef;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.serde.EventDecodingException;
import ams.events.serde.EventSerdes;
import ams.events.serde.SingleObjectSerde;
import ams.events.serde.Utf8Decoder;
import ams.testkit.TestEvents;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link TurnBytes} reads the common message from its bytes with the decoder's values, walks the
 * other events of the current schema to the same verdict, and leaves everything else to the decoder
 * (returns null), bad bytes included.
 */
class TurnBytesTest {

    private final SingleObjectSerde<ConversationEvent> serde = EventSerdes.conversationEvents();
    private final Utf8Decoder utf8 = serde.utf8Decoder(Utf8Turns.FIELDS);
    private final Utf8Turns turns = new Utf8Turns(utf8.schema());
    private final TurnBytes reader = new TurnBytes();

    @Test
    void theCurrentSchemaIsTheLayoutItReads() {
        assertEquals(TurnBytes.LAYOUT, TurnBytes.describe(ConversationEvent.getClassSchema()));
        assertTrue(reader.enabled());
    }

    @Test
    void everyOptionalFieldSetGivesTheDecodersValues() {
        ConversationEvent plain = TestEvents.messageAppended("conv-1", 4, "ana", "hello");
        MessageAppended m =
                MessageAppended.newBuilder((MessageAppended) plain.getPayload())
                        .setSessionId("s-1")
                        .setMetadataJson("{\"a\":1}")
                        .setGeneration(
                                GenerationParameters.newBuilder()
                                        .setProvider("openai")
                                        .setModel("m")
                                        .setTemperature(0.5)
                                        .setTopP(0.9)
                                        .setMaxTokens(-300)
                                        .build())
                        .setLatencyMillis(-12345678901L)
                        .setKnowledgeIds(List.of("k1", "k2", ""))
                        .build();
        ConversationEvent event =
                ConversationEvent.newBuilder(plain)
                        .setPayload(m)
                        .setEnvelope(
                                Envelope.newBuilder(plain.getEnvelope())
                                        .setCorrelationId("corr")
                                        .setCausationId("cause")
                                        .build())
                        .build();
        byte[] bytes = serde.encode(event);
        Utf8Turns.Turn fast = reader.read(bytes);
        assertNotNull(fast);
        Utf8Turns.Turn decoded = turns.read(utf8.decode(bytes));
        assertEquals(decoded.occurredAtMillis(), fast.occurredAtMillis());
        assertEquals(decoded.turnNumber(), fast.turnNumber());
        assertEquals(decoded.role(), fast.role());
        assertEquals(decoded.conversationId().toString(), fast.conversationId().toString());
        assertEquals(decoded.messageId().toString(), fast.messageId().toString());
        assertEquals(decoded.agentId().toString(), fast.agentId().toString());
        assertEquals(decoded.content().toString(), fast.content().toString());
        assertEquals(decoded.metadataJson().toString(), fast.metadataJson().toString());
        assertArrayEquals(new JsonFormats().turnLine(decoded), new JsonFormats().turnLine(fast));
    }

    @Test
    void messagesWithMediaAreLeftToTheDecoder() {
        ConversationEvent text = TestEvents.messageAppended("conv-1", 0, "ana", "look");
        ConversationEvent withMedia =
                ConversationEvent.newBuilder(text)
                        .setPayload(
                                MessageAppended.newBuilder((MessageAppended) text.getPayload())
                                        .setMedia(
                                                List.of(
                                                        new MediaRef(
                                                                "0f".repeat(32), "image/png", 9L)))
                                        .build())
                        .build();
        assertNull(reader.read(serde.encode(withMedia)));
        assertNotNull(reader.read(serde.encode(text)));
    }

    /** Every other kind of event: no line, the decoder's time and conversation. */
    static List<ConversationEvent> otherEvents() {
        ConversationEvent requested =
                TestEvents.conversationRequested("conv-2", "a topic", 6, "ana", "bo");
        return List.of(
                requested,
                TestEvents.turnRequested("conv-2", 1, "bo"),
                TestEvents.turnFailed("conv-2", 2, "ana", 3, "model timed out"),
                TestEvents.turnSkipped("conv-2", 3, "bo", "inactive"),
                TestEvents.completed("conv-2", 5),
                TestEvents.failed("conv-2", "no agents"),
                TestEvents.cancelled("conv-2"));
    }

    @ParameterizedTest
    @MethodSource("otherEvents")
    void otherEventsAreWalkedByTheirSchemaAndGiveNoLine(ConversationEvent event) {
        byte[] bytes = serde.encode(event);
        Utf8Turns.Turn fast = reader.read(bytes);
        assertNotNull(fast, event.getPayload().getClass().getSimpleName());
        Utf8Turns.Turn decoded = turns.read(utf8.decode(bytes));
        assertFalse(fast.message());
        assertFalse(decoded.message());
        assertEquals(decoded.occurredAtMillis(), fast.occurredAtMillis());
        assertEquals(decoded.conversationId().toString(), fast.conversationId().toString());
        // Cut anywhere or with a byte more, the walk refuses it and the decoder decides.
        for (int cut = 10; cut < bytes.length; cut++) {
            assertNull(reader.read(bytes, 0, cut), "cut at " + cut);
        }
        assertNull(reader.read(Arrays.copyOf(bytes, bytes.length + 1)));
    }

    @Test
    void anEventWithAnUnknownPayloadBranchIsLeftToTheDecoder() {
        byte[] requested =
                serde.encode(TestEvents.conversationRequested("conv-2", "t", 6, "ana", "bo"));
        // The payload's branch follows the header, the envelope and the conversation id.
        byte[] badBranch = requested.clone();
        int branchAt = payloadBranchPosition(requested);
        assertEquals(0, badBranch[branchAt]);
        badBranch[branchAt] = 2 * 9; // zig-zag 9: the union has eight branches
        assertNull(reader.read(badBranch));
        assertThrows(EventDecodingException.class, () -> utf8.decode(badBranch));
        assertNotNull(reader.read(requested));
    }

    /** Where the payload's union branch is: after the envelope and the conversation id. */
    private static int payloadBranchPosition(byte[] value) {
        int pos = 10;
        pos = skipString(value, pos); // eventId
        while ((value[pos++] & 0x80) != 0) {} // occurredAt
        pos = skipString(value, pos); // source
        for (int i = 0; i < 2; i++) { // correlationId, causationId
            if (value[pos++] == 2) {
                pos = skipString(value, pos);
            }
        }
        return skipString(value, pos); // conversationId
    }

    private static int skipString(byte[] value, int pos) {
        int n = 0;
        int shift = 0;
        int x;
        do {
            x = value[pos++] & 0xFF;
            n |= (x & 0x7F) << shift;
            shift += 7;
        } while (x >= 0x80);
        return pos + ((n >>> 1) ^ -(n & 1));
    }

    @Test
    void badBytesAreLeftToTheDecoderWhichRejectsThem() {
        byte[] good = serde.encode(TestEvents.messageAppended("conv-1", 0, "ana", "hi"));
        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        byte[] badId = good.clone();
        badId[11] = 'g'; // first character of the event id (after header and length)
        byte[] badFingerprint = good.clone();
        badFingerprint[5] ^= 1;
        for (byte[] bad : List.of(truncated, trailing, badId, badFingerprint)) {
            assertNull(reader.read(bad));
        }
        assertThrows(EventDecodingException.class, () -> utf8.decode(truncated));
        assertThrows(EventDecodingException.class, () -> utf8.decode(badId));
        assertThrows(EventDecodingException.class, () -> utf8.decode(badFingerprint));
        assertNull(reader.read(new byte[3]));
    }

    @Test
    void readsAValueInsideALargerArrayAndNeverPastItsEnd() {
        byte[] value = serde.encode(TestEvents.messageAppended("conv-1", 4, "ana", "hi there"));
        // As a fetched buffer holds it: other bytes before and after the value.
        byte[] fetched = new byte[value.length + 25];
        Arrays.fill(fetched, (byte) 7);
        System.arraycopy(value, 0, fetched, 5, value.length);
        Utf8Turns.Turn inside = reader.read(fetched, 5, value.length);
        assertNotNull(inside);
        assertEquals("hi there", inside.content().toString());
        assertArrayEquals(
                new JsonFormats().turnLine(reader.read(value)), new JsonFormats().turnLine(inside));
        Utf8Turns.Turn fromBuffer = reader.read(ByteBuffer.wrap(fetched, 5, value.length).slice());
        assertNotNull(fromBuffer);
        assertArrayEquals(
                new JsonFormats().turnLine(inside), new JsonFormats().turnLine(fromBuffer));
        // A value cut short: the bytes that follow it in the array (here the rest of the value)
        // are not its own, so it is left to the decoder, which refuses it.
        for (int cut = 0; cut < value.length; cut++) {
            assertNull(reader.read(fetched, 5, cut), "cut at " + cut);
        }
        assertThrows(
                EventDecodingException.class,
                () -> utf8.decode(Arrays.copyOf(value, value.length - 1)));
        // A direct buffer has no array to slice: the decoder reads a copy.
        ByteBuffer direct = ByteBuffer.allocateDirect(value.length).put(value).flip();
        assertNull(reader.read(direct));
    }
}
