package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.topics.TopicCatalogue;
import ams.knowledge.KnowledgeQueries.SearchHit;
import ams.knowledge.search.SearchFilters;
import ams.knowledge.search.SearchMode;
import ams.service.http.ServiceHttp;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Search as of a time T on a broker: a document replaced and another removed are found as they
 * stood at T (the replaced text before its replacement, the removed one before its removal, nothing
 * before either was added), in every mode and over HTTP, while the live search sees only the
 * current versions.
 */
@ExtendWith(KafkaClusterExtension.class)
class KnowledgeAsOfSearchIT {

    private static final String AGENT = "ann";
    private static final String CATS = "Cats need taurine in their food.";
    private static final String DOGS = "Dogs love long walks in the park.";
    private static final String RAIN = "Rain is expected tomorrow afternoon.";
    private static final Instant ADDED = Instant.parse("2026-02-01T10:00:00Z");
    private static final Instant REMOVED = Instant.parse("2026-02-01T11:00:00Z");
    private static final Instant REPLACED = Instant.parse("2026-02-01T12:00:00Z");

    @Test
    void shouldSearchTheDocumentsAsTheyStoodAtATime(TestKafka kafka, @TempDir Path state)
            throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(2);
        int port = TestIndexers.freePort();
        Javalin web = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        try (KnowledgeIndexer indexer =
                TestIndexers.start(
                        TestIndexers.config(
                                kafka, catalogue, TestIndexers.newApplicationId(), state, port),
                        TestIndexers.model())) {
            indexer.registerRoutes(web);
            web.start("127.0.0.1", port);
            kafka.send(
                    catalogue.knowledgeEvents(),
                    AGENT,
                    Events.added(AGENT, "notes", "Notes", CATS, "vet", List.of("pets"), ADDED));
            kafka.send(
                    catalogue.knowledgeEvents(),
                    AGENT,
                    Events.added(AGENT, "rain", "Weather", RAIN, "news", List.of("sky"), ADDED));
            kafka.send(catalogue.knowledgeEvents(), AGENT, Events.removed(AGENT, "rain", REMOVED));
            kafka.send(
                    catalogue.knowledgeEvents(),
                    AGENT,
                    Events.added(AGENT, "notes", "Notes", DOGS, "vet", List.of("pets"), REPLACED));
            KnowledgeQueries queries = indexer.queries();
            Wait.until(
                    "the replacement searchable and the removal applied",
                    Duration.ofSeconds(90),
                    () -> {
                        List<SearchHit> live = search(queries, "walks", SearchMode.LEXICAL, null);
                        return live.size() == 1
                                && live.get(0).chunkText().equals(DOGS)
                                && queries.documents(AGENT, 0, 10).total() == 1;
                    });

            for (SearchMode mode : SearchMode.values()) {
                assertEquals(
                        List.of("notes:" + CATS, "rain:" + RAIN),
                        texts(
                                search(
                                        queries,
                                        "cats food rain dogs walks",
                                        mode,
                                        "2026-02-01T10:30:00Z")),
                        mode + " between the adds and the removal: both, notes as first added");
                assertEquals(
                        List.of("notes:" + CATS),
                        texts(
                                search(
                                        queries,
                                        "cats food rain dogs walks",
                                        mode,
                                        "2026-02-01T11:30:00Z")),
                        mode + " after the removal, before the replacement");
                assertEquals(
                        List.of("notes:" + DOGS),
                        texts(
                                search(
                                        queries,
                                        "cats food rain dogs walks",
                                        mode,
                                        "2026-02-01T12:30:00Z")),
                        mode + " after the replacement");
                assertEquals(
                        List.of(),
                        search(queries, "cats food rain dogs walks", mode, "2026-02-01T09:00:00Z"),
                        mode + " before anything was added");
                assertEquals(
                        List.of("notes:" + DOGS),
                        texts(search(queries, "cats food rain dogs walks", mode, null)),
                        mode + " live");
            }

            HttpClient http = HttpClient.newHttpClient();
            ObjectMapper json = new ObjectMapper();
            HttpResponse<String> then =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    "http://127.0.0.1:"
                                                            + port
                                                            + "/agents/"
                                                            + AGENT
                                                            + "/knowledge/search?q=taurine&mode=lexical"
                                                            + "&as_of=2026-02-01T11:30:00Z"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, then.statusCode(), then.body());
            JsonNode best = json.readTree(then.body()).path("results").get(0);
            assertEquals("notes", best.path("document_id").asText(), then.body());
            assertTrue(best.path("content").asText().contains("taurine"), then.body());
            HttpResponse<String> bad =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    "http://127.0.0.1:"
                                                            + port
                                                            + "/agents/"
                                                            + AGENT
                                                            + "/knowledge/search?q=cats&as_of=yesterday"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(400, bad.statusCode(), bad.body());
            assertTrue(bad.body().contains("as_of"), bad.body());
        } finally {
            web.stop();
        }
    }

    private static List<SearchHit> search(
            KnowledgeQueries queries, String q, SearchMode mode, String asOf) {
        return asOf == null
                ? queries.search(AGENT, q, 5, mode, SearchFilters.NONE, false)
                : queries.searchAsOf(
                        AGENT, q, 5, mode, SearchFilters.NONE, false, Instant.parse(asOf));
    }

    /** {@code documentId:chunk text} of each hit, sorted (the modes rank the two differently). */
    private static List<String> texts(List<SearchHit> hits) {
        return hits.stream()
                .map(hit -> hit.document().getDocumentId() + ":" + hit.chunkText())
                .sorted()
                .toList();
    }
}
