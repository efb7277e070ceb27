package ams.conversations.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.conversations.stream.TurnStreams;
import ams.service.http.ServiceHttp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The order a stream client sees a turn in: its tokens, then its message. A store read can take a
 * while (the store restoring after a rebalance), and a turn may be redone and answered meanwhile;
 * its tokens, queued while the session read, must still reach the client before the message that
 * read returned, not be voided by it.
 */
class ConversationStreamHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "conv-read";

    @Test
    void shouldSendTheTokensQueuedDuringAStoreReadBeforeTheMessageItReturns() throws Exception {
        TurnStreams streams = new TurnStreams();
        TurnDuringRead reads = new TurnDuringRead(streams);
        Javalin app = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        try (ConversationStreamHttp route =
                new ConversationStreamHttp(
                        reads, streams, new ConversationStreamHttp.Settings(5, 60_000, 64, 4))) {
            route.registerRoutes(app);
            app.start("127.0.0.1", 0);
            String body =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            "http://127.0.0.1:"
                                                                    + app.port()
                                                                    + "/conversations/"
                                                                    + ID
                                                                    + "/stream"))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();

            assertEquals(
                    List.of(
                            "message 0",
                            "message 1",
                            "token Halted ",
                            "turn_reset",
                            "token Answer ",
                            "token four",
                            "message 2",
                            "end"),
                    events(body),
                    body);
        } finally {
            app.stop();
        }
    }

    /**
     * A conversation at turn 2 whose second look at the state is slow: while it reads, turn 2
     * streams an attempt that is halted, is redone, and its message is stored.
     */
    private static final class TurnDuringRead implements ConversationStreamHttp.Reads {
        private final TurnStreams streams;
        private final AtomicInteger lookups = new AtomicInteger();
        private volatile int stored = 2;
        private volatile String status = "RUNNING";

        TurnDuringRead(TurnStreams streams) {
            this.streams = streams;
        }

        @Override
        public JsonNode lookup(String id) {
            int n = lookups.incrementAndGet();
            if (n == 2) {
                TurnStreams.Run halted = streams.begin(ID, 2, "c");
                halted.token("Halted ");
                halted.reset("the task closed; the turn will be run again");
                TurnStreams.Run redo = streams.begin(ID, 2, "c");
                redo.token("Answer ");
                redo.token("four");
                redo.finish();
                stored = 3;
            } else if (n > 2) {
                status = "COMPLETED";
            }
            ObjectNode state = JSON.createObjectNode();
            state.put("conversation_id", id);
            state.put("status", status);
            state.put("messages", stored);
            return state;
        }

        @Override
        public JsonNode messagesOf(String id) {
            ObjectNode out = JSON.createObjectNode();
            out.put("conversation_id", id);
            var list = out.putArray("messages");
            String[] contents = {"Zero", "One", "Answer four"};
            for (int turn = 0; turn < stored; turn++) {
                list.addObject()
                        .put("turn_number", turn)
                        .put("agent_id", List.of("a", "b", "c").get(turn))
                        .put("content", contents[turn]);
            }
            return out;
        }
    }

    /** The stream's events but its status changes, as {@code name [text or turn]}. */
    private static List<String> events(String body) throws Exception {
        List<String> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            String name = null;
            String data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("event:")) {
                    name = line.substring("event:".length()).strip();
                } else if (line.startsWith("data:")) {
                    data = line.substring("data:".length()).strip();
                }
            }
            if (name == null || name.equals("status")) {
                continue;
            }
            JsonNode d = JSON.readTree(data);
            switch (name) {
                case "token" -> out.add("token " + d.path("text").asText());
                case "message" -> out.add("message " + d.path("turn_number").asInt());
                default -> out.add(name);
            }
        }
        return out;
    }
}
