package ams.export.dataset;

import ams.events.conversation.MessageAppended;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A conversation as the log tells it at the time of a snapshot: its status (RUNNING, COMPLETED,
 * FAILED, CANCELLED), its human participants and its messages in turn order.
 */
public record LogConversation(
        String conversationId,
        String topic,
        List<String> participants,
        Set<String> humans,
        String status,
        List<Turn> turns) {

    public LogConversation {
        participants = List.copyOf(participants);
        humans = Set.copyOf(humans);
        turns = List.copyOf(turns);
    }

    /** One appended message and the time it was appended. */
    public record Turn(MessageAppended message, Instant at) {

        public String agentId() {
            return message.getAgentId();
        }

        public String content() {
            return message.getContent() == null ? "" : message.getContent();
        }

        /** The provider that wrote it: generation.provider, else the model, else "". */
        public String provider() {
            if (message.getGeneration() != null && message.getGeneration().getProvider() != null) {
                return message.getGeneration().getProvider();
            }
            return message.getModel() == null ? "" : message.getModel();
        }

        /**
         * Written by the offline scripted responder (a deterministic stand-in, not a language
         * model): its provider or model says {@code scripted}.
         */
        public boolean scripted() {
            return "scripted".equals(provider()) || "scripted".equals(message.getModel());
        }
    }
}
