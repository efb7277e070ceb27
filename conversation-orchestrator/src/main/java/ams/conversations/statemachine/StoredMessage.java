package ams.conversations.statemachine;

import java.util.List;

/**
 * Value of the "messages" store (key {@code conversationId/seq}, seq zero-padded so a prefix scan
 * returns the messages in order). Human messages get a seq too; an interjection has no turn of its
 * own, a person's awaited message is its turn.
 */
public record StoredMessage(
        String conversationId,
        int seq,
        String messageId,
        int turnNumber,
        String agentId,
        String role,
        String content,
        String messageType,
        long timestamp,
        String model,
        Usage usage,
        Long latencyMillis,
        List<String> knowledgeIds,
        String metadataJson,
        String sessionId) {

    public StoredMessage {
        knowledgeIds = List.copyOf(knowledgeIds);
    }

    /**
     * Tokens of one message as the provider reported them, or estimated ({@code estimated = true}).
     */
    public record Usage(
            int promptTokens, int completionTokens, int totalTokens, boolean estimated) {}

    /** The same message stored as turn {@code turn} (a person's message that was their turn). */
    StoredMessage asTurn(int turn) {
        return new StoredMessage(
                conversationId,
                seq,
                messageId,
                turn,
                agentId,
                role,
                content,
                messageType,
                timestamp,
                model,
                usage,
                latencyMillis,
                knowledgeIds,
                metadataJson,
                sessionId);
    }

    /**
     * {@code conversationId/seq}, seq zero-padded to 8 digits so a conversation's messages sort in
     * order (as {@code String.format("%08d")} pads, without its parsing: that was 6 % of the state
     * machine's samples in a replay profile).
     */
    public static String key(String conversationId, int seq) {
        if (seq < 0) {
            return conversationId + "/" + String.format(java.util.Locale.ROOT, "%08d", seq);
        }
        String digits = Integer.toString(seq);
        StringBuilder key = new StringBuilder(conversationId.length() + 9 + digits.length());
        key.append(conversationId).append('/');
        for (int i = digits.length(); i < 8; i++) {
            key.append('0');
        }
        return key.append(digits).toString();
    }

    public static String prefix(String conversationId) {
        return conversationId + "/";
    }
}
