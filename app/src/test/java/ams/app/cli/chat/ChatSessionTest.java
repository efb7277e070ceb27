package ams.app.cli.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.app.client.ConversationStream;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * What a chat session prints for the stream's events in the orders they really arrive: tokens are
 * pushed by the turn's writer while stored messages are polled, so the next turn's tokens often
 * come before the previous turn's message.
 */
class ChatSessionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringWriter screen = new StringWriter();
    private final ChatSession session =
            new ChatSession(
                    null,
                    (id, after, onEvent) -> {},
                    new BufferedReader(new StringReader("")),
                    new PrintWriter(screen, true),
                    "c1",
                    "alice");

    @Test
    void aReplyStreamedWholeIsPrintedOnceWhenItsMessageComesAfterTheNextTurnsTokens() {
        token(1, "a", "Owls hunt ");
        token(1, "a", "at night.");
        token(2, "b", "Mostly ");
        message(1, "a", "Owls hunt at night.");
        token(2, "b", "mice.");
        message(2, "b", "Mostly mice.");

        assertEquals("a: Owls hunt at night.\nb: Mostly mice.\n", screen.toString());
    }

    @Test
    void aReplyStreamedAndStoredInOrderIsPrintedOnce() {
        token(1, "a", "Owls hunt at night.");
        message(1, "a", "Owls hunt at night.");
        token(2, "b", "Mostly mice.");
        message(2, "b", "Mostly mice.");

        assertEquals("a: Owls hunt at night.\nb: Mostly mice.\n", screen.toString());
    }

    @Test
    void aStoredMessageThatDiffersFromWhatWasStreamedIsPrintedAsStored() {
        token(1, "a", "Owls hunt at ");
        token(2, "b", "Mostly mice.");
        message(1, "a", "Owls hunt at night.");
        message(2, "b", "Mostly mice.");

        assertEquals(
                "a: Owls hunt at \nb: Mostly mice.\na: Owls hunt at night.\n", screen.toString());
    }

    @Test
    void aReplyWhoseLineWasClosedForAnotherGoesOnWholeOnANewLine() {
        token(2, "b", "Mostly ");
        message(1, "a", "Owls hunt at night.");
        token(2, "b", "mice.");
        message(2, "b", "Mostly mice.");

        assertEquals("b: Mostly \na: Owls hunt at night.\nb: Mostly mice.\n", screen.toString());
    }

    @Test
    void theTokensOfAVoidedAttemptAreNotCarriedIntoTheNextAttempt() {
        token(1, "a", "Wrong");
        event(
                "turn_reset",
                null,
                JSON.createObjectNode()
                        .put("turn_number", 1)
                        .put("agent_id", "a")
                        .put("reason", "timeout"));
        token(1, "a", "Right");
        message(1, "a", "Right");

        assertEquals(
                "a: Wrong\n[a starts the reply again: timeout]\na: Right\n", screen.toString());
    }

    private void token(int turn, String agent, String text) {
        event(
                "token",
                null,
                JSON.createObjectNode()
                        .put("turn_number", turn)
                        .put("agent_id", agent)
                        .put("text", text));
    }

    private void message(int turn, String agent, String content) {
        event(
                "message",
                String.valueOf(turn),
                JSON.createObjectNode()
                        .put("turn_number", turn)
                        .put("agent_id", agent)
                        .put("role", "assistant")
                        .put("content", content));
    }

    private void event(String name, String id, JsonNode data) {
        session.onEvent(new ConversationStream.Event(name, id, data));
    }
}
