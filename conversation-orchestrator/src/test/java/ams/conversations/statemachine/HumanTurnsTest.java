package ams.conversations.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.Envelopes;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.HumanTimeoutAction;
import ams.events.conversation.HumanTurns;
import ams.events.conversation.SpeakerPolicy;
import ams.events.conversation.TurnRequested;
import ams.events.conversation.TurnSkipped;
import ams.testkit.TestEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * People taking turns, as a table of events through the pure state machine: rotation over {@code
 * humans ++ agents}, the awaited person's message is turn k, an interjection is not, a timeout
 * skips or ends, and folding the same log again gives the same state.
 */
class HumanTurnsTest {

    private static ConversationEvent request(
            SpeakerPolicy policy,
            List<String> order,
            HumanTimeoutAction onTimeout,
            int maxTurns,
            List<String> humans,
            String... agents) {
        ConversationRequested base =
                (ConversationRequested)
                        TestEvents.conversationRequested("c", "t", maxTurns, agents).getPayload();
        return TestEvents.conversationEvent(
                "c",
                ConversationRequested.newBuilder(base)
                        .setSpeakerPolicy(policy)
                        .setSpeakerOrder(order)
                        .setHumanParticipants(humans)
                        .setHumanTurns(
                                onTimeout == null
                                        ? null
                                        : HumanTurns.newBuilder()
                                                .setTimeoutMillis(1_000)
                                                .setOnTimeout(onTimeout)
                                                .build())
                        .build());
    }

    private static ConversationEvent chat(HumanTimeoutAction onTimeout, int maxTurns) {
        return request(
                SpeakerPolicy.ROUND_ROBIN,
                List.of(),
                onTimeout,
                maxTurns,
                List.of("alice", "bob"),
                "a",
                "b");
    }

    /** The log as the state machine reads it, with each step's state and emitted events. */
    private final List<ConversationEvent> log = new ArrayList<>();

    private ConversationState state;
    private ConversationStateMachine.Step last;

    private void read(ConversationEvent event) {
        log.add(event);
        last = ConversationStateMachine.apply(state, event);
        assertNull(last.rejection(), last.rejection());
        if (last.state() != null) {
            state = last.state();
        }
    }

    private String requestedSpeaker() {
        return ((TurnRequested) last.emit().get(0)).getSpeakerAgentId();
    }

    private static ConversationEvent fromOrchestrator(Object payload) {
        return ConversationEvent.newBuilder()
                .setEnvelope(Envelopes.create(ConversationTopology.SOURCE, Instant.now()))
                .setConversationId("c")
                .setPayload(payload)
                .build();
    }

    @Test
    void shouldStartWithThePersonAndCountTheirAwaitedMessageAsTheTurn() {
        read(chat(HumanTimeoutAction.END, 10));
        assertEquals("alice", requestedSpeaker(), "humans first: the chat starts with a person");
        assertEquals("alice", state.awaitingHuman());

        read(TestEvents.humanMessage("c", 7, "alice", "Let us talk about tides."));
        assertEquals(1, state.turnsDone(), "the person's message is turn 0");
        assertEquals("alice", state.lastSpeaker());
        assertEquals(0, last.message().turnNumber(), "stored as turn 0 whatever the route said");
        assertEquals("user", last.message().role());
        assertEquals("bob", requestedSpeaker(), "round robin over alice, bob, a, b");
        assertEquals("bob", state.awaitingHuman());

        read(TestEvents.humanMessage("c", 1, "bob", "Hi."));
        assertEquals("a", requestedSpeaker());
        assertNull(state.awaitingHuman(), "an agent's turn awaits nobody");
        read(TestEvents.messageAppended("c", 2, "a", "Tides follow the moon."));
        assertEquals("b", requestedSpeaker());
        read(TestEvents.messageAppended("c", 3, "b", "And the sun."));
        assertEquals("alice", requestedSpeaker(), "then the person again");
        assertEquals(4, state.turnsDone());
    }

    @Test
    void shouldTakeAMessageOfSomeoneNotAwaitedAsAnInterjection() {
        read(chat(HumanTimeoutAction.END, 10));
        read(TestEvents.humanMessage("c", 0, "bob", "me first!"));
        assertEquals(0, state.turnsDone(), "bob is not awaited: no turn");
        assertTrue(last.emit().isEmpty());
        assertEquals("alice", state.awaitingHuman(), "still alice's turn");
        assertEquals(1, state.messageCount(), "but stored for the next prompt");

        read(TestEvents.humanMessage("c", 0, "alice", "hello"));
        read(TestEvents.humanMessage("c", 1, "bob", "hi"));
        // An agent's turn now: a person's message is an interjection again.
        read(TestEvents.humanMessage("c", 2, "alice", "by the way"));
        assertEquals(2, state.turnsDone());
        assertTrue(last.emit().isEmpty());
        assertEquals("a", state.nextSpeaker());
    }

