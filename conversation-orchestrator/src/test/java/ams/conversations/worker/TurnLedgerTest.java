package ams.conversations.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.statemachine.ConversationTopology;
import ams.events.Envelopes;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.HumanTimeoutAction;
import ams.events.conversation.HumanTurns;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import ams.testkit.TestEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The worker's bookkeeping as a function of the log: what a worker that owns a partition runs,
 * after a crash of the previous owner, a resume, a cancellation, in milliseconds and without a
 * broker. Each test writes a partition's log and feeds it to a ledger as a new owner would.
 */
class TurnLedgerTest {

    private static final TopicPartition TP = new TopicPartition("conversation-events", 0);

    /** One partition's log, in order; offset = index. */
    private final List<ConversationEvent> log = new ArrayList<>();

    private void write(ConversationEvent... events) {
        log.addAll(List.of(events));
    }

    private static ConversationEvent own(String id, int turn, String speaker) {
        return ConversationEvent.newBuilder()
                .setEnvelope(Envelopes.create(ConversationTopology.SOURCE, Instant.now()))
                .setConversationId(id)
                .setPayload(
                        TurnRequested.newBuilder()
                                .setTurnNumber(turn)
                                .setSpeakerAgentId(speaker)
                                .setAttempt(1)
                                .build())
                .build();
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

    private static ConversationEvent finalFailure(String id, int turn, String speaker) {
        return TestEvents.conversationEvent(
                id,
                TurnFailed.newBuilder()
                        .setTurnNumber(turn)
                        .setSpeakerAgentId(speaker)
                        .setAttempt(4)
                        .setReason("500")
                        .setRetriable(false)
                        .build());
    }

    /** A new owner: assigned at the log's current end, reads it all, goes live. */
    private List<TurnLedger.Turn> takeOver(TurnLedger ledger) {
        ledger.assigned(TP, log.size());
        List<TurnLedger.Turn> run = new ArrayList<>();
        for (int offset = 0; offset < log.size(); offset++) {
            run.addAll(ledger.apply(TP, offset, log.get(offset)));
        }
        assertTrue(run.isEmpty(), "nothing runs while the partition is rebuilt");
        return ledger.caughtUp(TP, log.size());
    }

    /** Reads one more event as a live owner. */
    private List<TurnLedger.Turn> read(TurnLedger ledger, ConversationEvent event) {
        log.add(event);
        return ledger.apply(TP, log.size() - 1, event);
    }

    private static List<Integer> turns(List<TurnLedger.Turn> run) {
        return run.stream().map(TurnLedger.Turn::turn).toList();
    }

    private static Set<TurnLedger.Turn> none() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }

    @Test
    void shouldRunTheTurnADeadWorkerLeftOpenOnceAndNoTurnAlreadyAnswered() {
        write(
                TestEvents.conversationRequested("c", "t", 5, "a", "b"),
                own("c", 0, "a"),
                TestEvents.messageAppended("c", 0, "a", "zero"),
                own("c", 1, "b"),
                TestEvents.messageAppended("c", 1, "b", "one"),
                own("c", 2, "a")); // the dead worker was running turn 2
        TurnLedger next = new TurnLedger();
        List<TurnLedger.Turn> run = takeOver(next);

        assertEquals(List.of(2), turns(run), "only the unanswered turn");
        assertEquals(5, run.get(0).offset(), "it holds the committed offset back");
        ConversationSnapshot snapshot = next.snapshot(run.get(0));
        assertEquals(
                List.of("zero", "one"),
                snapshot.history().stream()
                        .map(ConversationSnapshot.HistoryMessage::content)
                        .toList());
        assertEquals(5, next.safeOffset(TP, none(), log.size()));
        assertTrue(
                read(next, own("c", 2, "a")).isEmpty(),
                "a re-request of a turn being run (stuck resume) runs nothing twice");
        assertTrue(next.caughtUp(TP, log.size()).isEmpty(), "going live happens once");
    }

