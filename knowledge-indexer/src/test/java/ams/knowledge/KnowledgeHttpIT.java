package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.streams.StoreQueries;
import ams.events.topics.TopicCatalogue;
import ams.service.http.InstanceRouter;
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
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP routes of two instances sharing the partitions: each answers for every agent, forwarding
 * to the owner.
 */
@ExtendWith(KafkaClusterExtension.class)
class KnowledgeHttpIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private record Response(int status, JsonNode body) {}

    private Response get(int port, String pathAndQuery) {
        try {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + port + pathAndQuery))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), json.readTree(response.body()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int activeTasks(KafkaStreams streams) {
        return streams.metadataForLocalThreads().stream()
                .mapToInt(t -> t.activeTasks().size())
                .sum();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void shouldAnswerEveryAgentFromEitherInstance(
            TestKafka kafka, @TempDir Path stateOne, @TempDir Path stateTwo) {
        TopicCatalogue catalogue = kafka.newCatalogue(4);
        String application = TestIndexers.newApplicationId();
        int portOne = TestIndexers.freePort();
        int portTwo = TestIndexers.freePort();
        Javalin webOne = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        Javalin webTwo = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        try (KnowledgeIndexer one =
                        KnowledgeIndexer.start(
                                new KnowledgeIndexerConfig(
                                        TestIndexers.config(
                                                kafka, catalogue, application, stateOne, portOne)),
                                TestIndexers.model());
                KnowledgeIndexer two =
                        KnowledgeIndexer.start(
                                new KnowledgeIndexerConfig(
                                        TestIndexers.config(
                                                kafka, catalogue, application, stateTwo, portTwo)),
                                TestIndexers.model())) {
            one.registerRoutes(webOne);
            two.registerRoutes(webTwo);
            webOne.start("127.0.0.1", portOne);
            webTwo.start("127.0.0.1", portTwo);
            // Both members in the group with tasks of their own: before that, a later rebalance can
            // still move
            // partitions (queries wait, or answer 503) and one instance may own every agent.
            Wait.until(
                    "both instances running with active tasks",
                    TIMEOUT,
                    () ->
                            one.streams().state() == KafkaStreams.State.RUNNING
                                    && two.streams().state() == KafkaStreams.State.RUNNING
                                    && activeTasks(one.streams()) > 0
                                    && activeTasks(two.streams()) > 0);

            List<String> agents = List.of("ann", "ben", "cat", "dan", "eve", "fox");
            Instant at = Instant.parse("2026-02-01T10:00:00Z");
            for (String agent : agents) {
                kafka.send(
                        catalogue.knowledgeEvents(),
                        agent,
                        Events.added(
                                agent,
                                agent + "-pets",
                                "Pets",
                                "Cats need taurine in their food.",
                                "vet",
                                List.of("pets"),
                                at));
                kafka.send(
                        catalogue.knowledgeEvents(),
                        agent,
                        Events.added(
                                agent,
                                agent + "-rain",
                                "Weather",
                                "Rain is expected tomorrow afternoon.",
                                "forecast",
                                List.of("weather"),
                                at));
            }
            for (String agent : agents) {
                // The graph is folded behind a repartition topic, so it catches up after the
                // documents store:
                // wait for both views rather than assume one implies the other.
                Wait.until(
                        agent + " indexed, graphed and answered by both instances",
                        TIMEOUT,
                        () ->
                                get(portOne, "/agents/" + agent + "/knowledge")
                                                        .body()
                                                        .path("total")
                                                        .asInt()
                                                == 2
                                        && get(portTwo, "/agents/" + agent + "/knowledge")
                                                        .body()
                                                        .path("total")
                                                        .asInt()
                                                == 2
                                        && get(
                                                                portTwo,
                                                                "/agents/"
                                                                        + agent
                                                                        + "/knowledge/as-of?t=2026-02-01T11:00:00Z")
                                                        .body()
                                                        .path("documents")
                                                        .size()
                                                == 2
                                        && get(
                                                                portOne,
                                                                "/graph/neighbours?node="
                                                                        + encode(
                                                                                "document:"
                                                                                        + agent
                                                                                        + "/"
                                                                                        + agent
                                                                                        + "-rain"))
                                                        .body()
                                                        .path("neighbours")
                                                        .size()
                                                == 1);
            }
            Set<Integer> owners = new HashSet<>();
            InstanceRouter router =
                    new InstanceRouter(
                            one.streams(),
                            new org.apache.kafka.streams.state.HostInfo("127.0.0.1", portOne),
                            new StoreQueries(Duration.ofSeconds(10)),
                            Duration.ofSeconds(5));
            for (String agent : agents) {
                owners.add(
                        router.ownerOf(
                                                KnowledgeTopology.DOCUMENTS_STORE,
                                                agent,
                                                new StringSerializer())
                                        instanceof InstanceRouter.Local
                                ? portOne
                                : portTwo);
            }
            assertEquals(Set.of(portOne, portTwo), owners, "both instances own some of the agents");

            for (String agent : agents) {
                Response one1 =
                        get(
                                portOne,
                                "/agents/"
                                        + agent
                                        + "/knowledge/search?q="
                                        + encode("what should my kitten eat")
                                        + "&k=5&mode=hybrid");
                Response two1 =
                        get(
                                portTwo,
                                "/agents/"
                                        + agent
                                        + "/knowledge/search?q="
                                        + encode("what should my kitten eat")
                                        + "&k=5&mode=hybrid");
                assertEquals(200, one1.status(), one1.body().toString());
                assertEquals(one1.body(), two1.body());
                JsonNode best = one1.body().path("results").get(0);
                assertEquals(agent + "-pets", best.path("document_id").asText());
                assertEquals("hybrid", one1.body().path("mode").asText());
                assertEquals(agent, one1.body().path("agent_id").asText());
                for (String field :
                        List.of(
                                "document_id",
                                "title",
                                "content",
                                "similarity",
                                "metadata",
                                "chunk_id")) {
                    assertTrue(best.has(field), "result has " + field + ": " + best);
                }
                assertEquals(agent + "-pets", best.path("metadata").path("doc").asText());

                JsonNode asOf =
                        get(portTwo, "/agents/" + agent + "/knowledge/as-of?t=2026-02-01T11:00:00Z")
                                .body();
                assertEquals(2, asOf.path("documents").size(), asOf.toString());
                assertEquals(
                        0,
                        get(portOne, "/agents/" + agent + "/knowledge/as-of?t=2026-02-01T09:00:00Z")
                                .body()
                                .path("documents")
                                .size());
                JsonNode neighbours =
                        get(
                                        portOne,
                                        "/graph/neighbours?node="
                                                + encode(
                                                        "document:"
                                                                + agent
                                                                + "/"
                                                                + agent
                                                                + "-rain"))
                                .body();
                assertEquals(
                        "agent:" + agent,
                        neighbours.path("neighbours").get(0).path("node").asText(),
                        neighbours.toString());
            }

            JsonNode page = get(portOne, "/agents/ann/knowledge?offset=1&limit=1").body();
            assertEquals(2, page.path("total").asInt());
            assertEquals(1, page.path("documents").size());
            JsonNode document = page.path("documents").get(0);
            for (String field :
                    List.of(
                            "kb_id",
                            "agent_id",
                            "document_id",
                            "title",
                            "content",
                            "content_type",
                            "source",
                            "tags",
                            "metadata",
                            "created_at")) {
                assertTrue(document.has(field), "document has " + field + ": " + document);
            }
            JsonNode filtered =
                    get(portTwo, "/agents/ann/knowledge/search?q=cats&mode=vector&tags=weather")
                            .body();
            assertEquals(
                    List.of("ann-rain"), filtered.path("results").findValuesAsText("document_id"));

            assertEquals(
                    400, get(portOne, "/agents/ann/knowledge/search?q=cats&mode=fuzzy").status());
            assertEquals(400, get(portOne, "/agents/ann/knowledge/search").status());
            assertEquals(400, get(portOne, "/agents/ann/knowledge/search?q=x&k=zero").status());
            JsonNode badK = get(portOne, "/agents/ann/knowledge/search?q=x&k=0").body();
            assertTrue(badK.path("error").asText().contains("k must"), badK.toString());
            assertEquals(400, badK.path("status").asInt(), "the one error body: " + badK);
            assertEquals(400, get(portOne, "/agents/ann/knowledge/as-of?t=yesterday").status());
            assertEquals(400, get(portOne, "/graph/neighbours?node=planet:mars").status());
            assertEquals(0, get(portTwo, "/agents/nobody/knowledge").body().path("total").asInt());
        } finally {
            webOne.stop();
            webTwo.stop();
        }
    }
}
