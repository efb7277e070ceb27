package ams.app.cli.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Consumer;

/**
 * Where a chat session reads a conversation's live events ({@code GET /conversations/{id}/stream}).
 * A port so the session's logic is tested without a server.
 */
@FunctionalInterface
public interface ChatStream {

    /** One Server-Sent Event: its name ({@code message}, {@code token}, ...), id and JSON data. */
    record Event(String name, String id, JsonNode data) {}

    /**
     * Opens the stream of messages after index {@code afterIndex} (-1: all) and delivers its events
     * to {@code onEvent} on the calling thread until the stream ends (returns normally) or breaks
     * (throws).
     */
    void follow(String conversationId, long afterIndex, Consumer<Event> onEvent) throws Exception;
}
