package ams.conversations.worker;

import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * A turn worker's own view of one open conversation, folded from the events it reads (poll thread
 * only): what was asked and the messages so far, so a turn needs no remote query for its history.
 */
final class WorkerConversation {

    /** Most history a snapshot carries; the prompt builder trims further by turns and tokens. */
    private static final int SNAPSHOT_LIMIT = 200;

    final String id;
    final TopicPartition partition;
    private final ConversationRequested request;
    private final String correlationId;
    private final List<ConversationSnapshot.HistoryMessage> history = new ArrayList<>();
    private final Set<String> humanMessageIds = new HashSet<>();
    private int turnsDone;
    private boolean failed;

    WorkerConversation(
            String id,
            TopicPartition partition,
            ConversationRequested request,
            String correlationId) {
        this.id = id;
        this.partition = partition;
        this.request = request;
        this.correlationId = correlationId;
    }

    int turnsDone() {
        return turnsDone;
    }

    boolean failed() {
        return failed;
    }

    /**
     * Folds a failure the way the state machine does (a final TurnFailed counts for the pending
     * turn only; a ConversationFailed always): returns whether this conversation just failed.
     */
    boolean fail(int turn) {
        if (failed || turn != turnsDone) {
            return false;
        }
        failed = true;
        return true;
    }

    /** A user's resume request for the pending turn undoes the failure, as in the state machine. */
    void resume(int turn) {
        if (failed && turn == turnsDone) {
            failed = false;
        }
    }

    /**
     * Whether {@code speaker} is a person whose turn this conversation waits for: such a turn is
     * not a worker's to run.
     */
    boolean isHumanTurn(String speaker) {
        return request.getHumanTurns() != null && request.getHumanParticipants().contains(speaker);
    }

    /**
     * The orchestrator requested turn {@code turn}, so every turn before it is done: with human
     * turns some of them were people's messages or skipped turns, which this fold does not count
     * itself. Without human turns the requests come in step with the answers and this changes
     * nothing.
     */
    void requested(int turn) {
        if (request.getHumanTurns() != null && !failed && turn > turnsDone) {
            turnsDone = turn;
        }
    }

    void append(MessageAppended m) {
        if (failed) {
            // The state machine takes no messages while FAILED; neither does the history.
            return;
        }
        String role = m.getRole().name().toLowerCase(Locale.ROOT);
        if (m.getRole() == MessageRole.ASSISTANT) {
            if (m.getTurnNumber() != turnsDone) {
                return;
            }
            turnsDone++;
        } else if (!humanMessageIds.add(m.getMessageId())) {
            return;
        }
        history.add(
                new ConversationSnapshot.HistoryMessage(
                        m.getTurnNumber(), m.getAgentId(), role, m.getContent(), m.getMedia()));
    }

    ConversationSnapshot snapshot() {
        int from = Math.max(0, history.size() - SNAPSHOT_LIMIT);
        return new ConversationSnapshot(
                id,
                request.getParticipants(),
                request.getTopic(),
                request.getSeed() == null ? 0L : request.getSeed(),
                request.getGeneration(),
                request.getSessionId(),
                correlationId,
                history.subList(from, history.size()),
                request.getSpeakerPolicy() == null
                        ? "ROUND_ROBIN"
                        : request.getSpeakerPolicy().name(),
                request.getHumanTurns() == null ? List.of() : request.getHumanParticipants());
    }
}
