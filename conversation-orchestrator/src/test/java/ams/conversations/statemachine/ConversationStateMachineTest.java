package ams.conversations.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.Envelopes;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.conversation.Termination;
import ams.events.conversation.TurnRequested;
import ams.testkit.TestEvents;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConversationStateMachineTest {

    private static ConversationState started(ConversationEvent request) {
        return ConversationStateMachine.apply(null, request).state();
    }

    private static ConversationState after(ConversationState s, ConversationEvent e) {
        ConversationStateMachine.Step step = ConversationStateMachine.apply(s, e);
        assertNull(step.rejection(), step.rejection());
        return step.state() == null ? s : step.state();
    }

    @Test
    void shouldRequestTheFirstTurnOfTheFirstParticipant() {
        ConversationStateMachine.Step step =
                ConversationStateMachine.apply(
                        null, TestEvents.conversationRequested("c", "t", 3, "a", "b"));
        assertEquals(Status.REQUESTED, step.state().status());
        TurnRequested turn = (TurnRequested) step.emit().get(0);
        assertEquals(0, turn.getTurnNumber());
        assertEquals("a", turn.getSpeakerAgentId());
    }

    @Test
    void shouldRequestTheNextTurnAndCompleteAtMaxTurns() {
        ConversationState s = started(TestEvents.conversationRequested("c", "t", 2, "a", "b"));
        ConversationStateMachine.Step first =
                ConversationStateMachine.apply(s, TestEvents.messageAppended("c", 0, "a", "hi"));
        assertEquals("b", ((TurnRequested) first.emit().get(0)).getSpeakerAgentId());
        assertEquals(0, first.message().seq());
        ConversationStateMachine.Step second =
                ConversationStateMachine.apply(
                        first.state(), TestEvents.messageAppended("c", 1, "b", "yo"));
        assertEquals(Status.COMPLETED, second.state().status());
        assertEquals("max_turns", ((ConversationCompleted) second.emit().get(0)).getReason());
        assertEquals(2, ((ConversationCompleted) second.emit().get(0)).getTurnsCompleted());
    }

    @Test
    void shouldIgnoreADuplicateMessageForATurnAlreadyDone() {
        ConversationState s =
                after(
                        started(TestEvents.conversationRequested("c", "t", 5, "a", "b")),
                        TestEvents.messageAppended("c", 0, "a", "first"));
        ConversationStateMachine.Step duplicate =
                ConversationStateMachine.apply(s, TestEvents.messageAppended("c", 0, "a", "again"));
        assertNull(duplicate.state());
        assertNull(duplicate.message());
        assertTrue(duplicate.emit().isEmpty());
        assertNull(duplicate.rejection());
    }

    private static ConversationEvent standingIn(ConversationEvent message, String forWhom) {
        return ConversationEvent.newBuilder(message)
                .setPayload(
                        MessageAppended.newBuilder((MessageAppended) message.getPayload())
                                .setMetadataJson(
                                        "{\""
                                                + ConversationStateMachine.STANDS_IN_FOR
                                                + "\":\""
                                                + forWhom
                                                + "\"}")
                                .build())
                .build();
    }

    @Test
    void shouldAcceptAStandInForASpeakerDeactivatedMidConversation() {
        ConversationState s =
                after(
                        started(TestEvents.conversationRequested("c", "t", 5, "a", "b", "c")),
                        TestEvents.messageAppended("c", 0, "a", "first"));
        ConversationEvent standIn = standingIn(TestEvents.messageAppended("c", 1, "c", "x"), "b");
        ConversationStateMachine.Step step = ConversationStateMachine.apply(s, standIn);
        assertNull(step.rejection(), step.rejection());
        assertEquals(2, step.state().turnsDone());
        // Standing in for someone who is not the expected speaker is still the wrong speaker.
        ConversationEvent wrong = standingIn(TestEvents.messageAppended("c", 1, "c", "x"), "a");
        assertNotNull(ConversationStateMachine.apply(s, wrong).rejection());
    }

    @Test
    void shouldRejectAMessageForAFutureTurnOrByTheWrongSpeaker() {
        ConversationState s = started(TestEvents.conversationRequested("c", "t", 5, "a", "b"));
        assertNotNull(
                ConversationStateMachine.apply(s, TestEvents.messageAppended("c", 3, "a", "early"))
                        .rejection());
        assertNotNull(
                ConversationStateMachine.apply(
                                s, TestEvents.messageAppended("c", 0, "b", "not my turn"))
                        .rejection());
        assertNotNull(
                ConversationStateMachine.apply(
                                null, TestEvents.messageAppended("nope", 0, "a", "x"))
                        .rejection());
    }

    @Test
    void shouldRejectInvalidRequestsAndDuplicates() {
        assertNotNull(
                ConversationStateMachine.apply(
                                null, TestEvents.conversationRequested("c", "t", 0, "a"))
                        .rejection());
        assertNotNull(
                ConversationStateMachine.apply(null, TestEvents.conversationRequested("c", "t", 3))
                        .rejection());
        assertNotNull(
                ConversationStateMachine.apply(
                                null, TestEvents.conversationRequested("c", "t", 3, "a", "a"))
                        .rejection());
        ConversationState s = started(TestEvents.conversationRequested("c", "t", 3, "a"));
        ConversationStateMachine.Step retry =
                ConversationStateMachine.apply(
                        s, TestEvents.conversationRequested("c", "t", 3, "a"));
        assertNull(retry.rejection(), "the same request again is a retry, not an error");
        assertNull(retry.state());
        assertTrue(retry.emit().isEmpty());
        assertTrue(
                ConversationStateMachine.apply(
                                s, TestEvents.conversationRequested("c", "t", 4, "a"))
                        .rejection()
                        .contains("different maxTurns"));
        assertTrue(
                ConversationStateMachine.apply(
                                s, TestEvents.conversationRequested("c", "t", 3, "a", "b"))
                        .rejection()
                        .contains("different participants"));
    }

    @Test
    void shouldFailTheConversationOnANonRetriableTurnFailureOnly() {
        ConversationState s = started(TestEvents.conversationRequested("c", "t", 3, "a", "b"));
        ConversationState retrying = after(s, TestEvents.turnFailed("c", 0, "a", 1, "429"));
        assertEquals(Status.REQUESTED, retrying.status());
        ConversationEvent finalFailure =
                TestEvents.conversationEvent(
                        "c",
                        ams.events.conversation.TurnFailed.newBuilder()
                                .setTurnNumber(0)
                                .setSpeakerAgentId("a")
                                .setAttempt(3)
                                .setReason("500")
                                .setRetriable(false)
                                .build());
        ConversationStateMachine.Step step = ConversationStateMachine.apply(retrying, finalFailure);
        assertEquals(Status.FAILED, step.state().status());
        assertEquals(0, ((ConversationFailed) step.emit().get(0)).getFailedTurn());
    }

    @Test
    void shouldStopOnCancelAndIgnoreLateAnswersAndItsOwnEchoes() {
        ConversationState s =
                after(
                        started(TestEvents.conversationRequested("c", "t", 3, "a", "b")),
                        TestEvents.cancelled("c"));
        assertEquals(Status.CANCELLED, s.status());
        ConversationStateMachine.Step late =
                ConversationStateMachine.apply(s, TestEvents.messageAppended("c", 0, "a", "late"));
        assertNull(late.state());
        assertNull(late.rejection());
        assertNull(ConversationStateMachine.apply(s, TestEvents.completed("c", 0)).state());
    }

    @Test
    void shouldEndOnStopPhraseTokenBudgetAndTimeout() {
        ConversationEvent request =
                TestEvents.conversationEvent(
                        "c",
                        ConversationRequested.newBuilder(
                                        (ConversationRequested)
                                                TestEvents.conversationRequested(
                                                                "c", "t", 10, "a", "b")
                                                        .getPayload())
                                .setTermination(
                                        Termination.newBuilder()
                                                .setStopPhrases(List.of("The End"))
                                                .setTokenBudget(40L)
                                                .setTimeoutMillis(60_000L)
                                                .build())
                                .build());
        ConversationState s = started(request);
        ConversationStateMachine.Step stop =
                ConversationStateMachine.apply(
                        s, TestEvents.messageAppended("c", 0, "a", "and that is the end."));
        assertEquals("stop_phrase", stop.state().reason());
        ConversationState one = after(s, TestEvents.messageAppended("c", 0, "a", "fifteen tokens"));
        ConversationState two = after(one, TestEvents.messageAppended("c", 1, "b", "thirty now"));
        ConversationStateMachine.Step budget =
                ConversationStateMachine.apply(
                        two, TestEvents.messageAppended("c", 2, "a", "over budget"));
        assertEquals("token_budget", budget.state().reason());
        ConversationStateMachine.Step timeout =
                ConversationStateMachine.timeout(s, s.requestedAt() + 60_000);
        assertEquals("timeout", timeout.state().reason());
        assertNull(ConversationStateMachine.timeout(s, s.requestedAt() + 59_999).state());
    }

    private static ConversationEvent withTermination(String expression, int maxTurns) {
        return TestEvents.conversationEvent(
                "c",
                ConversationRequested.newBuilder(
                                (ConversationRequested)
                                        TestEvents.conversationRequested(
                                                        "c", "t", maxTurns, "a", "b")
                                                .getPayload())
                        .setTermination(Termination.newBuilder().setExpression(expression).build())
                        .build());
    }

    @Test
    void shouldEndWhenTheTerminationExpressionHoldsAndNotBefore() {
        ConversationState s =
                started(
                        withTermination(
                                "max_turns(6) | (stop_phrase(\"DONE\") & min_turns(3))", 10));
        assertEquals("max_turns(6) | (stop_phrase(\"DONE\") & min_turns(3))", s.termination());
        // "done" at turn 1 is too early: the conjunction needs three turns.
        ConversationState one = after(s, TestEvents.messageAppended("c", 0, "a", "we are done"));
        assertEquals(Status.RUNNING, one.status());
        ConversationState two = after(one, TestEvents.messageAppended("c", 1, "b", "not yet"));
        ConversationStateMachine.Step third =
                ConversationStateMachine.apply(
                        two, TestEvents.messageAppended("c", 2, "a", "DONE, then"));
        assertEquals(Status.COMPLETED, third.state().status());
        assertEquals(
                "condition: stop_phrase(\"DONE\") & min_turns(3)",
                ((ConversationCompleted) third.emit().get(0)).getReason());

        // Without the phrase the first alternative ends it at six turns, before num_turns (10).
        ConversationState at = started(withTermination("max_turns(6) | stop_phrase('x')", 10));
        for (int turn = 0; turn < 5; turn++) {
            at = after(at, TestEvents.messageAppended("c", turn, turn % 2 == 0 ? "a" : "b", "hi"));
        }
        ConversationStateMachine.Step sixth =
                ConversationStateMachine.apply(at, TestEvents.messageAppended("c", 5, "b", "hi"));
        assertEquals("condition: max_turns(6)", sixth.state().reason());
    }

    @Test
    void shouldEndByWhoSpokeAndStillStopAtNumTurns() {
        ConversationState s = started(withTermination("speaker(\"b\") & !min_turns(3)", 4));
        ConversationStateMachine.Step first =
                ConversationStateMachine.apply(s, TestEvents.messageAppended("c", 0, "a", "hi"));
        assertEquals(Status.RUNNING, first.state().status());
        ConversationStateMachine.Step second =
                ConversationStateMachine.apply(
                        first.state(), TestEvents.messageAppended("c", 1, "b", "bye"));
        assertEquals("condition: speaker(\"b\") & !min_turns(3)", second.state().reason());

        ConversationState never = started(withTermination("stop_phrase(\"never said\")", 2));
        ConversationState one = after(never, TestEvents.messageAppended("c", 0, "a", "hi"));
        ConversationStateMachine.Step end =
                ConversationStateMachine.apply(one, TestEvents.messageAppended("c", 1, "b", "hi"));
        assertEquals("max_turns", end.state().reason(), "num_turns still caps the conversation");
    }

    @Test
    void shouldRejectARequestWhoseTerminationCannotBeRead() {
        ConversationStateMachine.Step step =
                ConversationStateMachine.apply(null, withTermination("max_turns(3", 10));
        assertNotNull(step.rejection());
        assertTrue(step.rejection().contains("column"), step.rejection());
    }

    @Test
    void shouldStoreHumanMessagesOnceWithoutTakingATurn() {
        ConversationState s = started(TestEvents.conversationRequested("c", "t", 3, "a", "b"));
        ConversationEvent human =
                ConversationEvent.newBuilder()
                        .setEnvelope(Envelopes.create("rest", Instant.now()))
                        .setConversationId("c")
                        .setPayload(
                                MessageAppended.newBuilder()
                                        .setTurnNumber(0)
                                        .setMessageId("h1")
                                        .setAgentId("alice")
                                        .setRole(MessageRole.USER)
                                        .setContent("hello agents")
                                        .build())
                        .build();
        ConversationStateMachine.Step step = ConversationStateMachine.apply(s, human);
        assertEquals("user", step.message().role());
        assertEquals(0, step.state().turnsDone());
        assertEquals(1, step.state().messageCount());
        assertNull(
                ConversationStateMachine.apply(step.state(), human).state(),
                "the same human message twice is stored once");
        ConversationStateMachine.Step turn =
                ConversationStateMachine.apply(
                        step.state(), TestEvents.messageAppended("c", 0, "a", "hi"));
        assertEquals(1, turn.message().seq(), "messages keep arrival order");
    }

    private static ConversationEvent resumeRequest(String id, int turn) {
        return ConversationEvent.newBuilder()
                .setEnvelope(Envelopes.create("rest", Instant.now()))
                .setConversationId(id)
                .setPayload(
                        TurnRequested.newBuilder()
                                .setTurnNumber(turn)
                                .setSpeakerAgentId("")
                                .build())
                .build();
    }

    private static ConversationEvent ownTurnRequest(String id, int turn, String speaker) {
        return ConversationEvent.newBuilder()
                .setEnvelope(Envelopes.create(ConversationTopology.SOURCE, Instant.now()))
                .setConversationId(id)
                .setPayload(
                        TurnRequested.newBuilder()
                                .setTurnNumber(turn)
                                .setSpeakerAgentId(speaker)
                                .build())
                .build();
    }

    @Test
    void shouldResumeAFailedConversationFromTheTurnThatFailed() {
        ConversationState s =
                after(
                        started(TestEvents.conversationRequested("c", "t", 4, "a", "b")),
                        TestEvents.messageAppended("c", 0, "a", "hi"));
        ConversationState failed =
                after(
                        s,
                        TestEvents.conversationEvent(
                                "c",
                                ams.events.conversation.TurnFailed.newBuilder()
                                        .setTurnNumber(1)
                                        .setSpeakerAgentId("b")
                                        .setAttempt(3)
                                        .setReason("500")
                                        .setRetriable(false)
                                        .build()));
        assertEquals(Status.FAILED, failed.status());
        assertEquals(
                "b", failed.nextSpeaker(), "a failed conversation still shows whose turn failed");

        ConversationStateMachine.Step resumed =
                ConversationStateMachine.apply(failed, resumeRequest("c", 1));

        assertNull(resumed.rejection());
        assertEquals(Status.RUNNING, resumed.state().status());
        assertNull(resumed.state().reason(), "the failure reason is cleared");
        assertEquals(1, resumed.state().turnsDone(), "history stays");
        assertEquals(4, resumed.state().maxTurns());
        TurnRequested again = (TurnRequested) resumed.emit().get(0);
        assertEquals(1, again.getTurnNumber());
        assertEquals(
                "b",
                again.getSpeakerAgentId(),
                "the state machine chooses the speaker, not the request");
        assertNull(
                ConversationStateMachine.apply(resumed.state(), ownTurnRequest("c", 1, "b"))
                        .state(),
                "its own re-request read back changes nothing");
        ConversationState done =
                after(
                        after(
                                after(
                                        resumed.state(),
                                        TestEvents.messageAppended("c", 1, "b", "back")),
                                TestEvents.messageAppended("c", 2, "a", "x")),
                        TestEvents.messageAppended("c", 3, "b", "y"));
        assertEquals(Status.COMPLETED, done.status());
        assertEquals(4, done.turnsDone());
    }

    @Test
    void shouldReissueTheTurnOfARunningConversationAndIgnoreStaleOrFinalResumes() {
        ConversationState running =
                after(
                        after(
                                started(TestEvents.conversationRequested("c", "t", 3, "a", "b")),
                                ownTurnRequest("c", 0, "a")),
                        TestEvents.messageAppended("c", 0, "a", "hi"));
        assertEquals(Status.RUNNING, running.status());
        ConversationStateMachine.Step stuck =
                ConversationStateMachine.apply(running, resumeRequest("c", 1));
        assertNull(stuck.state(), "a running conversation stays as it is");
        assertEquals(1, ((TurnRequested) stuck.emit().get(0)).getTurnNumber());
        assertEquals("b", ((TurnRequested) stuck.emit().get(0)).getSpeakerAgentId());

        ConversationStateMachine.Step stale =
                ConversationStateMachine.apply(running, resumeRequest("c", 0));
        assertNull(stale.state());
        assertTrue(stale.emit().isEmpty(), "a resume of a turn already answered does nothing");

        ConversationState cancelled = after(running, TestEvents.cancelled("c"));
        ConversationStateMachine.Step refused =
                ConversationStateMachine.apply(cancelled, resumeRequest("c", 1));
        assertNull(refused.state());
        assertTrue(refused.emit().isEmpty());
        assertNull(refused.rejection(), "no dead letter: the REST route refuses it with 409 first");
    }

    @Test
    void shouldDropItsOwnDecisionsReadBackWithoutLookingAtTheState() {
        ConversationEvent ownFailure =
                ConversationEvent.newBuilder()
                        .setEnvelope(Envelopes.create(ConversationTopology.SOURCE, Instant.now()))
                        .setConversationId("c")
                        .setPayload(
                                ConversationFailed.newBuilder()
                                        .setReason("turn 0 failed")
                                        .setFailedTurn(0)
                                        .build())
                        .build();
        assertTrue(ConversationStateMachine.isEcho(ownTurnRequest("c", 1, "b")));
        assertTrue(ConversationStateMachine.isEcho(ownFailure));
        assertTrue(
                !ConversationStateMachine.isEcho(ownTurnRequest("c", 0, "a")),
                "TurnRequested(0) read back moves REQUESTED to RUNNING");
        assertTrue(!ConversationStateMachine.isEcho(resumeRequest("c", 1)));
        assertTrue(!ConversationStateMachine.isEcho(TestEvents.messageAppended("c", 0, "a", "hi")));
        // Unknown conversation: an echo is dropped, not dead-lettered.
        ConversationStateMachine.Step unknown =
                ConversationStateMachine.apply(null, ownTurnRequest("x", 3, "a"));
        assertNull(unknown.rejection());
        assertNull(unknown.state());

        // A resume read before the old ConversationFailed came back: the echo does not fail the
        // resumed conversation again.
        ConversationState failed =
                after(
                        started(TestEvents.conversationRequested("c", "t", 3, "a", "b")),
                        TestEvents.conversationEvent(
                                "c",
                                ams.events.conversation.TurnFailed.newBuilder()
                                        .setTurnNumber(0)
                                        .setSpeakerAgentId("a")
                                        .setAttempt(3)
                                        .setReason("500")
                                        .setRetriable(false)
                                        .build()));
        ConversationState resumed = after(failed, resumeRequest("c", 0));
        assertEquals(Status.RUNNING, resumed.status());
        assertNull(ConversationStateMachine.apply(resumed, ownFailure).state());
    }
}
