package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import ams.testkit.TestEvents;

class ConversationAssemblerTest {

    @Test
    void shouldEmitACompletedConversationWholeInTurnOrderAndOnce() {
        ConversationAssembler assembler = new ConversationAssembler();
        assembler.apply(0, TestEvents.conversationRequested("c", "t", 3, "a", "b"));
        assembler.apply(1, TestEvents.messageAppended("c", 1, "b", "second"));
        assembler.apply(2, TestEvents.messageAppended("c", 0, "a", "first"));
        CompletedConversation done = assembler.apply(3, TestEvents.completed("c", 2)).orElseThrow();
        assertEquals(List.of("first", "second"),
                done.messages().stream().map(m -> m.message().getContent()).toList());
        assertEquals("t", done.topic());
        assertTrue(assembler.apply(4, TestEvents.completed("c", 2)).isEmpty(), "a repeated completion emits nothing");
    }

    @Test
    void shouldKeepTheLowWatermarkAtTheOldestOpenConversation() {
        ConversationAssembler assembler = new ConversationAssembler();
        assertEquals(11, assembler.lowWatermark(10), "nothing open: resume right after the file");
        assembler.apply(5, TestEvents.conversationRequested("old", "t", 3, "a"));
        assembler.apply(7, TestEvents.conversationRequested("new", "t", 3, "a"));
        assertEquals(5, assembler.lowWatermark(10));
        assembler.apply(8, TestEvents.failed("old", "gave up"));
        assertEquals(7, assembler.lowWatermark(10), "failed conversations are dropped, never exported");
        assembler.apply(9, TestEvents.cancelled("new"));
        assertEquals(11, assembler.lowWatermark(10));
    }

    @Test
    void shouldIgnoreMessagesOfConversationsItDidNotSeeStart() {
        ConversationAssembler assembler = new ConversationAssembler();
        assembler.apply(0, TestEvents.messageAppended("x", 0, "a", "orphan"));
        assertTrue(assembler.apply(1, TestEvents.completed("x", 1)).isEmpty());
        assertEquals(0, assembler.openConversations());
    }
}
