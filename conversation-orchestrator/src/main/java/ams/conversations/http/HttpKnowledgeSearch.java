package ams.conversations.http;

import ams.conversations.KnowledgeSearch;
import ams.events.http.BearerToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@link KnowledgeSearch} over the knowledge-indexer's {@code GET /agents/{id}/knowledge/search}
 * (separate-process mode); the graph hop uses the same route's {@code tags} filter.
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
        return ask(agentId, query, k, "");
    }

    @Override
    public List<Hit> searchTagged(String agentId, String query, int k, Set<String> tags) {
        if (tags.isEmpty()) {
            return List.of();
        }
        return ask(
                agentId,
                query,
                k,
                "&tags="
                        + ProcessorClient.encode(
                                String.join(",", tags.stream().sorted().toList())));
    }

    private List<Hit> ask(String agentId, String query, int k, String filter) {
        Optional<JsonNode> answer =
                knowledge.get(
                        "/agents/"
                                + ProcessorClient.encode(agentId)
                                + "/knowledge/search?q="
                                + ProcessorClient.encode(query)
                                + "&k="
                                + k
                                + "&mode=hybrid"
                                + filter);
        if (answer.isEmpty()) {
            return List.of();
        }
        List<Hit> hits = new ArrayList<>();
        for (JsonNode r : answer.get().path("results")) {
            List<String> tags = new ArrayList<>();
            r.path("tags").forEach(t -> tags.add(t.asText()));
            hits.add(
                    new Hit(
                            r.path("document_id").asText(),
                            r.path("title").asText(""),
                            r.path("content").asText(""),
                            r.path("similarity").asDouble(),
                            tags));
        }
        return hits;
    }
}
