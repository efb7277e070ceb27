package ams.conversations.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ams.testkit.TestEvents;
import java.io.IOException;
import java.util.List;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroStoreSerdeTest {

    private static ConversationState state() {
        ConversationState started =
                ConversationStateMachine.apply(
                                null, TestEvents.conversationRequested("c", "topic", 3, "a", "b"))
                        .state();
        return ConversationStateMachine.apply(
                        started, TestEvents.messageAppended("c", 0, "a", "hello"))
                .state();
    }

    private static StoredMessage message(StoredMessage.Usage usage) {
        return new StoredMessage(
                "c",
                7,
                "m-1",
                3,
                "a",
                "assistant",
                "héllo",
                null,
                1234L,
                "scripted",
                usage,
                null,
                List.of("doc-1", "doc-2"),
                "{\"x\":1}",
                null);
    }

    @Test
    void shouldRoundTripEveryFieldIncludingNulls() {
        AvroStoreSerde<ConversationState> states = AvroStoreSerde.conversationState();
        ConversationState s = state();
        assertEquals(
                s, states.deserializer().deserialize("t", states.serializer().serialize("t", s)));
        ConversationState failed = s.withStatus(Status.FAILED, null, 99L);
        assertEquals(
                failed,
                states.deserializer().deserialize("t", states.serializer().serialize("t", failed)));

        AvroStoreSerde<StoredMessage> messages = AvroStoreSerde.storedMessage();
        for (StoredMessage m :
                List.of(message(null), message(new StoredMessage.Usage(10, 5, 15, true)))) {
            assertEquals(
                    m,
                    messages.deserializer()
                            .deserialize("t", messages.serializer().serialize("t", m)));
        }
        assertNull(messages.serializer().serialize("t", null));
        assertNull(messages.deserializer().deserialize("t", null));
    }

    @Test
    void shouldWriteAvroOfTheDocumentedSchema() throws IOException {
        byte[] bytes =
                AvroStoreSerde.storedMessage()
                        .serializer()
                        .serialize("t", message(new StoredMessage.Usage(10, 5, 15, true)));
        GenericRecord read =
                new GenericDatumReader<GenericRecord>(AvroStoreSerde.STORED_MESSAGE)
                        .read(
                                null,
                                DecoderFactory.get()
                                        .binaryDecoder(bytes, 1, bytes.length - 1, null));
        assertEquals("héllo", read.get("content").toString());
        assertEquals(15, ((GenericRecord) read.get("usage")).get("totalTokens"));
        assertNull(read.get("latencyMillis"));

        byte[] state = AvroStoreSerde.conversationState().serializer().serialize("t", state());
        GenericRecord s =
                new GenericDatumReader<GenericRecord>(AvroStoreSerde.CONVERSATION_STATE)
                        .read(
                                null,
                                DecoderFactory.get()
                                        .binaryDecoder(state, 1, state.length - 1, null));
        assertEquals("RUNNING", s.get("status").toString());
        assertEquals(1, s.get("turnsDone"));
        assertEquals("b", s.get("nextSpeaker").toString());
    }

    @Test
    void shouldKeepTheTerminationExpressionAndReadValuesWrittenBeforeIt() {
        ConversationState s = state();
        ConversationState withExpression =
                new ConversationState(
                        s.conversationId(),
                        s.status(),
                        s.participants(),
                        s.topic(),
                        s.maxTurns(),
                        s.speakerPolicy(),
                        s.speakerOrder(),
                        s.seed(),
                        s.stopPhrases(),
                        s.tokenBudget(),
                        s.timeoutMillis(),
                        s.sessionId(),
                        s.humanParticipants(),
                        s.provider(),
                        s.model(),
                        s.requestedAt(),
                        s.updatedAt(),
                        s.turnsDone(),
                        s.nextSpeaker(),
                        s.lastSpeaker(),
                        s.tokensUsed(),
                        s.messageCount(),
                        s.humanMessageIds(),
                        s.reason(),
                        "speaker('b') | max_turns(2)",
                        new ConversationState.HumanTurnSettings(5000L, "SKIP"),
                        s.turnRequestedAt());
        AvroStoreSerde<ConversationState> serde = AvroStoreSerde.conversationState();
        byte[] bytes = serde.serializer().serialize("t", withExpression);
        assertEquals(withExpression, serde.deserializer().deserialize("t", bytes));
        // A value of the version before the fields appended later: the same bytes without them
        // (read back with the turn requested at its last update).
        ConversationState s2 = withRequestedAt(s, s.updatedAt());
        byte[] current = serde.serializer().serialize("t", s2);
        byte[] old = java.util.Arrays.copyOf(current, current.length - tailLength(s2));
        assertEquals(s2, serde.deserializer().deserialize("t", old));
        // One written with the expression but before the human-turn fields.
        byte[] withoutHumans =
                java.util.Arrays.copyOf(current, current.length - tailLength(s2) + 1);
        assertEquals(s2, serde.deserializer().deserialize("t", withoutHumans));
    }

    /** Bytes of the fields appended after {@code reason} for a state without them set. */
    private static int tailLength(ConversationState s) {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            org.apache.avro.io.Encoder out =
                    org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(bytes, null);
            for (int i = 0; i < 3; i++) { // termination, humanTurnsTimeoutMillis, ...OnTimeout
                out.writeIndex(0);
                out.writeNull();
            }
            out.writeIndex(1);
            out.writeLong(s.turnRequestedAt());
            out.flush();
            return bytes.size();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ConversationState withRequestedAt(ConversationState s, long at) {
        return new ConversationState(
                s.conversationId(),
                s.status(),
                s.participants(),
                s.topic(),
                s.maxTurns(),
                s.speakerPolicy(),
                s.speakerOrder(),
                s.seed(),
                s.stopPhrases(),
                s.tokenBudget(),
                s.timeoutMillis(),
                s.sessionId(),
                s.humanParticipants(),
                s.provider(),
                s.model(),
                s.requestedAt(),
                s.updatedAt(),
                s.turnsDone(),
                s.nextSpeaker(),
                s.lastSpeaker(),
                s.tokensUsed(),
                s.messageCount(),
                s.humanMessageIds(),
                s.reason(),
                null,
                null,
                at);
    }

    @Test
    void shouldStillReadTheJsonOfEarlierVersionsAndRefuseAnythingElse() {
        ConversationState s = state();
        byte[] json = new JsonSerde<>(ConversationState.class).serializer().serialize("t", s);
        assertEquals(s, AvroStoreSerde.conversationState().deserializer().deserialize("t", json));
        assertThrows(
                SerializationException.class,
                () ->
                        AvroStoreSerde.conversationState()
                                .deserializer()
                                .deserialize("t", new byte[] {9, 1, 2}));
    }
}
