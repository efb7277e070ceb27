package ams.export.dataset;

import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds conversation-events into {@link LogConversation}s: the same rules as the sink's assembler
 * (a redelivered message id is kept once, messages in turn order) but every conversation is kept
 * with its status, so the filters can count what they drop.
 */
public final class ConversationLog {

    private static final class Open {
        String topic = "";
        final Set<String> participants = new LinkedHashSet<>();
        final Set<String> humans = new LinkedHashSet<>();
        String status = "RUNNING";
        final Map<String, LogConversation.Turn> turns = new LinkedHashMap<>();
    }

    private final Map<String, Open> conversations = new LinkedHashMap<>();

    public void apply(ConversationEvent event) {
        String id = event.getConversationId();
        Open c = conversations.computeIfAbsent(id, k -> new Open());
        Object payload = event.getPayload();
        if (payload instanceof ConversationRequested r) {
            c.topic = r.getTopic();
            c.participants.addAll(r.getParticipants());
            if (r.getHumanParticipants() != null) {
                c.humans.addAll(r.getHumanParticipants());
            }
        } else if (payload instanceof MessageAppended m) {
            c.turns.putIfAbsent(
                    m.getMessageId(),
                    new LogConversation.Turn(m, event.getEnvelope().getOccurredAt()));
            // A failed conversation that gets messages again was resumed.
            if ("FAILED".equals(c.status)) {
                c.status = "RUNNING";
            }
        } else if (payload instanceof ConversationCompleted) {
            c.status = "COMPLETED";
        } else if (payload instanceof ConversationFailed) {
            c.status = "FAILED";
        } else if (payload instanceof ConversationCancelled) {
            if (!"FAILED".equals(c.status)) {
                c.status = "CANCELLED";
            }
        }
    }

    public List<LogConversation> conversations() {
        List<LogConversation> out = new ArrayList<>(conversations.size());
        conversations.forEach(
                (id, c) -> {
                    List<LogConversation.Turn> turns = new ArrayList<>(c.turns.values());
                    turns.sort(Comparator.comparingInt(t -> t.message().getTurnNumber()));
                    Set<String> participants = new LinkedHashSet<>(c.participants);
                    turns.forEach(t -> participants.add(t.agentId()));
                    out.add(
                            new LogConversation(
                                    id,
                                    c.topic,
                                    new ArrayList<>(participants),
                                    c.humans,
                                    c.status,
                                    turns));
                });
        return out;
    }
}