    @Test
    void shouldKeepTodaysBehaviourWithoutHumanTurns() {
        read(request(SpeakerPolicy.ROUND_ROBIN, List.of(), null, 4, List.of("alice"), "a", "b"));
        assertEquals("a", requestedSpeaker(), "people take no turn");
        read(TestEvents.humanMessage("c", 0, "alice", "hello"));
        assertEquals(0, state.turnsDone());
        assertNull(state.awaitingHuman());
        assertEquals(Long.MAX_VALUE, state.humanDeadline());
        assertNull(ConversationStateMachine.humanTimeout(state, Long.MAX_VALUE - 1).state());
        assertTrue(
                ConversationStateMachine.humanTimeout(state, Long.MAX_VALUE - 1).emit().isEmpty());
    }

    @Test
    void shouldCountPeoplesTurnsTowardsMaxTurnsAndStopPhrases() {
        read(chat(HumanTimeoutAction.END, 2));
        read(TestEvents.humanMessage("c", 0, "alice", "one"));
        read(TestEvents.humanMessage("c", 1, "bob", "two"));
        assertEquals(Status.COMPLETED, state.status());
        assertEquals("max_turns", state.reason());
        assertEquals(2, ((ConversationCompleted) last.emit().get(0)).getTurnsCompleted());

        state = null;
        ConversationRequested r =
                (ConversationRequested) chat(HumanTimeoutAction.END, 9).getPayload();
        read(
                TestEvents.conversationEvent(
                        "c",
                        ConversationRequested.newBuilder(r)
                                .setTermination(
                                        ams.events.conversation.Termination.newBuilder()
                                                .setStopPhrases(List.of("goodbye"))
                                                .build())
                                .build()));
        read(TestEvents.humanMessage("c", 0, "alice", "Goodbye everyone"));
        assertEquals("stop_phrase", state.reason());
    }

    @Test
    void shouldSkipTheTurnOfAPersonWhoDoesNotAnswerInTime() {
        read(chat(HumanTimeoutAction.SKIP, 10));
        long deadline = state.humanDeadline();
        assertEquals(state.turnRequestedAt() + 1_000, deadline);
        ConversationStateMachine.Step early =
                ConversationStateMachine.humanTimeout(state, deadline - 1);
        assertTrue(early.emit().isEmpty(), "not yet");

        ConversationStateMachine.Step due = ConversationStateMachine.humanTimeout(state, deadline);
        assertNull(due.state(), "the punctuator only publishes; the log decides");
        TurnSkipped skipped = (TurnSkipped) due.emit().get(0);
        assertEquals(0, skipped.getTurnNumber());
        assertEquals("alice", skipped.getSpeakerAgentId());
        ConversationEvent decision = fromOrchestrator(skipped);
        assertFalse(ConversationStateMachine.isEcho(decision), "applied when read back");

        read(decision);
        assertEquals(1, state.turnsDone());
        assertEquals(0, state.messageCount(), "no message for a skipped turn");
        assertEquals("bob", requestedSpeaker());
        assertEquals(1, ((TurnRequested) last.emit().get(0)).getTurnNumber());

        read(decision);
        assertNull(last.state(), "the same skip again (stale) changes nothing");
        assertTrue(last.emit().isEmpty());
    }

    @Test
    void shouldIgnoreATimeoutDecisionWhenThePersonsMessageCameFirst() {
        read(chat(HumanTimeoutAction.SKIP, 10));
        ConversationEvent skip =
                fromOrchestrator(
                        ConversationStateMachine.humanTimeout(state, state.humanDeadline())
                                .emit()
                                .get(0));
        read(TestEvents.humanMessage("c", 0, "alice", "sorry, here I am"));
        read(skip);
        assertNull(last.state());
        assertEquals(1, state.turnsDone());
        assertEquals("bob", state.nextSpeaker());

        state = null;
        read(chat(HumanTimeoutAction.END, 10));
        ConversationEvent end =
                fromOrchestrator(
                        ConversationStateMachine.humanTimeout(state, state.humanDeadline())
                                .emit()
                                .get(0));
        read(TestEvents.humanMessage("c", 0, "alice", "here"));
        read(end);
        assertEquals(Status.RUNNING, state.status(), "a stale end does not end it");
    }

    @Test
    void shouldEndTheConversationWhenThePersonDoesNotAnswerAndTheRequestSaysEnd() {
        read(chat(HumanTimeoutAction.END, 10));
        read(TestEvents.humanMessage("c", 0, "alice", "hi"));
        ConversationStateMachine.Step due =
                ConversationStateMachine.humanTimeout(state, state.humanDeadline() + 5);
        ConversationCompleted completed = (ConversationCompleted) due.emit().get(0);
        assertEquals("human_timeout: bob", completed.getReason());
        ConversationEvent decision = fromOrchestrator(completed);
        assertFalse(ConversationStateMachine.isEcho(decision));
        read(decision);
        assertEquals(Status.COMPLETED, state.status());
        assertEquals("human_timeout: bob", state.reason());
        assertNull(state.awaitingHuman());
        // The orchestrator's other completions stay echoes.
        assertTrue(
                ConversationStateMachine.isEcho(
                        fromOrchestrator(
                                ConversationCompleted.newBuilder()
                                        .setTurnsCompleted(3)
                                        .setReason("max_turns")
                                        .build())));
    }

