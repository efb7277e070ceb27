package ams.conversations;

import java.util.List;

/**
 * Port to the knowledge-indexer's search. The app wires an in-process adapter; separate processes
 * use {@link HttpKnowledgeSearch}. Throwing means "try again later" (retried like a 5xx).
 */
@FunctionalInterface
public interface KnowledgeSearch {

    /** Best hits first. */
    List<Hit> search(String agentId, String query, int k);

    /** One retrieved passage. */
    record Hit(String documentId, String title, String content, double similarity) {}

    static KnowledgeSearch none() {
        return (agentId, query, k) -> List.of();
    }
}
