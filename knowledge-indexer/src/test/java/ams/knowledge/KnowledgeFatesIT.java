package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.knowledge.KnowledgeEvent;
import ams.events.topics.TopicCatalogue;
import ams.service.fate.FateRoute;
import ams.service.http.ServiceHttp;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * {@code GET /events/{event_id}} for knowledge writes on a standalone indexer: a document indexed
 * says so with its chunks, a removal says whether there was a document, and a document the
 * embedding worker dead-letters is rejected with the dead letter's reason and detail.
 */
@ExtendWith(KafkaClusterExtension.class)
class KnowledgeFatesIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everyKnowledgeWriteHasItsFate(TestKafka kafka, @TempDir Path state) throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(2);
        int port = TestIndexers.freePort();
        Map<String, Object> props =
                TestIndexers.config(kafka, catalogue, TestIndexers.newApplicationId(), state, port);
        // Small enough that a few hundred characters are too many chunks for one document.
        props.put(KnowledgeIndexerConfig.CHUNK_MAX_CHARS, 40);
        props.put(KnowledgeIndexerConfig.CHUNK_OVERLAP_CHARS, 0);
        props.put(KnowledgeIndexerConfig.CHUNK_MAX_PER_DOCUMENT, 3);
        Javalin web = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        try (KnowledgeIndexer indexer = TestIndexers.start(props, TestIndexers.model())) {
            indexer.registerRoutes(web);
            FateRoute.register(web, List.of(indexer.fates()));
            web.start("127.0.0.1", port);

            KnowledgeEvent added = Events.added("ann", "owls", "Owls", "Owls hunt at night.");
            KnowledgeEvent tooLarge =
                    Events.added("ann", "saga", "Saga", "The owl flew on and on. ".repeat(20));
            KnowledgeEvent removed = Events.removed("ann", "owls", java.time.Instant.now());
            KnowledgeEvent removedNothing =
                    Events.removed("ann", "never-added", java.time.Instant.now());
            assertEquals(
                    404, get(port, eventPath(added)).status(), "not settled before it is sent");
            kafka.send(catalogue.knowledgeEvents(), "ann", added);
            kafka.send(catalogue.knowledgeEvents(), "ann", tooLarge);

            JsonNode indexed = fate(port, added);
            assertEquals("applied", indexed.path("status").asText(), indexed.toString());
            assertEquals("knowledge", indexed.path("kind").asText());
            assertEquals("indexed", indexed.path("operation").asText());
            assertEquals("ann", indexed.path("agent_id").asText());
            assertEquals("owls", indexed.path("document_id").asText());
            assertEquals(1, indexed.path("chunks").asInt(), indexed.toString());

            JsonNode refused = fate(port, tooLarge);
            assertEquals("rejected", refused.path("status").asText(), refused.toString());
            assertEquals("TEXT_TOO_LARGE", refused.path("reason").asText());
            assertEquals("saga", refused.path("document_id").asText());
            assertTrue(
                    refused.path("detail").asText().contains("chunk.max.per.document=3"),
                    refused.toString());

            kafka.send(catalogue.knowledgeEvents(), "ann", removed);
            kafka.send(catalogue.knowledgeEvents(), "ann", removedNothing);
            assertEquals("removed", fate(port, removed).path("operation").asText());
            assertEquals(
                    "nothing_to_remove", fate(port, removedNothing).path("operation").asText());

            Response unknown = get(port, "/events/no-such-event");
            assertEquals(404, unknown.status());
            assertTrue(unknown.body().contains("no-such-event"), unknown.body());
        } finally {
            web.stop();
        }
    }

    private static String eventPath(KnowledgeEvent event) {
        return "/events/" + event.getEnvelope().getEventId();
    }

    private JsonNode fate(int port, KnowledgeEvent event) {
        return Wait.untilValue(
                "the fate of " + event.getEnvelope().getEventId(),
                TIMEOUT,
                () -> {
                    Response r = get(port, eventPath(event));
                    return r.status() == 200 ? parse(r.body()) : null;
                });
    }

    private JsonNode parse(String body) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Response(int status, String body) {}

    private Response get(int port, String path) {
        try {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
