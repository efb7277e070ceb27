package ams.conversations.statemachine;

import ams.events.conversation.ConversationRequested;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Value of the "conversations" store: everything the state machine needs to decide the next step of
 * one conversation. Times are epoch milliseconds taken from event envelopes, never the wall clock,
 * so replaying the log rebuilds the same state.
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
        String reason,
        String termination) {

    public ConversationState {
        participants = List.copyOf(participants);
        speakerOrder = List.copyOf(speakerOrder);
        stopPhrases = List.copyOf(stopPhrases);
        humanParticipants = List.copyOf(humanParticipants);
        humanMessageIds = List.copyOf(humanMessageIds);
    }

    /** The fields a ConversationRequested sets, in the order a difference is reported. */
    private static final Map<String, Function<ConversationState, Object>> REQUEST_FIELDS =
            requestFields();

    private static Map<String, Function<ConversationState, Object>> requestFields() {
        Map<String, Function<ConversationState, Object>> fields = new LinkedHashMap<>();
        fields.put("participants", ConversationState::participants);
        fields.put("topic", ConversationState::topic);
        fields.put("maxTurns", ConversationState::maxTurns);
        fields.put("speakerPolicy", ConversationState::speakerPolicy);
        fields.put("speakerOrder", ConversationState::speakerOrder);
        fields.put("seed", ConversationState::seed);
        fields.put("stopPhrases", ConversationState::stopPhrases);
        fields.put("tokenBudget", ConversationState::tokenBudget);
        fields.put("timeoutMillis", ConversationState::timeoutMillis);
        fields.put("sessionId", ConversationState::sessionId);
        fields.put("humanParticipants", ConversationState::humanParticipants);
        fields.put("provider", ConversationState::provider);
        fields.put("model", ConversationState::model);
        fields.put("termination", ConversationState::termination);
        return Collections.unmodifiableMap(fields);
    }

    /**
     * The first field in which {@code request} asks for another conversation than the one this
     * state was started by, or null when it is the same request (a retry). Sampling parameters
     * (temperature, ...) are not kept in the state, so they cannot be compared.
     */
    public String differenceFrom(ConversationRequested request) {
        ConversationState asked =
                ConversationStateMachine.started(conversationId, request, requestedAt);
        return REQUEST_FIELDS.entrySet().stream()
                .filter(
                        field ->
                                !Objects.equals(
                                        field.getValue().apply(this),
                                        field.getValue().apply(asked)))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(null);
    }

    /**
     * Absolute wall-clock deadline, or {@code Long.MAX_VALUE} when the conversation has no timeout.
     */
    public long deadline() {
        return timeoutMillis == null ? Long.MAX_VALUE : requestedAt + timeoutMillis;
    }

    ConversationState withStatus(Status newStatus, String newReason, long at) {
        return new ConversationState(
                conversationId,
                newStatus,
                participants,
                topic,
                maxTurns,
                speakerPolicy,
                speakerOrder,
                seed,
                stopPhrases,
                tokenBudget,
                timeoutMillis,
                sessionId,
                humanParticipants,
                provider,
                model,
                requestedAt,
                at,
                turnsDone,
                newStatus.terminal() && newStatus != Status.FAILED ? null : nextSpeaker,
                lastSpeaker,
                tokensUsed,
                messageCount,
                humanMessageIds,
                newReason,
                termination);
    }

    /** FAILED back to RUNNING: the failure reason goes, turns, history and maxTurns stay. */
    ConversationState resumed(String newNextSpeaker, long at) {
        return new ConversationState(
                conversationId,
                Status.RUNNING,
                participants,
                topic,
                maxTurns,
                speakerPolicy,
                speakerOrder,
                seed,
                stopPhrases,
                tokenBudget,
                timeoutMillis,
                sessionId,
                humanParticipants,
                provider,
                model,
                requestedAt,
                at,
                turnsDone,
                newNextSpeaker,
                lastSpeaker,
                tokensUsed,
                messageCount,
                humanMessageIds,
                null,
                termination);
    }

    ConversationState withTurn(
            int newTurnsDone, String speaker, String newNextSpeaker, long newTokensUsed, long at) {
        return new ConversationState(
                conversationId,
                status == Status.REQUESTED ? Status.RUNNING : status,
                participants,
                topic,
                maxTurns,
                speakerPolicy,
                speakerOrder,
                seed,
                stopPhrases,
                tokenBudget,
                timeoutMillis,
                sessionId,
                humanParticipants,
                provider,
                model,
                requestedAt,
                at,
                newTurnsDone,
                newNextSpeaker,
                speaker,
                newTokensUsed,
                messageCount + 1,
                humanMessageIds,
                reason,
                termination);
    }

    ConversationState withHumanMessage(String messageId, long at) {
        List<String> ids = new java.util.ArrayList<>(humanMessageIds);
        ids.add(messageId);
        return new ConversationState(
                conversationId,
                status,
                participants,
                topic,
                maxTurns,
                speakerPolicy,
                speakerOrder,
                seed,
                stopPhrases,
                tokenBudget,
                timeoutMillis,
                sessionId,
                humanParticipants,
                provider,
                model,
                requestedAt,
                at,
                turnsDone,
                nextSpeaker,
                lastSpeaker,
                tokensUsed,
                messageCount + 1,
                ids,
                reason,
                termination);
    }

    ConversationState withReason(String newReason, long at) {
        return new ConversationState(
                conversationId,
                status,
                participants,
                topic,
                maxTurns,
                speakerPolicy,
                speakerOrder,
                seed,
                stopPhrases,
                tokenBudget,
                timeoutMillis,
                sessionId,
                humanParticipants,
                provider,
                model,
                requestedAt,
                at,
                turnsDone,
                nextSpeaker,
                lastSpeaker,
                tokensUsed,
                messageCount,
                humanMessageIds,
                newReason,
                termination);
    }
}
