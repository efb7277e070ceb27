package ams.conversations.retrieval;

import java.util.List;

/**
 * Where a speaker's earlier conversations come from ({@code use_past_conversations}). The
 * orchestrator answers it from its own stores ({@link StoreConversationMemory}); throwing an {@link
 * java.io.UncheckedIOException} means "try again later", like the other lookups of a turn.
 */
@FunctionalInterface
public interface ConversationMemory {

    /**
     * The agent's conversations requested before {@code conversationId} (the current one is never
     * among them), most recent first, at most {@code limit}; with {@code sessionId} non-null only
     * those of that session. Each with its messages in order.
     */
    List<PastConversation> earlier(
            String agentId, String conversationId, String sessionId, int limit);

    /** One earlier conversation: its id, topic, session, request time and messages. */
    record PastConversation(
            String conversationId,
            String topic,
            String sessionId,
            long requestedAt,
            List<PastMessage> messages) {

        public PastConversation {
            messages = List.copyOf(messages);
        }
    }

    /** One message of an earlier conversation. */
    record PastMessage(String agentId, String role, String content) {}

    static ConversationMemory none() {
        return (agentId, conversationId, sessionId, limit) -> List.of();
    }
}
