package ams.conversations.http;

import ams.conversations.KnowledgeSearch;
import ams.events.http.BearerToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link KnowledgeSearch} over the knowledge-indexer's {@code GET /agents/{id}/knowledge/search}
 * (separate-process mode).
 */
public final class HttpKnowledgeSearch implements KnowledgeSearch {

    private final ProcessorClient knowledge;

    public HttpKnowledgeSearch(String baseUrl, Duration timeout) {
        this(baseUrl, timeout, Optional.empty());
    }

    /** With the API token the processor's port requires. */
    public HttpKnowledgeSearch(String baseUrl, Duration timeout, Optional<BearerToken> token) {
        this.knowledge = new ProcessorClient(baseUrl, timeout, token, "Knowledge search");
    }

    @Override
    public List<Hit> search(String agentId, String query, int k) {
        Optional<JsonNode> answer =
                knowledge.get(
                        "/agents/"
                                + ProcessorClient.encode(agentId)
                                + "/knowledge/search?q="
                                + ProcessorClient.encode(query)
                                + "&k="
                                + k
                                + "&mode=hybrid");
        if (answer.isEmpty()) {
            return List.of();
        }
        List<Hit> hits = new ArrayList<>();
        for (JsonNode r : answer.get().path("results")) {
            hits.add(
                    new Hit(
                            r.path("document_id").asText(),
                            r.path("title").asText(""),
                            r.path("content").asText(""),
                            r.path("similarity").asDouble()));
        }
        return hits;
    }
}
