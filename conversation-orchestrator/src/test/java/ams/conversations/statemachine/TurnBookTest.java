package ams.conversations.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.Envelopes;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.HumanTimeoutAction;
import ams.events.conversation.HumanTurns;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import ams.testkit.TestEvents;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bookkeeping of turns run inside the state machine's task, crash and resume cases included,
 * without a broker: which turn to run for a state and its answered marker, whether a finished turn
 * is published, and when the marker goes.
 */
class TurnBookTest {

    private static ConversationState after(ConversationState s, ConversationEvent e) {
        ConversationStateMachine.Step step = ConversationStateMachine.apply(s, e);
        assertNull(step.rejection(), step.rejection());
        return step.state() == null ? s : step.state();
    }

    private static ConversationState started() {
        return after(null, TestEvents.conversationRequested("c", "t", 3, "a", "b"));
    }

    private static TurnBook.Finished answer(int turn, String speaker) {
        return new TurnBook.Finished(
                "c",
                turn,
                List.of(TestEvents.messageAppended("c", turn, speaker, "hi").getPayload()));
    }

    private static ConversationEvent finalFailure(int turn, String speaker) {
        return TestEvents.conversationEvent(
                "c",
                TurnFailed.newBuilder()
                        .setTurnNumber(turn)
                        .setSpeakerAgentId(speaker)
                        .setAttempt(3)
                        .setReason("HTTP 500")
                        .setRetriable(false)
                        .build());
    }

    private static ConversationEvent resumeRequest(int turn) {
        return ConversationEvent.newBuilder()
                .setEnvelope(Envelopes.create("rest", Instant.now()))
                .setConversationId("c")
                .setPayload(
                        TurnRequested.newBuilder()
                                .setTurnNumber(turn)
                                .setSpeakerAgentId("")
                                .build())
                .build();
    }

    @Test
    void shouldRunTheFirstTurnOfANewConversation() {
        TurnRequested turn = TurnBook.pending(started(), null);
        assertEquals(0, turn.getTurnNumber());
        assertEquals("a", turn.getSpeakerAgentId());
    }

    @Test
    void shouldPublishAFinishedTurnOnceAndRunNothingUntilItIsReadBack() {
        ConversationState s = started();
        assertTrue(TurnBook.finished(s, null, answer(0, "a")).publish());
        // Published with the marker 0: a restore before the read-back runs nothing, and the same
        // turn answered again (a resume's re-request in between) is not published.
        assertNull(TurnBook.pending(s, 0), "the outcome is in the log: no second run");
        assertFalse(TurnBook.finished(s, 0, answer(0, "a")).publish());
        assertEquals(0, TurnBook.answeredAfter(s, 0), "kept until the outcome is read back");

        ConversationState next = after(s, TestEvents.messageAppended("c", 0, "a", "hi"));
        assertNull(TurnBook.answeredAfter(next, 0), "read back: the marker goes");
        TurnRequested turn = TurnBook.pending(next, null);
        assertEquals(1, turn.getTurnNumber());
        assertEquals("b", turn.getSpeakerAgentId());
    }

    @Test
    void shouldRunTheTurnAgainAfterACrashBeforeItsOutcomeCommitted() {
        // Killed after the turn finished but before the transaction with its outcome and marker
        // committed: the restored store has neither, so the turn runs again, once.
        ConversationState restored = after(started(), TestEvents.messageAppended("c", 0, "a", "x"));
        assertEquals(1, TurnBook.pending(restored, null).getTurnNumber());
    }

    @Test
    void shouldDropAFinishedTurnNoLongerWanted() {
        ConversationState s = after(started(), TestEvents.messageAppended("c", 0, "a", "hi"));
        assertEquals(
                "interrupted",
                TurnBook.finished(s, null, new TurnBook.Finished("c", 1, null)).why());
        assertFalse(TurnBook.finished(s, null, answer(0, "a")).publish(), "a stale turn");
        assertFalse(TurnBook.finished(null, null, answer(0, "a")).publish(), "unknown");
        ConversationState cancelled = after(s, TestEvents.cancelled("c"));
        assertEquals(
                "the conversation is CANCELLED",
                TurnBook.finished(cancelled, null, answer(1, "b")).why());
        assertNull(TurnBook.pending(cancelled, null));
        ConversationState completed =
                after(
                        after(s, TestEvents.messageAppended("c", 1, "b", "yo")),
                        TestEvents.messageAppended("c", 2, "a", "bye"));
        assertEquals(Status.COMPLETED, completed.status());
        assertFalse(TurnBook.finished(completed, null, answer(2, "a")).publish(), "completed");
    }

    @Test
    void shouldKeepTheMarkerThroughRetriableFailuresAndDropItOnTheFinalOne() {
        ConversationState s = started();
        ConversationState retried = after(s, TestEvents.turnFailed("c", 0, "a", 1, "HTTP 429"));
        assertEquals(0, TurnBook.answeredAfter(retried, 0));
        ConversationState failed = after(retried, finalFailure(0, "a"));
        assertEquals(Status.FAILED, failed.status());
        assertNull(TurnBook.answeredAfter(failed, 0), "failed for good: the marker goes");
        assertNull(TurnBook.pending(failed, null), "FAILED waits for a resume");

        ConversationState resumed = after(failed, resumeRequest(0));
        assertEquals(Status.RUNNING, resumed.status());
        assertEquals(0, TurnBook.pending(resumed, null).getTurnNumber(), "resumed: run it again");
    }

    @Test
    void shouldRunNothingTwiceForAResumeOfARunningConversation() {
        ConversationState s = after(started(), TestEvents.messageAppended("c", 0, "a", "hi"));
        ConversationState stuck = after(s, resumeRequest(1));
        // The task runs turn 1 already (it checks its running turns) or its outcome is on the way.
        assertNull(TurnBook.pending(stuck, 1));
        assertEquals(1, TurnBook.pending(stuck, null).getTurnNumber());
    }

    @Test
    void shouldNeverRunAPersonsTurn() {
        ConversationEvent request =
                ConversationEvent.newBuilder(TestEvents.conversationRequested("c", "t", 4, "a"))
                        .setPayload(
                                ConversationRequested.newBuilder(
                                                (ConversationRequested)
                                                        TestEvents.conversationRequested(
                                                                        "c", "t", 4, "a")
                                                                .getPayload())
                                        .setHumanParticipants(List.of("ana"))
                                        .setHumanTurns(
                                                HumanTurns.newBuilder()
                                                        .setTimeoutMillis(60_000)
                                                        .setOnTimeout(HumanTimeoutAction.END)
                                                        .build())
                                        .build())
                        .build();
        ConversationState s = after(null, request);
        assertEquals("ana", s.awaitingHuman());
        assertNull(TurnBook.pending(s, null));
        ConversationState agentsTurn = after(s, TestEvents.humanMessage("c", 0, "ana", "hello"));
        assertEquals("a", TurnBook.pending(agentsTurn, null).getSpeakerAgentId());
    }
}
