package ams.app.system;

import ams.conversations.KnowledgeSearch;
import ams.knowledge.KnowledgeQueries;
import ams.knowledge.search.SearchFilters;
import ams.knowledge.search.SearchMode;
import java.util.List;

/**
 * The orchestrator's knowledge lookups, answered by the knowledge-indexer in the same JVM (hybrid
 * search).
 */
final class InProcessKnowledgeSearch implements KnowledgeSearch {

    private final KnowledgeQueries knowledge;

    InProcessKnowledgeSearch(KnowledgeQueries knowledge) {
        this.knowledge = knowledge;
    }

    @Override
    public List<Hit> search(String agentId, String query, int k) {
        return knowledge.search(agentId, query, k, SearchMode.HYBRID, SearchFilters.NONE).stream()
                .map(
                        hit ->
                                new Hit(
                                        hit.document().getDocumentId(),
                                        hit.document().getTitle(),
                                        hit.chunkText(),
                                        hit.similarity()))
                .toList();
    }
}
