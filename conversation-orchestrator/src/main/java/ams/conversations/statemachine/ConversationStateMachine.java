package ams.conversations.statemachine;

import ams.events.TokenUsage;
import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.HumanTimeoutAction;
import ams.events.conversation.HumanTurns;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.conversation.SpeakerPolicy;
import ams.events.conversation.Termination;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import ams.events.conversation.TurnSkipped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * The conversation state machine as a pure function {@code (state, event) -> step}. It reads its
 * own outputs back from the same topic (TurnRequested, ConversationCompleted, ConversationFailed)
 * and treats them as no-ops, and it is idempotent by conversationId + turn: a MessageAppended for a
 * turn already done changes nothing. A TurnRequested from anyone else is a user's resume request
 * (see {@link #isResumeRequest}).
 */
public final class ConversationStateMachine {

    /**
     * What applying one event does: a new state (or null = unchanged), a message to store, events
     * to emit, or a rejection.
     */
    public record Step(
            ConversationState state, StoredMessage message, List<Object> emit, String rejection) {

        static Step unchanged() {
            return new Step(null, null, List.of(), null);
        }

        static Step reject(String why) {
            return new Step(null, null, List.of(), why);
        }

        static Step to(ConversationState state, Object... emit) {
            return new Step(state, null, List.of(emit), null);
        }
    }

    /**
     * Metadata key of a message a participant spoke in place of the expected speaker, which was
     * deactivated mid-conversation (the turn worker's choice): such a message is accepted from any
     * other participant when it names the expected speaker here.
     */
    public static final String STANDS_IN_FOR = "stands_in_for";

    /**
     * Prefix of the reason of a conversation ended because a person did not take their turn in time
     * ({@code human_timeout: <name>}).
     */
    public static final String HUMAN_TIMEOUT = "human_timeout";

    private static final ObjectMapper METADATA = new ObjectMapper();

    private ConversationStateMachine() {}

    public static Step apply(ConversationState current, ConversationEvent event) {
        if (isEcho(event)) {
            return Step.unchanged();
        }
        long at = event.getEnvelope().getOccurredAt().toEpochMilli();
        Object payload = event.getPayload();
        if (payload instanceof ConversationRequested requested) {
            return requested(current, event.getConversationId(), requested, at);
        }
        if (current == null) {
            return Step.reject(
                    "Unknown conversation '"
                            + event.getConversationId()
                            + "': no ConversationRequested before this "
                            + payload.getClass().getSimpleName());
        }
        if (payload instanceof TurnRequested turn) {
            if (isResumeRequest(event)) {
                return resume(current, turn, at);
            }
            if (current.status() == Status.REQUESTED && turn.getTurnNumber() == 0) {
                return Step.to(current.withStatus(Status.RUNNING, current.reason(), at));
            }
            return Step.unchanged();
        }
        if (payload instanceof MessageAppended message) {
            return message.getRole() == MessageRole.ASSISTANT
                    ? agentMessage(current, message, at)
                    : humanMessage(current, message, at);
        }
        if (current.status().terminal()) {
            // Our own ConversationCompleted/Failed coming back, or a late cancel/failure: nothing
            // left to change.
            return Step.unchanged();
        }
        if (payload instanceof TurnSkipped skipped) {
            return skipped(current, skipped, at);
        }
        if (payload instanceof TurnFailed failed) {
            if (failed.getTurnNumber() != current.turnsDone()) {
                return Step.unchanged();
            }
            String reason =
                    "turn "
                            + failed.getTurnNumber()
                            + " ("
                            + failed.getSpeakerAgentId()
                            + ") attempt "
                            + failed.getAttempt()
                            + ": "
                            + failed.getReason();
            if (failed.getRetriable()) {
                return Step.to(current.withReason(reason, at));
            }
            return Step.to(
                    current.withStatus(Status.FAILED, reason, at),
                    ConversationFailed.newBuilder()
                            .setReason(reason)
                            .setFailedTurn(failed.getTurnNumber())
                            .build());
        }
        if (payload instanceof ConversationCompleted completed) {
            if (isHumanTimeout(completed)
                    && (completed.getTurnsCompleted() != current.turnsDone()
                            || !completed
                                    .getReason()
                                    .equals(HUMAN_TIMEOUT + ": " + current.awaitingHuman()))) {
                // The person answered after all before this decision was read back: stale.
                return Step.unchanged();
            }
            return Step.to(current.withStatus(Status.COMPLETED, completed.getReason(), at));
        }
        if (payload instanceof ConversationFailed failed) {
            return Step.to(current.withStatus(Status.FAILED, failed.getReason(), at));
        }
        if (payload instanceof ConversationCancelled cancelled) {
            String reason =
                    "cancelled"
                            + (cancelled.getReason() == null ? "" : ": " + cancelled.getReason());
            return Step.to(current.withStatus(Status.CANCELLED, reason, at));
        }
        return Step.reject("Unsupported payload " + payload.getClass().getName());
    }

    /**
     * One of the state machine's own decisions read back, which changes nothing: a TurnRequested
     * for a turn after the first (only TurnRequested(0) moves REQUESTED to RUNNING), a
     * ConversationCompleted (written with the state already COMPLETED, which is final) or a
     * ConversationFailed (written with the state already FAILED; once a resume made it RUNNING
     * again, the old failure read back must not fail it a second time). Decided from the event
     * alone, so the processor drops it before it reads a store; a replay folds it the same way. A
     * person's timeout (TurnSkipped, a ConversationCompleted with reason {@code human_timeout}) is
     * not an echo: the punctuator only publishes it, and the state machine applies it when it is
     * read back, in log order with the person's message, so live and replay decide alike.
     */
    public static boolean isEcho(ConversationEvent event) {
        if (!ConversationTopology.SOURCE.equals(event.getEnvelope().getSource())) {
            return false;
        }
        Object payload = event.getPayload();
        return (payload instanceof TurnRequested turn && turn.getTurnNumber() > 0)
                || (payload instanceof ConversationCompleted completed
                        && !isHumanTimeout(completed))
                || payload instanceof ConversationFailed;
    }

    /**
     * A TurnRequested the orchestrator did not publish itself is a user's resume request (e.g. from
     * {@code POST /conversations/{id}/resume}, envelope source {@code rest}); the orchestrator's
     * own ones carry {@link ConversationTopology#SOURCE}. No schema field needed: the envelope says
     * who published.
     */
    public static boolean isResumeRequest(ConversationEvent event) {
        return event.getPayload() instanceof TurnRequested
                && !ConversationTopology.SOURCE.equals(event.getEnvelope().getSource());
    }

    /**
     * Resume from the last appended turn: FAILED goes back to RUNNING (reason cleared, history
     * kept, maxTurns unchanged) and the next turn is requested again; RUNNING (stuck) re-requests
     * its pending turn, which workers deduplicate. A request for another turn than the one pending
     * is stale (the conversation moved on) and, like a resume of a COMPLETED or CANCELLED
     * conversation, changes nothing: no dead letter, the REST route refuses those with 409 before
     * publishing.
     */
    private static Step resume(ConversationState current, TurnRequested request, long at) {
        if (request.getTurnNumber() != current.turnsDone()) {
            return Step.unchanged();
        }
        // A handed-over turn stays with the one it was handed to.
        String speaker =
                SpeakerSelection.HANDOFF.equals(current.speakerPolicy())
                                && current.nextSpeaker() != null
                        ? current.nextSpeaker()
                        : current.speakerAt(current.turnsDone(), current.lastSpeaker());
        TurnRequested again =
                TurnRequested.newBuilder()
                        .setTurnNumber(current.turnsDone())
                        .setSpeakerAgentId(speaker)
                        .setAttempt(1)
                        .build();
        return switch (current.status()) {
            case FAILED -> Step.to(current.resumed(speaker, at), again);
            case REQUESTED, RUNNING -> new Step(null, null, List.of(again), null);
            case COMPLETED, CANCELLED -> Step.unchanged();
        };
    }

    /** Ends a running conversation whose wall-clock deadline passed (called from a punctuator). */
    public static Step timeout(ConversationState current, long now) {
        if (current.status().terminal() || now < current.deadline()) {
            return Step.unchanged();
        }
        return Step.to(
                current.withStatus(Status.COMPLETED, "timeout", now),
                completed(current.turnsDone(), "timeout"));
    }

    /**
     * A person's turn that waited past {@code humanTurns.timeoutMillis} (called from a punctuator
     * with the wall-clock time): the decision to publish, TurnSkipped ({@code SKIP}) or
     * ConversationCompleted with reason {@code human_timeout: <name>} ({@code END}). The state is
     * not changed here: the decision is applied when it is read back from the log, and ignored then
     * if the person's message came first.
     */
    public static Step humanTimeout(ConversationState current, long now) {
        String human = current.awaitingHuman();
        if (human == null || now < current.humanDeadline()) {
            return Step.unchanged();
        }
        Object decision =
                HumanTimeoutAction.SKIP.name().equals(current.humanTurns().onTimeout())
                        ? TurnSkipped.newBuilder()
                                .setTurnNumber(current.turnsDone())
                                .setSpeakerAgentId(human)
                                .setReason(
                                        HUMAN_TIMEOUT
                                                + ": "
                                                + human
                                                + " did not answer within "
                                                + current.humanTurns().timeoutMillis()
                                                + " ms")
                                .build()
                        : completed(current.turnsDone(), HUMAN_TIMEOUT + ": " + human);
        return new Step(null, null, List.of(decision), null);
    }

    private static boolean isHumanTimeout(ConversationCompleted completed) {
        return completed.getReason() != null && completed.getReason().startsWith(HUMAN_TIMEOUT);
    }

    /**
     * A person's turn skipped (their timeout with {@code SKIP}): turn k counts as done without a
     * message and the next speaker is asked, the skipped person counting as the last speaker so
     * that the random policy does not pick them again at once. Stale (the person answered, or the
     * conversation ended) → nothing.
     */
    private static Step skipped(ConversationState current, TurnSkipped skipped, long at) {
        if (current.status().terminal()
                || skipped.getTurnNumber() != current.turnsDone()
                || !skipped.getSpeakerAgentId().equals(current.nextSpeaker())) {
            return Step.unchanged();
        }
        int done = current.turnsDone() + 1;
        if (done >= current.maxTurns()) {
            return Step.to(
                    current.withSkippedTurn(done, null, at)
                            .withStatus(Status.COMPLETED, "max_turns", at),
                    completed(done, "max_turns"));
        }
        String speaker =
                SpeakerSelection.HANDOFF.equals(current.speakerPolicy())
                        ? current.rotation().get(done % current.rotation().size())
                        : current.speakerAt(done, skipped.getSpeakerAgentId());
        return Step.to(current.withSkippedTurn(done, speaker, at), turnRequested(done, speaker));
    }

    private static TurnRequested turnRequested(int turn, String speaker) {
        return TurnRequested.newBuilder()
                .setTurnNumber(turn)
                .setSpeakerAgentId(speaker)
                .setAttempt(1)
                .build();
    }

    private static Step requested(
            ConversationState current, String conversationId, ConversationRequested r, long at) {
        if (current != null) {
            // A client that lost the answer to its request retries it with the same conversation
            // id; the
            // retry may reach the log before the first is folded (the REST check cannot see it
            // yet).
            // The same request again is that retry, already applied: nothing to do, nothing to
            // dead-letter.
            String difference = current.differenceFrom(r);
            return difference == null
                    ? Step.unchanged()
                    : Step.reject(
                            "Conversation '"
                                    + conversationId
                                    + "' already exists (status "
                                    + current.status()
                                    + ") with a different "
                                    + difference);
        }
        String invalid = validate(r);
        if (invalid != null) {
            return Step.reject("Invalid ConversationRequested: " + invalid);
        }
        ConversationState state = started(conversationId, r, at);
        return Step.to(state, turnRequested(0, state.nextSpeaker()));
    }

    /** The state a valid request starts: REQUESTED, nothing said yet, the first speaker chosen. */
    public static ConversationState started(
            String conversationId, ConversationRequested r, long at) {
        Termination t = r.getTermination();
        String policy =
                r.getSpeakerPolicy() == null
                        ? SpeakerPolicy.ROUND_ROBIN.name()
                        : r.getSpeakerPolicy().name();
        HumanTurns humans = r.getHumanTurns();
        ConversationState.HumanTurnSettings humanTurns =
                humans == null
                        ? null
                        : new ConversationState.HumanTurnSettings(
                                humans.getTimeoutMillis(),
                                humans.getOnTimeout() == null
                                        ? HumanTimeoutAction.END.name()
                                        : humans.getOnTimeout().name());
        List<String> people = humanTurns == null ? List.of() : r.getHumanParticipants();
        // With human turns the policy runs over the people and the agents.
        String first =
                SpeakerSelection.speakerFor(
                        policy,
                        ConversationState.rotation(people, r.getParticipants()),
                        people,
                        r.getSpeakerOrder(),
                        r.getSeed(),
                        0,
                        null);
        return new ConversationState(
                conversationId,
                Status.REQUESTED,
                r.getParticipants(),
                r.getTopic(),
                r.getMaxTurns(),
                policy,
                r.getSpeakerOrder(),
                r.getSeed(),
                t == null ? List.of() : t.getStopPhrases(),
                t == null ? null : t.getTokenBudget(),
                t == null ? null : t.getTimeoutMillis(),
                r.getSessionId(),
                r.getHumanParticipants(),
                r.getGeneration() == null ? null : r.getGeneration().getProvider(),
                r.getGeneration() == null ? null : r.getGeneration().getModel(),
                at,
                at,
                0,
                first,
                null,
                0L,
                0,
                List.of(),
                null,
                t == null ? null : t.getExpression(),
                humanTurns,
                at);
    }

    /**
     * What makes a new conversation's request one the state machine refuses (null: nothing), so the
     * REST route refuses it with 400 before publishing instead of leaving it to a dead letter.
     */
    public static String validate(ConversationRequested r) {
        List<String> participants = r.getParticipants();
        if (participants.isEmpty()) {
            return "participants must name at least one agent";
        }
        if (new HashSet<>(participants).size() != participants.size()) {
            return "participants must not repeat an agent: " + participants;
        }
        if (participants.stream().anyMatch(p -> p == null || p.isBlank())) {
            return "participants must not contain blank agent ids";
        }
        if (r.getMaxTurns() < 1) {
            return "maxTurns must be at least 1, was " + r.getMaxTurns();
        }
        HumanTurns humans = r.getHumanTurns();
        if (humans != null) {
            String invalid = validateHumans(r, humans);
            if (invalid != null) {
                return invalid;
            }
        }
        if (r.getSpeakerPolicy() == SpeakerPolicy.EXPLICIT) {
            if (r.getSpeakerOrder().isEmpty()) {
                return "speakerOrder is required for the EXPLICIT policy";
            }
            List<String> speakers = new ArrayList<>(participants);
            if (humans != null) {
                speakers.addAll(r.getHumanParticipants());
            }
            List<String> unknown =
                    r.getSpeakerOrder().stream().filter(s -> !speakers.contains(s)).toList();
            if (!unknown.isEmpty()) {
                return "speakerOrder names agents that are not participants: " + unknown;
            }
        }
        Termination t = r.getTermination();
        if (t != null && t.getTokenBudget() != null && t.getTokenBudget() < 1) {
            return "tokenBudget must be positive";
        }
        if (t != null && t.getTimeoutMillis() != null && t.getTimeoutMillis() < 1) {
            return "timeoutMillis must be positive";
        }
        if (t != null && t.getExpression() != null) {
            try {
                EndCondition.parse(t.getExpression());
            } catch (EndCondition.InvalidException e) {
                return "termination expression: " + e.getMessage();
            }
        }
        return null;
    }

    private static String validateHumans(ConversationRequested r, HumanTurns humans) {
        List<String> people = r.getHumanParticipants();
        if (people.isEmpty()) {
            return "humanTurns needs humanParticipants (the people who take turns)";
        }
        if (people.stream().anyMatch(p -> p == null || p.isBlank())) {
            return "humanParticipants must not contain blank names";
        }
        if (new HashSet<>(people).size() != people.size()) {
            return "humanParticipants must not repeat a name: " + people;
        }
        List<String> clash = people.stream().filter(r.getParticipants()::contains).toList();
        if (!clash.isEmpty()) {
            return "humanParticipants must not be agent ids of participants: " + clash;
        }
        if (humans.getTimeoutMillis() < 1) {
            return "humanTurns.timeoutMillis must be positive, was " + humans.getTimeoutMillis();
        }
        return null;
    }

    private static Step agentMessage(ConversationState current, MessageAppended m, long at) {
        int turn = m.getTurnNumber();
        if (current.status().terminal() || turn < current.turnsDone()) {
            // A late answer after cancel/completion, or a turn answered twice (worker crash,
            // retry): keep the first.
            return Step.unchanged();
        }
        if (turn > current.turnsDone()) {
            return Step.reject(
                    "MessageAppended for turn "
                            + turn
                            + " but the conversation is waiting for turn "
                            + current.turnsDone());
        }
        String expected = current.nextSpeaker();
        boolean anyone = SpeakerSelection.MODEL_SELECTED.equals(expected);
        if (anyone
                ? !current.participants().contains(m.getAgentId())
                : !m.getAgentId().equals(expected) && !standsIn(current, m, expected)) {
            return Step.reject(
                    "MessageAppended for turn "
                            + turn
                            + " by '"
                            + m.getAgentId()
                            + "' but the speaker is "
                            + (anyone ? "one of " + current.participants() : "'" + expected + "'"));
        }
        TokenUsage usage = m.getUsage();
        long tokens = current.tokensUsed() + (usage == null ? 0 : usage.getTotalTokens());
        int done = turn + 1;
        StoredMessage stored = toStored(current, m, at);
        String end = termination(current, m.getContent(), m.getAgentId(), tokens, done, at);
        if (end != null) {
            ConversationState next =
                    current.withTurn(done, m.getAgentId(), null, tokens, at)
                            .withStatus(Status.COMPLETED, end, at);
            return new Step(next, stored, List.of(completed(done, end)), null);
        }
        String speaker = nextSpeaker(current, done, m.getAgentId(), m.getContent());
        ConversationState next = current.withTurn(done, m.getAgentId(), speaker, tokens, at);
        return new Step(next, stored, List.of(turnRequested(done, speaker)), null);
    }

    /** Who speaks at turn {@code done} after {@code speaker} said {@code content}. */
    private static String nextSpeaker(
            ConversationState current, int done, String speaker, String content) {
        return SpeakerSelection.HANDOFF.equals(current.speakerPolicy())
                ? SpeakerSelection.handedTo(current.rotation(), done, speaker, content)
                : current.speakerAt(done, speaker);
    }

    /**
     * The message of the person whose turn is pending: it is turn k (stored under that number
     * whatever the route guessed), counted like an agent's turn (termination checked from it too)
     * and the next speaker is asked. Decided from the state, so a replay decides the same.
     */
    private static Step humanTurn(ConversationState current, MessageAppended m, long at) {
        int turn = current.turnsDone();
        int done = turn + 1;
        StoredMessage stored = toStored(current, m, at).asTurn(turn);
        String end =
                termination(
                        current, m.getContent(), m.getAgentId(), current.tokensUsed(), done, at);
        if (end != null) {
            ConversationState next =
                    current.withHumanTurn(done, m.getAgentId(), m.getMessageId(), null, at)
                            .withStatus(Status.COMPLETED, end, at);
            return new Step(next, stored, List.of(completed(done, end)), null);
        }
        String speaker = nextSpeaker(current, done, m.getAgentId(), m.getContent());
        return new Step(
                current.withHumanTurn(done, m.getAgentId(), m.getMessageId(), speaker, at),
                stored,
                List.of(turnRequested(done, speaker)),
                null);
    }

    /**
     * A message by another participant that says it stands in for the expected speaker. Read only
     * when the speaker differs (rare), so the metadata is not parsed for every message; decided
     * from the event alone, so a replay decides the same.
     */
    private static boolean standsIn(ConversationState current, MessageAppended m, String expected) {
        if (!current.participants().contains(m.getAgentId()) || m.getMetadataJson() == null) {
            return false;
        }
        try {
            return expected.equals(
                    METADATA.readTree(m.getMetadataJson()).path(STANDS_IN_FOR).asText(null));
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    /**
     * Which termination condition holds after a turn, in the order a reader would check them; null
     * = go on.
     */
    static String termination(
            ConversationState s, String content, String speaker, long tokens, int done, long at) {
        if (s.termination() != null) {
            // Checked when the request was accepted (validate), so it parses here.
            java.util.Optional<String> held =
                    EndCondition.parse(s.termination())
                            .satisfiedBy(
                                    new EndCondition.Turn(
                                            done, tokens, at - s.requestedAt(), content, speaker));
            if (held.isPresent()) {
                return "condition: " + held.get();
            }
        }
        String lower = content.toLowerCase(Locale.ROOT);
        for (String phrase : s.stopPhrases()) {
            if (!phrase.isBlank() && lower.contains(phrase.toLowerCase(Locale.ROOT))) {
                return "stop_phrase";
            }
        }
        if (s.tokenBudget() != null && tokens >= s.tokenBudget()) {
            return "token_budget";
        }
        if (at >= s.deadline()) {
            return "timeout";
        }
        if (done >= s.maxTurns()) {
            return "max_turns";
        }
        return null;
    }

    private static Step humanMessage(ConversationState current, MessageAppended m, long at) {
        if (current.humanMessageIds().contains(m.getMessageId())) {
            return Step.unchanged();
        }
        if (current.status().terminal()) {
            return Step.reject(
                    "Conversation '"
                            + current.conversationId()
                            + "' is "
                            + current.status()
                            + "; it takes no more messages");
        }
        if (m.getAgentId() != null && m.getAgentId().equals(current.awaitingHuman())) {
            return humanTurn(current, m, at);
        }
        return new Step(
                current.withHumanMessage(m.getMessageId(), at),
                toStored(current, m, at),
                List.of(),
                null);
    }

    private static StoredMessage toStored(ConversationState current, MessageAppended m, long at) {
        TokenUsage u = m.getUsage();
        return new StoredMessage(
                current.conversationId(),
                current.messageCount(),
                m.getMessageId(),
                m.getTurnNumber(),
                m.getAgentId(),
                m.getRole().name().toLowerCase(Locale.ROOT),
                m.getContent(),
                m.getMessageType(),
                at,
                m.getModel(),
                u == null
                        ? null
                        : new StoredMessage.Usage(
                                u.getPromptTokens(),
                                u.getCompletionTokens(),
                                u.getTotalTokens(),
                                u.getEstimated()),
                m.getLatencyMillis(),
                new ArrayList<>(m.getKnowledgeIds()),
                m.getMetadataJson(),
                m.getSessionId());
    }

    private static ConversationCompleted completed(int turns, String reason) {
        return ConversationCompleted.newBuilder()
                .setTurnsCompleted(turns)
                .setReason(reason)
                .build();
    }
}
