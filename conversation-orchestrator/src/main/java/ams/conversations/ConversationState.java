package ams.conversations;

import java.util.List;

/**
 * Value of the {@code conversations} store: everything the state machine needs to decide the next
 * step of one conversation. Times are epoch milliseconds taken from event envelopes, never the
 * wall clock, so replaying the log rebuilds the same state.
 */
public record ConversationState(
        String conversationId,
        Status status,
        List<String> participants,
        String topic,
        int maxTurns,
        String speakerPolicy,
        List<String> speakerOrder,
        Long seed,
        List<String> stopPhrases,
        Long tokenBudget,
        Long timeoutMillis,
        String sessionId,
        List<String> humanParticipants,
        String provider,
        String model,
        long requestedAt,
        long updatedAt,
        int turnsDone,
        String nextSpeaker,
        String lastSpeaker,
        long tokensUsed,
        int messageCount,
        List<String> humanMessageIds,
        String reason) {

    public ConversationState {
        participants = List.copyOf(participants);
        speakerOrder = List.copyOf(speakerOrder);
        stopPhrases = List.copyOf(stopPhrases);
        humanParticipants = List.copyOf(humanParticipants);
        humanMessageIds = List.copyOf(humanMessageIds);
    }

    /** Absolute wall-clock deadline, or {@code Long.MAX_VALUE} when the conversation has no timeout. */
    public long deadline() {
        return timeoutMillis == null ? Long.MAX_VALUE : requestedAt + timeoutMillis;
    }

    ConversationState withStatus(Status newStatus, String newReason, long at) {
        return new ConversationState(conversationId, newStatus, participants, topic, maxTurns, speakerPolicy, speakerOrder,
                seed, stopPhrases, tokenBudget, timeoutMillis, sessionId, humanParticipants, provider, model, requestedAt, at,
                turnsDone, newStatus.terminal() && newStatus != Status.FAILED ? null : nextSpeaker, lastSpeaker, tokensUsed, messageCount, humanMessageIds,
                newReason);
    }

    /** FAILED back to RUNNING: the failure reason goes, turns, history and maxTurns stay. */
    ConversationState resumed(String newNextSpeaker, long at) {
        return new ConversationState(conversationId, Status.RUNNING, participants, topic, maxTurns, speakerPolicy, speakerOrder,
                seed, stopPhrases, tokenBudget, timeoutMillis, sessionId, humanParticipants, provider, model, requestedAt, at,
                turnsDone, newNextSpeaker, lastSpeaker, tokensUsed, messageCount, humanMessageIds, null);
    }

    ConversationState withTurn(int newTurnsDone, String speaker, String newNextSpeaker, long newTokensUsed, long at) {
        return new ConversationState(conversationId, status == Status.REQUESTED ? Status.RUNNING : status, participants,
                topic, maxTurns, speakerPolicy, speakerOrder, seed, stopPhrases, tokenBudget, timeoutMillis, sessionId,
                humanParticipants, provider, model, requestedAt, at, newTurnsDone, newNextSpeaker, speaker, newTokensUsed,
                messageCount + 1, humanMessageIds, reason);
    }

    ConversationState withHumanMessage(String messageId, long at) {
        List<String> ids = new java.util.ArrayList<>(humanMessageIds);
        ids.add(messageId);
        return new ConversationState(conversationId, status, participants, topic, maxTurns, speakerPolicy, speakerOrder, seed,
                stopPhrases, tokenBudget, timeoutMillis, sessionId, humanParticipants, provider, model, requestedAt, at,
                turnsDone, nextSpeaker, lastSpeaker, tokensUsed, messageCount + 1, ids, reason);
    }

    ConversationState withReason(String newReason, long at) {
        return new ConversationState(conversationId, status, participants, topic, maxTurns, speakerPolicy, speakerOrder, seed,
                stopPhrases, tokenBudget, timeoutMillis, sessionId, humanParticipants, provider, model, requestedAt, at,
                turnsDone, nextSpeaker, lastSpeaker, tokensUsed, messageCount, humanMessageIds, newReason);
    }
}
