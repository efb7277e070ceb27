package ams.conversations.worker;

import ams.conversations.statemachine.ConversationStateMachine;
import ams.events.Envelope;
import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * A turn worker's bookkeeping without Kafka: {@code (ledger, event, position) -> turns to run}. It
 * folds the events of its partitions into the history of each open conversation and the turns still
 * unanswered; a partition starts {@link #assigned rebuilding} (its turns are remembered, none run)
 * and goes live once {@link #caughtUp caught up} with the end offset it had when assigned, so a
 * turn already answered in the log is never run again and one left open by a dead worker is run
 * once. It mirrors the state machine's FAILED (a final TurnFailed or a ConversationFailed) and
 * un-fails on a user's resume request, and a turn stays known until its outcome is read back, so a
 * re-request in between runs nothing twice. The worker keeps the threads, the clients and the
 * transactions; everything it decides is here, tested without a broker.
 */
final class TurnLedger {

    /**
     * A TurnRequested to answer; {@code offset} holds back its partition's committed offset. Its
     * identity is the dispatch: a turn remembered again after a rebalance is another object.
     */
    record Turn(
            String conversationId,
            int turn,
            TopicPartition partition,
            long offset,
            TurnRequested request,
            Envelope cause) {
        String key() {
            return turnKey(conversationId, turn);
        }
    }

    private static final class PartitionLedger {
        final long rebuildEnd;
        boolean live;
        final TreeMap<Long, Turn> unanswered = new TreeMap<>();

        PartitionLedger(long rebuildEnd) {
            this.rebuildEnd = rebuildEnd;
        }
    }

    private final Map<String, WorkerConversation> conversations = new HashMap<>();
    private final Map<TopicPartition, PartitionLedger> partitions = new HashMap<>();
    private final Map<String, Turn> pendingByTurn = new HashMap<>();
    // The same pending turns by conversation: ending one forgets its turns without a scan of all.
    private final Map<String, List<Turn>> pendingByConversation = new HashMap<>();

    /**
     * A partition now owned: read from its beginning, its turns run once caught up with {@code
     * rebuildEnd}.
     */
    void assigned(TopicPartition tp, long rebuildEnd) {
        partitions.put(tp, new PartitionLedger(rebuildEnd));
    }

    /** Partitions gone (revoked or lost): everything known about them goes with them. */
    void dropped(Collection<TopicPartition> gone) {
        for (TopicPartition tp : gone) {
            partitions.remove(tp);
        }
        conversations.values().removeIf(c -> gone.contains(c.partition));
        for (Iterator<Turn> it = pendingByTurn.values().iterator(); it.hasNext(); ) {
            if (gone.contains(it.next().partition())) {
                it.remove();
            }
        }
        pendingByConversation
                .values()
                .forEach(turns -> turns.removeIf(t -> gone.contains(t.partition())));
        pendingByConversation.values().removeIf(List::isEmpty);
    }

    boolean owns(TopicPartition tp) {
        return partitions.containsKey(tp);
    }

    Set<TopicPartition> owned() {
        return Set.copyOf(partitions.keySet());
    }

    boolean live(TopicPartition tp) {
        PartitionLedger p = partitions.get(tp);
        return p != null && p.live;
    }

    Set<TopicPartition> rebuilding() {
        Set<TopicPartition> out = new java.util.HashSet<>();
        partitions.forEach(
                (tp, p) -> {
                    if (!p.live) {
                        out.add(tp);
                    }
                });
        return out;
    }

    /**
     * A partition whose consumer reached {@code position}: at or past its rebuild end it goes live,
     * and the turns it found unanswered are returned to run.
     */
    List<Turn> caughtUp(TopicPartition tp, long position) {
        PartitionLedger p = partitions.get(tp);
        if (p == null || p.live || position < p.rebuildEnd) {
            return List.of();
        }
        p.live = true;
        List<Turn> run = new ArrayList<>();
        for (Turn t : p.unanswered.values()) {
            if (conversations.containsKey(t.conversationId())) {
                run.add(t);
            }
        }
        return run;
    }

    long rebuildEnd(TopicPartition tp) {
        PartitionLedger p = partitions.get(tp);
        return p == null ? -1 : p.rebuildEnd;
    }

    /**
     * Folds one event read at {@code offset} of {@code tp}; returns the turn to run now (empty
     * while the partition rebuilds, or when the turn is not to be run).
     */
    List<Turn> apply(TopicPartition tp, long offset, ConversationEvent event) {
        PartitionLedger p = partitions.get(tp);
        if (p == null || event == null) {
            return List.of();
        }
        String id = event.getConversationId();
        Object payload = event.getPayload();
        if (payload instanceof ConversationRequested requested) {
            if (!conversations.containsKey(id)) {
                Envelope env = event.getEnvelope();
                conversations.put(
                        id,
                        new WorkerConversation(
                                id,
                                tp,
                                requested,
                                env.getCorrelationId() != null
                                        ? env.getCorrelationId()
                                        : env.getEventId().toString()));
            }
        } else if (payload instanceof TurnRequested turn) {
            WorkerConversation c = conversations.get(id);
            if (c == null) {
                return List.of();
            }
            if (ConversationStateMachine.isResumeRequest(event)) {
                // Mirrors the state machine, which re-requests the turn itself; this one is not
                // run.
                c.resume(turn.getTurnNumber());
                return List.of();
            }
            if (c.isHumanTurn(turn.getSpeakerAgentId())) {
                // A person's turn: their message (or its timeout) answers it, never a worker; not
                // remembered, so it holds back no offset.
                c.requested(turn.getTurnNumber());
                return List.of();
            }
            // While failed, a request is stale: the state machine issued it before it saw the
            // failure.
            if (c.failed()
                    || turn.getTurnNumber() < c.turnsDone()
                    || pendingByTurn.containsKey(turnKey(id, turn.getTurnNumber()))) {
                return List.of();
            }
            c.requested(turn.getTurnNumber());
            Turn t = new Turn(id, turn.getTurnNumber(), tp, offset, turn, event.getEnvelope());
            p.unanswered.put(offset, t);
            pendingByTurn.put(t.key(), t);
            pendingByConversation.computeIfAbsent(id, k -> new ArrayList<>(2)).add(t);
            return p.live ? List.of(t) : List.of();
        } else if (payload instanceof MessageAppended message) {
            WorkerConversation c = conversations.get(id);
            if (c != null) {
                c.append(message);
                if (message.getRole() == MessageRole.ASSISTANT) {
                    forget(pendingByTurn.get(turnKey(id, message.getTurnNumber())));
                }
            }
        } else if (payload instanceof TurnFailed failed) {
            WorkerConversation c = conversations.get(id);
            if (c != null && !failed.getRetriable()) {
                forget(pendingByTurn.get(turnKey(id, failed.getTurnNumber())));
                if (c.fail(failed.getTurnNumber())) {
                    forgetAll(id);
                }
            }
        } else if (payload instanceof ConversationFailed) {
            // Kept (history and all) because a user may resume it; only its pending turns go.
            WorkerConversation c = conversations.get(id);
            if (c != null) {
                c.fail(c.turnsDone());
                forgetAll(id);
            }
        } else if (payload instanceof ConversationCompleted
                || payload instanceof ConversationCancelled) {
            WorkerConversation c = conversations.get(id);
            // The state machine ignores these on a FAILED conversation, which stays resumable.
            if (c != null && !c.failed()) {
                conversations.remove(id);
                forgetAll(id);
            }
        }
        return List.of();
    }

    /** What a turn about to run needs to know of its conversation, or null when it ended. */
    ConversationSnapshot snapshot(Turn t) {
        WorkerConversation c = conversations.get(t.conversationId());
        return c == null ? null : c.snapshot();
    }

    /**
     * Whether a finished turn may still be published: the very dispatch still pending (not moved to
     * another worker and back), its conversation open, not failed and not answered already.
     */
    @SuppressWarnings("ReferenceEquality") // identity is the dispatch; see Turn
    boolean stillWanted(Turn t) {
        WorkerConversation c = conversations.get(t.conversationId());
        return partitions.containsKey(t.partition())
                && pendingByTurn.get(t.key()) == t
                && c != null
                && !c.failed()
                && c.turnsDone() <= t.turn();
    }

    /**
     * The offset safe to commit for a live partition: that of its first turn neither answered nor
     * in {@code publishing} (an identity set), else {@code position}; -1 while it rebuilds.
     */
    long safeOffset(TopicPartition tp, Set<Turn> publishing, long position) {
        PartitionLedger p = partitions.get(tp);
        if (p == null || !p.live) {
            return -1;
        }
        for (Map.Entry<Long, Turn> e : p.unanswered.entrySet()) {
            if (!publishing.contains(e.getValue())) {
                return e.getKey();
            }
        }
        return position;
    }

    /**
     * A turn's outcome committed: the offset may move past it now, but the turn stays known until
     * its outcome (MessageAppended or final TurnFailed) is read back, so a resume's re-request read
     * in between does not run it again.
     */
    void published(Turn t) {
        PartitionLedger p = partitions.get(t.partition());
        if (p != null) {
            p.unanswered.remove(t.offset());
        }
    }

    int openConversations() {
        return conversations.size();
    }

    private void forgetAll(String conversationId) {
        List<Turn> pending = pendingByConversation.get(conversationId);
        if (pending != null) {
            List.copyOf(pending).forEach(this::forget);
        }
    }

    @SuppressWarnings("ReferenceEquality") // identity is the dispatch; see Turn
    private void forget(Turn t) {
        if (t == null) {
            return;
        }
        pendingByTurn.remove(t.key());
        List<Turn> ofConversation = pendingByConversation.get(t.conversationId());
        if (ofConversation != null) {
            ofConversation.removeIf(other -> other == t);
            if (ofConversation.isEmpty()) {
                pendingByConversation.remove(t.conversationId());
            }
        }
        PartitionLedger p = partitions.get(t.partition());
        if (p != null) {
            p.unanswered.remove(t.offset());
        }
    }

    static String turnKey(String conversationId, int turn) {
        return conversationId + "#" + turn;
    }
}
