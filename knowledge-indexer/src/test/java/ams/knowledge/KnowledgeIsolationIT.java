package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ams.events.topics.TopicCatalogue;
import ams.service.http.ServiceHttp;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two agents with the same document id never see each other's documents, edges or ids, through
 * every graph and search route (the document node was once shared by document id alone).
 */
@ExtendWith(KafkaClusterExtension.class)
class KnowledgeIsolationIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private record Response(int status, String body) {
        JsonNode json(ObjectMapper mapper) {
            try {
                return mapper.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private Response get(int port, String pathAndQuery) {
        try {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + port + pathAndQuery))
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

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void agentsWithTheSameDocumentIdNeverSeeEachOther(TestKafka kafka, @TempDir Path state) {
        TopicCatalogue catalogue = kafka.newCatalogue(3);
        int port = TestIndexers.freePort();
        Javalin web = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        Instant at = Instant.parse("2026-03-01T10:00:00Z");
        try (KnowledgeIndexer indexer =
                TestIndexers.start(
                        TestIndexers.config(
                                kafka, catalogue, TestIndexers.newApplicationId(), state, port),
                        TestIndexers.model())) {
            indexer.registerRoutes(web);
            web.start("127.0.0.1", port);
            // Same document id, and each agent's text is the other's best query.
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "ann",
                    Events.added(
                            "ann",
                            "notes",
                            "Cat care",
                            "Cats need taurine in their food, says annsecret.",
                            "vet",
                            List.of("pets"),
                            at));
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "bob",
                    Events.added(
                            "bob",
                            "notes",
                            "Zebra launch",
                            "Zebra launch codes are kept by bobsecret.",
                            "vault",
                            List.of("secret"),
                            at.plusSeconds(60)));
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "bob",
                    Events.added(
                            "bob",
                            "bob-only",
                            "Zebra stripes",
                            "Zebra stripes and bobsecret.",
                            "vault",
                            List.of("secret"),
                            at.plusSeconds(60)));
            Wait.until(
                    "both agents indexed and graphed",
                    TIMEOUT,
                    () ->
                            neighbours(port, "document:ann/notes").size() == 1
                                    && neighbours(port, "document:bob/notes").size() == 1
                                    && neighbours(port, "document:bob/bob-only").size() == 1
                                    && neighbours(port, "agent:bob").size() == 2
                                    && total(port, "ann") == 1
                                    && total(port, "bob") == 2);

            check(port, "ann", "bob", "zebra launch codes", 1);
            check(port, "bob", "ann", "cats need taurine in their food", 2);

            Response legacy = get(port, "/graph/neighbours?node=" + encode("document:notes"));
            assertEquals(400, legacy.status(), legacy.body());
        } finally {
            web.stop();
        }
    }

    /** Every route answered for {@code agent} names neither {@code other} nor its secret. */
    private void check(int port, String agent, String other, String othersText, int documents) {
        String secret = other + "secret";
        List<Response> answers = new ArrayList<>();
        answers.add(get(port, "/agents/" + agent + "/knowledge"));
        for (String mode : List.of("vector", "lexical", "hybrid")) {
            Response search =
                    get(
                            port,
                            "/agents/"
                                    + agent
                                    + "/knowledge/search?k=10&mode="
                                    + mode
                                    + "&q="
                                    + encode(othersText));
            answers.add(search);
            for (JsonNode hit : search.json(json).path("results")) {
                assertFalse(hit.path("content").asText().contains(secret), mode + ": " + hit);
            }
        }
        Response asOf = get(port, "/agents/" + agent + "/knowledge/as-of?t=2026-03-02T00:00:00Z");
        assertEquals(documents, asOf.json(json).path("documents").size(), asOf.body());
        answers.add(asOf);
        answers.add(get(port, "/graph/neighbours?node=" + encode("agent:" + agent)));
        answers.add(
                get(
                        port,
                        "/graph/neighbours?as_of=2026-03-02T00:00:00Z&node="
                                + encode("agent:" + agent)));
        Response document =
                get(port, "/graph/neighbours?node=" + encode("document:" + agent + "/notes"));
        List<JsonNode> edges = new ArrayList<>();
        document.json(json).path("neighbours").forEach(edges::add);
        assertEquals(1, edges.size(), document.body());
        assertEquals("agent:" + agent, edges.get(0).path("node").asText());
        answers.add(document);
        for (Response answer : answers) {
            assertEquals(200, answer.status(), answer.body());
            assertFalse(
                    answer.body().contains(other), agent + " sees " + other + ": " + answer.body());
            assertFalse(
                    answer.body().contains(secret),
                    agent + " sees " + secret + ": " + answer.body());
        }
    }

    private List<JsonNode> neighbours(int port, String node) {
        List<JsonNode> list = new ArrayList<>();
        get(port, "/graph/neighbours?node=" + encode(node))
                .json(json)
                .path("neighbours")
                .forEach(list::add);
        return list;
    }

    private int total(int port, String agent) {
        return get(port, "/agents/" + agent + "/knowledge").json(json).path("total").asInt();
    }
}
