package ams.export.sink;

import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Buffers the messages of the open conversations of one partition until each completes. A
 * conversation is only tracked from its ConversationRequested, so a restart that re-reads from
 * {@link #lowWatermark} rebuilds exactly the conversations that were open. Only whole, completed
 * conversations are exported: cancelled ones are dropped at once. A failed one can still be resumed
 * by its user (and then complete), so, as in the orchestrator's state machine, it stays open with
 * its messages for {@link #FAILED_RETENTION} of event time after it failed, then is dropped; until
 * then it holds back the low watermark like any open conversation.
 */
final class ConversationAssembler {

    /**
     * How long a failed conversation waits for a resume. Event time, so a re-read decides the same
     * way.
     */
    public static final Duration FAILED_RETENTION = Duration.ofHours(24);

    private static final class Open {
        final long firstOffset;
        final String topic;
        final List<String> participants;
        final Map<String, CompletedConversation.Message> messages = new LinkedHashMap<>();

        /** Event time of its ConversationFailed while failed; null while running. */
        Long failedAt;

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
        long time = event.getEnvelope().getOccurredAt().toEpochMilli();
        dropExpiredFailures(time);
        if (payload instanceof ConversationRequested r) {
            open.putIfAbsent(id, new Open(offset, r.getTopic(), List.copyOf(r.getParticipants())));
        } else if (payload instanceof MessageAppended m) {
            Open conversation = open.get(id);
            if (conversation != null) {
                // Only a resumed conversation gets messages after failing: it runs again.
                conversation.failedAt = null;
                // A message id seen twice (a redelivered turn) is kept once.
                conversation.messages.putIfAbsent(
                        m.getMessageId(),
                        new CompletedConversation.Message(m, event.getEnvelope().getOccurredAt()));
            }
        } else if (payload instanceof ConversationCompleted c) {
            Open conversation = open.remove(id);
            if (conversation != null) {
                List<CompletedConversation.Message> messages =
                        new ArrayList<>(conversation.messages.values());
                messages.sort(Comparator.comparingInt(msg -> msg.message().getTurnNumber()));
                return Optional.of(
                        new CompletedConversation(
                                id,
                                conversation.topic,
                                conversation.participants,
                                messages,
                                event.getEnvelope().getOccurredAt(),
                                c.getReason()));
            }
        } else if (payload instanceof ConversationFailed) {
            Open conversation = open.get(id);
            if (conversation != null) {
                conversation.failedAt = time;
            }
        } else if (payload instanceof ConversationCancelled) {
            Open conversation = open.get(id);
            // The state machine ignores a cancel of a failed conversation, which stays resumable.
            if (conversation != null && conversation.failedAt == null) {
                open.remove(id);
            }
        }
        return Optional.empty();
    }

    /**
     * Drops failed conversations past their retention from the front only: the front is what holds
     * the low watermark back; one further in goes when it reaches the front.
     */
    private void dropExpiredFailures(long now) {
        Iterator<Open> it = open.values().iterator();
        while (it.hasNext()) {
            Open first = it.next();
            if (first.failedAt == null || now - first.failedAt < FAILED_RETENTION.toMillis()) {
                return;
            }
            it.remove();
        }
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
