package ams.export.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.Envelope;
import ams.events.conversation.ConversationEvent;
import ams.testkit.TestEvents;
import org.junit.jupiter.api.Test;

class JobFilterTest {

    @Test
    void shouldKeepOnlyTheConversationsTheJobRequested() {
        JobFilter filter = new JobFilter("grid");
        ConversationEvent ours =
                byJob(TestEvents.conversationRequested("grid-000001", "t", 2, "a"));
        // A client's own conversation whose id only looks like one of the job's.
        ConversationEvent lookalike = TestEvents.conversationRequested("grid-000002", "t", 2, "a");
        ConversationEvent otherJob =
                byJob(TestEvents.conversationRequested("grid2-000001", "t", 2, "a"));
        assertTrue(filter.accept(ours));
        assertFalse(filter.accept(lookalike));
        assertFalse(filter.accept(otherJob));
        assertTrue(filter.accept(TestEvents.messageAppended("grid-000001", 0, "a", "hi")));
        assertFalse(filter.accept(TestEvents.messageAppended("grid-000002", 0, "a", "hi")));
        assertTrue(filter.accept(TestEvents.completed("grid-000001", 1)));
        assertEquals(1, filter.conversations());
    }

    private static ConversationEvent byJob(ConversationEvent e) {
        String job = e.getConversationId().substring(0, e.getConversationId().lastIndexOf('-'));
        return ConversationEvent.newBuilder(e)
                .setEnvelope(Envelope.newBuilder(e.getEnvelope()).setCorrelationId(job).build())
                .build();
    }
}
