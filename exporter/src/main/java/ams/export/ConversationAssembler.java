package ams.export;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;

/**
 * Buffers the messages of the open conversations of one partition until each completes. A
 * conversation is only tracked from its ConversationRequested, so a restart that re-reads from
 * {@link #lowWatermark} rebuilds exactly the conversations that were open. Conversations that
 * fail or are cancelled are dropped: only whole, completed conversations are exported.
 */
public final class ConversationAssembler {

    private static final class Open {
        final long firstOffset;
        final String topic;
        final List<String> participants;
        final Map<String, CompletedConversation.Message> messages = new LinkedHashMap<>();

        Open(long firstOffset, String topic, List<String> participants) {
            this.firstOffset = firstOffset;
            this.topic = topic;
            this.participants = participants;
        }
    }

    // Insertion order is first-offset order, so the first entry holds the low watermark.
    private final LinkedHashMap<String, Open> open = new LinkedHashMap<>();

    /** Applies one event; returns the conversation if this event completed it. */
    public Optional<CompletedConversation> apply(long offset, ConversationEvent event) {
        String id = event.getConversationId();
        Object payload = event.getPayload();
        if (payload instanceof ConversationRequested r) {
            open.putIfAbsent(id, new Open(offset, r.getTopic(), List.copyOf(r.getParticipants())));
        } else if (payload instanceof MessageAppended m) {
            Open conversation = open.get(id);
            if (conversation != null) {
                // A message id seen twice (a redelivered turn) is kept once.
                conversation.messages.putIfAbsent(m.getMessageId(),
                        new CompletedConversation.Message(m, event.getEnvelope().getOccurredAt()));
            }
        } else if (payload instanceof ConversationCompleted c) {
            Open conversation = open.remove(id);
            if (conversation != null) {
                List<CompletedConversation.Message> messages = new ArrayList<>(conversation.messages.values());
                messages.sort(Comparator.comparingInt(msg -> msg.message().getTurnNumber()));
                return Optional.of(new CompletedConversation(id, conversation.topic, conversation.participants,
                        messages, event.getEnvelope().getOccurredAt(), c.getReason()));
            }
        } else if (payload instanceof ConversationFailed || payload instanceof ConversationCancelled) {
            open.remove(id);
        }
        return Optional.empty();
    }

    /** The earliest offset a restart must re-read to rebuild what is open after {@code end}. */
    public long lowWatermark(long end) {
        Iterator<Open> first = open.values().iterator();
        return first.hasNext() ? Math.min(first.next().firstOffset, end + 1) : end + 1;
    }

    public int openConversations() {
        return open.size();
    }

}