    @Test
    void shouldLetEveryPolicyChoosePeople() {
        read(
                request(
                        SpeakerPolicy.EXPLICIT,
                        List.of("a", "alice", "b"),
                        HumanTimeoutAction.END,
                        9,
                        List.of("alice"),
                        "a",
                        "b"));
        assertEquals("a", requestedSpeaker());
        read(TestEvents.messageAppended("c", 0, "a", "x"));
        assertEquals("alice", requestedSpeaker(), "speaker_order may name a person");

        state = null;
        read(
                request(
                        SpeakerPolicy.HANDOFF,
                        List.of(),
                        HumanTimeoutAction.END,
                        9,
                        List.of("alice"),
                        "a",
                        "b"));
        read(TestEvents.humanMessage("c", 0, "alice", "a, over to you\nNEXT: b"));
        assertEquals("b", requestedSpeaker(), "a person hands over like an agent");
        read(TestEvents.messageAppended("c", 1, "b", "Let me ask alice.\nNEXT: alice"));
        assertEquals("alice", requestedSpeaker(), "an agent may hand to a person");

        Set<String> randomSpeakers = new HashSet<>();
        Set<String> modelSelected = new HashSet<>();
        for (long seed = 0; seed < 40; seed++) {
            for (SpeakerPolicy policy :
                    List.of(SpeakerPolicy.RANDOM, SpeakerPolicy.MODEL_SELECTED)) {
                ConversationRequested r =
                        (ConversationRequested)
                                request(
                                                policy,
                                                List.of(),
                                                HumanTimeoutAction.END,
                                                9,
                                                List.of("alice"),
                                                "a",
                                                "b")
                                        .getPayload();
                ConversationState s =
                        ConversationStateMachine.apply(
                                        null,
                                        TestEvents.conversationEvent(
                                                "c",
                                                ConversationRequested.newBuilder(r)
                                                        .setSeed(seed)
                                                        .build()))
                                .state();
                (policy == SpeakerPolicy.RANDOM ? randomSpeakers : modelSelected)
                        .add(s.nextSpeaker());
            }
        }
        assertEquals(Set.of("alice", "a", "b"), randomSpeakers, "people are candidates");
        assertEquals(
                Set.of("alice", SpeakerSelection.MODEL_SELECTED),
                modelSelected,
                "a seeded draw gives the turn to a person or lets the model choose an agent");
    }

    @Test
    void shouldRefuseHumanTurnsWithoutPeopleOrWithAPersonNamedLikeAnAgent() {
        ConversationEvent noPeople =
                request(
                        SpeakerPolicy.ROUND_ROBIN,
                        List.of(),
                        HumanTimeoutAction.END,
                        3,
                        List.of(),
                        "a");
        assertTrue(
                ConversationStateMachine.apply(null, noPeople)
                        .rejection()
                        .contains("humanParticipants"));
        ConversationEvent clash =
                request(
                        SpeakerPolicy.ROUND_ROBIN,
                        List.of(),
                        HumanTimeoutAction.END,
                        3,
                        List.of("a"),
                        "a",
                        "b");
        assertNotNull(ConversationStateMachine.apply(null, clash).rejection());
    }

    @Test
    void shouldRebuildTheSameStateFromTheSameLog() {
        read(chat(HumanTimeoutAction.SKIP, 12));
        read(TestEvents.humanMessage("c", 0, "bob", "interjecting"));
        read(TestEvents.humanMessage("c", 0, "alice", "hello"));
        read(
                fromOrchestrator(
                        ConversationStateMachine.humanTimeout(state, state.humanDeadline())
                                .emit()
                                .get(0)));
        read(TestEvents.messageAppended("c", 2, "a", "x"));
        read(TestEvents.messageAppended("c", 3, "b", "y"));
        read(TestEvents.humanMessage("c", 4, "alice", "z"));
        ConversationState live = state;
        List<String> liveSpeakers = new ArrayList<>();
        List<ConversationEvent> replayed = List.copyOf(log);

        state = null;
        log.clear();
        for (ConversationEvent e : replayed) {
            read(e);
            last.emit().stream()
                    .filter(TurnRequested.class::isInstance)
                    .map(t -> ((TurnRequested) t).getSpeakerAgentId())
                    .forEach(liveSpeakers::add);
        }
        assertEquals(live, state);
        assertEquals(5, state.turnsDone());
        assertEquals(List.of("alice", "bob", "a", "b", "alice", "bob"), liveSpeakers);
    }
}
