package ams.conversations.statemachine;

import ams.events.conversation.TurnRequested;
import java.util.List;

/**
 * The bookkeeping of turns run inside the state machine's task, as pure functions of the stored
 * state, so crash, resume and cancel cases run as millisecond tests. Two facts decide everything:
 * the conversation's state (which turn it waits for, and from whom) and the <em>answered</em>
 * marker, the turn whose outcome this task has already written to the log but not yet read back
 * (kept in the {@code turn-context} store, written in the same transaction as the outcome). So a
 * turn is run when the state waits on an agent for it and its outcome is not on its way; a finished
 * turn is published when that is still so; and the marker goes once the state has moved past it.
 */
public final class TurnBook {

    private TurnBook() {}

    /** A turn that ended on the turn pool: its events (null when it was interrupted). */
    public record Finished(String conversationId, int turn, List<Object> payloads) {}

    /** What to do with a finished turn: publish its events, or drop them and why. */
    public record Decision(boolean publish, String why) {

        static Decision send() {
            return new Decision(true, null);
        }

        static Decision drop(String why) {
            return new Decision(false, why);
        }
    }

    /**
     * The turn to run for this state, or null: a conversation REQUESTED or RUNNING whose next
     * speaker is an agent (or the model's choice), unless the outcome of that turn is already in
     * the log ({@code answered}). A person's turn is never run; FAILED waits for a resume, and
     * COMPLETED/CANCELLED for nothing.
     */
    public static TurnRequested pending(ConversationState state, Integer answered) {
        if (!waiting(state)) {
            return null;
        }
        String speaker = state.nextSpeaker();
        if (speaker == null || state.isHumanSpeaker(speaker)) {
            return null;
        }
        if (answered != null && answered == state.turnsDone()) {
            return null;
        }
        return TurnRequested.newBuilder()
                .setTurnNumber(state.turnsDone())
                .setSpeakerAgentId(speaker)
                .setAttempt(1)
                .build();
    }

    /**
     * Whether a finished turn's events go to the log: only while the conversation still waits for
     * exactly that turn and no outcome of it was published before (a resume's re-request of a turn
     * in flight, a cancel, a completion by timeout, a move to another task all drop it).
     */
    public static Decision finished(ConversationState state, Integer answered, Finished turn) {
        if (turn.payloads() == null) {
            return Decision.drop("interrupted");
        }
        if (state == null) {
            return Decision.drop("unknown conversation");
        }
        if (!waiting(state)) {
            return Decision.drop("the conversation is " + state.status());
        }
        if (turn.turn() != state.turnsDone()) {
            return Decision.drop(
                    "turn " + turn.turn() + " is not pending (" + state.turnsDone() + " done)");
        }
        if (answered != null && answered == turn.turn()) {
            return Decision.drop("turn " + turn.turn() + " was answered already");
        }
        return Decision.send();
    }

    /**
     * The answered marker once {@code state} is stored: kept while the conversation still waits for
     * that turn (its outcome not read back yet, or only retriable failures of it so far), null
     * (deleted) once the turn is done, failed for good or the conversation ended.
     */
    public static Integer answeredAfter(ConversationState state, Integer answered) {
        if (answered == null || !waiting(state) || state.turnsDone() != answered) {
            return null;
        }
        return answered;
    }

    private static boolean waiting(ConversationState state) {
        return state != null
                && (state.status() == Status.REQUESTED || state.status() == Status.RUNNING);
    }
}
