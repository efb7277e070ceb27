package ams.app.system;

import ams.conversations.KnowledgeSearch;
import ams.knowledge.KnowledgeQueries;
import ams.knowledge.search.SearchFilters;
import ams.knowledge.search.SearchMode;
import java.util.List;
import java.util.Set;

/**
 * The orchestrator's knowledge lookups, answered by the knowledge-indexer in the same JVM (hybrid
 * search; the graph hop with the tags filter).
 */
final class InProcessKnowledgeSearch implements KnowledgeSearch {

    private final KnowledgeQueries knowledge;

    InProcessKnowledgeSearch(KnowledgeQueries knowledge) {
        this.knowledge = knowledge;
    }

    @Override
    public List<Hit> search(String agentId, String query, int k) {
        return search(agentId, query, k, SearchFilters.NONE);
    }

    @Override
    public List<Hit> searchTagged(String agentId, String query, int k, Set<String> tags) {
        if (tags.isEmpty()) {
            return List.of();
        }
        return search(
                agentId, query, k, new SearchFilters(tags, null, null, Double.NEGATIVE_INFINITY));
    }

    private List<Hit> search(String agentId, String query, int k, SearchFilters filters) {
        return knowledge.search(agentId, query, k, SearchMode.HYBRID, filters).stream()
                .map(
                        hit ->
                                new Hit(
                                        hit.document().getDocumentId(),
                                        hit.document().getTitle(),
                                        hit.chunkText(),
                                        hit.similarity(),
                                        hit.document().getTags()))
                .toList();
    }
}
