package ams.export.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.Envelope;
import ams.events.conversation.ConversationEvent;
import ams.testkit.TestEvents;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConversationAssemblerTest {

    @Test
    void shouldEmitACompletedConversationWholeInTurnOrderAndOnce() {
        ConversationAssembler assembler = new ConversationAssembler();
        assembler.apply(0, TestEvents.conversationRequested("c", "t", 3, "a", "b"));
        assembler.apply(1, TestEvents.messageAppended("c", 1, "b", "second"));
        assembler.apply(2, TestEvents.messageAppended("c", 0, "a", "first"));
        CompletedConversation done = assembler.apply(3, TestEvents.completed("c", 2)).orElseThrow();
        assertEquals(
                List.of("first", "second"),
                done.messages().stream().map(m -> m.message().getContent()).toList());
        assertEquals("t", done.topic());
        assertTrue(
                assembler.apply(4, TestEvents.completed("c", 2)).isEmpty(),
                "a repeated completion emits nothing");
    }

    @Test
    void shouldKeepTheLowWatermarkAtTheOldestOpenConversation() {
        ConversationAssembler assembler = new ConversationAssembler();
        assertEquals(11, assembler.lowWatermark(10), "nothing open: resume right after the file");
        assembler.apply(5, TestEvents.conversationRequested("old", "t", 3, "a"));
        assembler.apply(7, TestEvents.conversationRequested("new", "t", 3, "a"));
        assertEquals(5, assembler.lowWatermark(10));
        assembler.apply(8, TestEvents.cancelled("new"));
        assertEquals(5, assembler.lowWatermark(10), "a cancelled conversation is dropped at once");
        assembler.apply(9, TestEvents.failed("old", "gave up"));
        assertEquals(5, assembler.lowWatermark(10), "a failed one waits for a resume");
        assembler.apply(
                10,
                at(
                        TestEvents.conversationRequested("later", "t", 3, "a"),
                        Instant.now()
                                .plus(ConversationAssembler.FAILED_RETENTION)
                                .plusSeconds(60)));
        assertEquals(
                10, assembler.lowWatermark(10), "past its retention the failed one is dropped");
    }

    @Test
    void shouldExportAResumedConversationWholeAfterItFailed() {
        ConversationAssembler assembler = new ConversationAssembler();
        assembler.apply(0, TestEvents.conversationRequested("c", "t", 3, "a", "b"));
        assembler.apply(1, TestEvents.messageAppended("c", 0, "a", "first"));
        assertTrue(assembler.apply(2, TestEvents.failed("c", "provider down")).isEmpty());
        assertTrue(
                assembler.apply(3, TestEvents.cancelled("c")).isEmpty(),
                "cancel of a failed one: ignored, as the state machine does");
        assembler.apply(4, TestEvents.messageAppended("c", 1, "b", "second"));
        assembler.apply(5, TestEvents.messageAppended("c", 2, "a", "third"));
        CompletedConversation done = assembler.apply(6, TestEvents.completed("c", 3)).orElseThrow();
        assertEquals(
                List.of("first", "second", "third"),
                done.messages().stream().map(m -> m.message().getContent()).toList());
        assertEquals(0, assembler.openConversations());
    }

    private static ConversationEvent at(ConversationEvent event, Instant time) {
        return ConversationEvent.newBuilder(event)
                .setEnvelope(Envelope.newBuilder(event.getEnvelope()).setOccurredAt(time).build())
                .build();
    }

    @Test
    void shouldIgnoreMessagesOfConversationsItDidNotSeeStart() {
        ConversationAssembler assembler = new ConversationAssembler();
        assembler.apply(0, TestEvents.messageAppended("x", 0, "a", "orphan"));
        assertTrue(assembler.apply(1, TestEvents.completed("x", 1)).isEmpty());
        assertEquals(0, assembler.openConversations());
    }
}
