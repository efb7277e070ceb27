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
        String termination,
        HumanTurnSettings humanTurns,
        long turnRequestedAt) {

    /**
     * The request's {@code humanTurns}: how long a person's turn waits and what then happens
     * ({@code SKIP} or {@code END}). Null: humans take no turn.
     */
    public record HumanTurnSettings(long timeoutMillis, String onTimeout) {}

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
        fields.put("humanTurns", ConversationState::humanTurns);
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
     * Who speaks in turn: with human turns the people first, then the agents ({@code
     * humanParticipants ++ participants}, so a chat starts with the person); otherwise the agents.
     */
    public List<String> rotation() {
        return rotation(humanTurns == null ? List.of() : humanParticipants, participants);
    }

    static List<String> rotation(List<String> people, List<String> agents) {
        if (people.isEmpty()) {
            return agents;
        }
        List<String> all = new java.util.ArrayList<>(people);
        all.addAll(agents);
        return List.copyOf(all);
    }

    /** Who the policy gives turn {@code turn} to after {@code last} spoke (handoff aside). */
    String speakerAt(int turn, String last) {
        return SpeakerSelection.speakerFor(
                speakerPolicy,
                rotation(),
                humanTurns == null ? List.of() : humanParticipants,
                speakerOrder,
                seed,
                turn,
                last);
    }

    /** Whether {@code name} is a person whose turns this conversation waits for. */
    public boolean isHumanSpeaker(String name) {
        return humanTurns != null && name != null && humanParticipants.contains(name);
    }

    /** The person whose turn is pending (the conversation waits for their message), or null. */
    public String awaitingHuman() {
        return status != null
                        && !status.terminal()
                        && status != Status.FAILED
                        && isHumanSpeaker(nextSpeaker)
                ? nextSpeaker
                : null;
    }

    /** When the pending person's turn times out ({@code Long.MAX_VALUE} when none is pending). */
    public long humanDeadline() {
        return awaitingHuman() == null
                ? Long.MAX_VALUE
                : turnRequestedAt + humanTurns.timeoutMillis();
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
                termination,
                humanTurns,
                turnRequestedAt);
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
                termination,
                humanTurns,
                at);
    }

    ConversationState withTurn(
            int newTurnsDone, String speaker, String newNextSpeaker, long newTokensUsed, long at) {
        return advance(
                newTurnsDone,
                speaker,
                newNextSpeaker,
                newTokensUsed,
                messageCount + 1,
                humanMessageIds,
                at);
    }

    /** A person's message that was their turn: counted like an agent's, remembered by id. */
    ConversationState withHumanTurn(
            int newTurnsDone, String human, String messageId, String newNextSpeaker, long at) {
        List<String> ids = new java.util.ArrayList<>(humanMessageIds);
        ids.add(messageId);
        return advance(newTurnsDone, human, newNextSpeaker, tokensUsed, messageCount + 1, ids, at);
    }

    /** A turn nobody took: the turn count moves on, no message, the last speaker stays. */
    ConversationState withSkippedTurn(int newTurnsDone, String newNextSpeaker, long at) {
        return advance(
                newTurnsDone,
                lastSpeaker,
                newNextSpeaker,
                tokensUsed,
                messageCount,
                humanMessageIds,
                at);
    }

    private ConversationState advance(
            int newTurnsDone,
            String speaker,
            String newNextSpeaker,
            long newTokensUsed,
            int newMessageCount,
            List<String> newHumanMessageIds,
            long at) {
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
                newMessageCount,
                newHumanMessageIds,
                reason,
                termination,
                humanTurns,
                at);
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
                termination,
                humanTurns,
                turnRequestedAt);
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
                termination,
                humanTurns,
                turnRequestedAt);
    }
}