    @Test
    void shouldCommitPastATurnBeingPublishedAndForgetItOnlyWhenItsAnswerIsRead() {
        write(TestEvents.conversationRequested("c", "t", 5, "a", "b"), own("c", 0, "a"));
        TurnLedger ledger = new TurnLedger();
        TurnLedger.Turn turn = takeOver(ledger).get(0);
        Set<TurnLedger.Turn> publishing = none();
        publishing.add(turn);

        assertTrue(ledger.stillWanted(turn));
        assertEquals(log.size(), ledger.safeOffset(TP, publishing, log.size()));
        ledger.published(turn);
        assertEquals(log.size(), ledger.safeOffset(TP, none(), log.size()));
        assertTrue(
                read(ledger, own("c", 0, "a")).isEmpty(),
                "published but not read back yet: a resume's re-request is not run again");
        assertTrue(read(ledger, TestEvents.messageAppended("c", 0, "a", "zero")).isEmpty());
        assertFalse(ledger.stillWanted(turn), "answered");
        assertEquals(List.of(1), turns(read(ledger, own("c", 1, "b"))));
    }

    @Test
    void shouldNotRunAStaleRequestOfAFailedConversationButTheOneAfterItsResume() {
        write(
                TestEvents.conversationRequested("c", "t", 5, "a", "b"),
                own("c", 0, "a"),
                TestEvents.messageAppended("c", 0, "a", "zero"),
                own("c", 1, "b"),
                finalFailure("c", 1, "b"),
                own("c", 1, "b"), // issued before the state machine saw the failure
                TestEvents.conversationEvent(
                        "c",
                        ConversationFailed.newBuilder().setReason("x").setFailedTurn(1).build()));
        TurnLedger ledger = new TurnLedger();
        assertTrue(takeOver(ledger).isEmpty(), "a failed conversation runs nothing");

        assertTrue(read(ledger, resumeRequest("c", 1)).isEmpty(), "a user's request is not run");
        List<TurnLedger.Turn> run = read(ledger, own("c", 1, "b"));
        assertEquals(List.of(1), turns(run), "the state machine's re-request after the resume");
        assertEquals(1, ledger.snapshot(run.get(0)).history().size(), "history kept while FAILED");
    }

    @Test
    void shouldDropTheTurnsOfAConversationThatEndsAndNotPublishThem() {
        write(TestEvents.conversationRequested("c", "t", 5, "a", "b"), own("c", 0, "a"));
        TurnLedger ledger = new TurnLedger();
        TurnLedger.Turn turn = takeOver(ledger).get(0);
        read(ledger, TestEvents.cancelled("c"));

        assertFalse(ledger.stillWanted(turn), "a late answer after cancel is not published");
        assertEquals(log.size(), ledger.safeOffset(TP, none(), log.size()));
        assertEquals(0, ledger.openConversations());
        assertTrue(read(ledger, own("c", 1, "b")).isEmpty());
    }

    @Test
    void shouldForgetAPartitionThatMovedAndNotPublishWhatRanThere() {
        write(TestEvents.conversationRequested("c", "t", 5, "a", "b"), own("c", 0, "a"));
        TurnLedger ledger = new TurnLedger();
        TurnLedger.Turn before = takeOver(ledger).get(0);
        ledger.dropped(List.of(TP));
        assertFalse(ledger.stillWanted(before));

        TurnLedger.Turn again = takeOver(ledger).get(0);
        assertFalse(ledger.stillWanted(before), "the earlier dispatch is not this one");
        assertTrue(ledger.stillWanted(again));
    }

