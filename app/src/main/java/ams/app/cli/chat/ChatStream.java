package ams.app.cli.chat;

import ams.app.client.ConversationStream;
import java.util.function.Consumer;

/**
 * Where a chat session reads a conversation's live events ({@code GET /conversations/{id}/stream}):
 * a port, so the session does not care how they arrive.
 */
@FunctionalInterface
public interface ChatStream {

    /**
     * Follows the stream of messages after index {@code afterIndex} (-1: all) and hands its events
     * to {@code onEvent} until the stream ends (returns normally) or breaks (throws). Blocks.
     */
    void follow(String conversationId, int afterIndex, Consumer<ConversationStream.Event> onEvent)
            throws Exception;
}
