package ams.conversations.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.conversations.KnowledgeSearch;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The standalone orchestrator's knowledge search reads the hits' tags (what the graph hop follows)
 * and asks the hop's search with the route's {@code tags} filter.
 */
class HttpKnowledgeSearchTest {

    @Test
    void readsTagsAndFiltersByThem() {
        List<String> asked = new CopyOnWriteArrayList<>();
        Javalin indexer =
                Javalin.create()
                        .get(
                                "/agents/ann/knowledge/search",
                                ctx -> {
                                    asked.add(ctx.queryString());
                                    ctx.contentType("application/json")
                                            .result(
                                                    "{\"results\":[{\"document_id\":\"plates\","
                                                            + "\"title\":\"Plates\",\"content\":\"Drift.\","
                                                            + "\"similarity\":0.5,\"tags\":[\"geology\"]}]}");
                                })
                        .start("127.0.0.1", 0);
        try {
            HttpKnowledgeSearch search =
                    new HttpKnowledgeSearch(
                            "http://127.0.0.1:" + indexer.port(), Duration.ofSeconds(5));
            assertEquals(
                    List.of(
                            new KnowledgeSearch.Hit(
                                    "plates", "Plates", "Drift.", 0.5, List.of("geology"))),
                    search.search("ann", "magma", 2));
            search.searchTagged("ann", "magma", 3, Set.of("ocean", "geology"));
            assertEquals(
                    List.of(
                            "q=magma&k=2&mode=hybrid",
                            "q=magma&k=3&mode=hybrid&tags=geology%2Cocean"),
                    asked);
            assertEquals(List.of(), search.searchTagged("ann", "magma", 3, Set.of()));
            assertEquals(2, asked.size(), "no tags, no request");
        } finally {
            indexer.stop();
        }
    }
}