    @Test
    void shouldHoldTheOffsetAtTheFirstUnansweredTurnOfManyConversations() {
        write(TestEvents.conversationRequested("x", "t", 5, "a", "b"));
        for (int i = 0; i < 1000; i++) {
            write(
                    TestEvents.conversationRequested("c" + i, "t", 5, "a", "b"),
                    own("c" + i, 0, "a"));
        }
        TurnLedger ledger = new TurnLedger();
        List<TurnLedger.Turn> run = takeOver(ledger);
        assertEquals(1000, run.size());
        Set<TurnLedger.Turn> publishing = none();
        publishing.addAll(run.subList(0, 999));
        assertEquals(run.get(999).offset(), ledger.safeOffset(TP, publishing, log.size()));
        assertEquals(-1, new TurnLedger().safeOffset(TP, none(), 0), "not owned");
    }

    private static ConversationEvent withHumanTurns(String id, String human, String... agents) {
        ConversationRequested r =
                (ConversationRequested)
                        TestEvents.conversationRequested(id, "t", 6, agents).getPayload();
        return TestEvents.conversationEvent(
                id,
                ConversationRequested.newBuilder(r)
                        .setHumanParticipants(List.of(human))
                        .setHumanTurns(
                                HumanTurns.newBuilder()
                                        .setTimeoutMillis(60_000)
                                        .setOnTimeout(HumanTimeoutAction.SKIP)
                                        .build())
                        .build());
    }

    @Test
    void shouldNeverRunAPersonsTurnNorHoldTheOffsetBackForIt() {
        write(withHumanTurns("c", "alice", "a", "b"), own("c", 0, "alice"));
        TurnLedger ledger = new TurnLedger();
        assertTrue(takeOver(ledger).isEmpty(), "the person's turn is not a worker's");
        assertEquals(
                log.size(),
                ledger.safeOffset(TP, none(), log.size()),
                "nothing holds the committed offset back while the person is awaited");

        assertTrue(read(ledger, TestEvents.humanMessage("c", 0, "alice", "hi all")).isEmpty());
        List<TurnLedger.Turn> run = read(ledger, own("c", 1, "a"));
        assertEquals(List.of(1), turns(run), "the agent after the person runs");
        assertEquals(
                List.of("hi all"),
                ledger.snapshot(run.get(0)).history().stream()
                        .map(ConversationSnapshot.HistoryMessage::content)
                        .toList());
        assertTrue(read(ledger, TestEvents.messageAppended("c", 1, "a", "one")).isEmpty());
        assertFalse(ledger.stillWanted(run.get(0)), "answered: the agent's turn 1 counts");
        List<TurnLedger.Turn> next = read(ledger, own("c", 2, "b"));
        assertEquals(List.of(2), turns(next));
        assertTrue(read(ledger, TestEvents.messageAppended("c", 2, "b", "two")).isEmpty());
        assertTrue(read(ledger, own("c", 3, "alice")).isEmpty(), "the person again: not run");
        assertEquals(log.size(), ledger.safeOffset(TP, none(), log.size()));
        // Skipped by timeout, the next agent's turn runs with the history so far.
        read(ledger, TestEvents.turnSkipped("c", 3, "alice", "human_timeout: alice"));
        List<TurnLedger.Turn> after = read(ledger, own("c", 4, "a"));
        assertEquals(List.of(4), turns(after));
        assertEquals(3, ledger.snapshot(after.get(0)).history().size());
        assertEquals(log.size() - 1, ledger.safeOffset(TP, none(), log.size()));
    }

    @Test
    void shouldRebuildAConversationWithPeopleAndRunOnlyTheAgentTurnLeftOpen() {
        write(
                withHumanTurns("c", "alice", "a", "b"),
                own("c", 0, "alice"),
                TestEvents.humanMessage("c", 0, "alice", "hi"),
                own("c", 1, "a"),
                TestEvents.messageAppended("c", 1, "a", "one"),
                own("c", 2, "b")); // the dead worker was running turn 2
        TurnLedger ledger = new TurnLedger();
        List<TurnLedger.Turn> run = takeOver(ledger);
        assertEquals(List.of(2), turns(run));
        assertEquals(5, ledger.safeOffset(TP, none(), log.size()));
    }
}
