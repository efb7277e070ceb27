package ams.export.sink;

import ams.events.conversation.MessageAppended;
import java.time.Instant;
import java.util.List;

/** A conversation whose ConversationCompleted arrived, with all its messages in turn order. */
public record CompletedConversation(
        String conversationId,
        String topic,
        List<String> participants,
        List<Message> messages,
        Instant completedAt,
        String reason) {

    public CompletedConversation {
        participants = List.copyOf(participants);
        messages = List.copyOf(messages);
    }

    /** One message with the time it was appended. */
    public record Message(MessageAppended message, Instant timestamp) {}
}
