package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.topics.TopicCatalogue;
import ams.service.fate.FateRoute;
import ams.service.http.ServiceHttp;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /events/{event_id}} for conversation writes on a standalone orchestrator: each write's
 * 202 carries its event id, the state machine's verdict is its fate (applied with the status it
 * left, or rejected with the dead letter's reason), and a request the state machine would refuse is
 * refused with 400 before it is published.
 */
@ExtendWith(KafkaClusterExtension.class)
class ConversationFatesIT {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyConversationWriteHasItsFate(TestKafka kafka, @TempDir Path state) throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue();
        Map<String, Object> config = Harness.config(kafka, catalogue, state);
        Javalin app = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        try (ConversationOrchestrator o = Harness.start(config)) {
            o.registerRoutes(app);
            FateRoute.register(app, List.of(o.fates()));
            int port = (Integer) config.get(ConversationConfig.HTTP_PORT);
            app.start("127.0.0.1", port);
            String base = "http://127.0.0.1:" + port;

            JsonNode accepted =
                    accepted(
                            post(
                                    base,
                                    "/conversations/generate",
                                    """
                                    {"conversation_id":"fates-1","agents":["a","b"],"topic":"tides",
                                     "num_turns":50,"human_participants":["alice"],
                                     "human_turns":{"timeout_ms":600000}}
                                    """));
            JsonNode started = fate(base, accepted);
            assertEquals("applied", started.path("status").asText(), started.toString());
            assertEquals("conversation", started.path("kind").asText());
            assertEquals("fates-1", started.path("conversation_id").asText());
            assertEquals("REQUESTED", started.path("conversation_status").asText());
            assertTrue(started.path("changed").asBoolean(), started.toString());

            JsonNode said =
                    fate(
                            base,
                            accepted(
                                    post(
                                            base,
                                            "/conversations/fates-1/messages",
                                            "{\"author\":\"alice\",\"content\":\"hello\"}")));
            assertEquals("applied", said.path("status").asText(), said.toString());

            JsonNode cancelled =
                    fate(base, accepted(post(base, "/conversations/fates-1/cancel", "{}")));
            assertEquals("CANCELLED", cancelled.path("conversation_status").asText());
            assertTrue(cancelled.path("changed").asBoolean(), cancelled.toString());
            JsonNode again =
                    fate(base, accepted(post(base, "/conversations/fates-1/cancel", "{}")));
            assertEquals("applied", again.path("status").asText());
            assertFalse(again.path("changed").asBoolean(), again.toString());

            // Published past the route's checks (as another client could): dead-lettered, and
            // the fate says why.
            String orphan =
                    o.commands()
                            .humanMessage("no-such-chat", "alice", "hi", 0, null, List.of())
                            .eventId();
            JsonNode refused = fate(base, orphan);
            assertEquals("rejected", refused.path("status").asText(), refused.toString());
            assertEquals("INVALID_EVENT", refused.path("reason").asText());
            assertTrue(
                    refused.path("detail").asText().contains("Unknown conversation"),
                    refused.toString());
        } finally {
            app.stop();
        }
    }

    private static JsonNode accepted(HttpResponse<String> response) throws IOException {
        assertEquals(202, response.statusCode(), response.body());
        JsonNode body = Harness.JSON.readTree(response.body());
        assertFalse(body.path("event_id").asText("").isEmpty(), body.toString());
        return body;
    }

    private JsonNode fate(String base, JsonNode accepted) {
        return fate(base, accepted.path("event_id").asText());
    }

    private JsonNode fate(String base, String eventId) {
        return Wait.untilValue(
                "the fate of " + eventId,
                Duration.ofSeconds(60),
                () -> {
                    try {
                        HttpResponse<String> r =
                                http.send(
                                        HttpRequest.newBuilder(
                                                        URI.create(base + "/events/" + eventId))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString());
                        return r.statusCode() == 200 ? Harness.JSON.readTree(r.body()) : null;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                });
    }

    private HttpResponse<String> post(String base, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
