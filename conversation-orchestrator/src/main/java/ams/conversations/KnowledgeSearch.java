package ams.conversations;

import java.util.List;
import java.util.Set;

/**
 * Port to the knowledge-indexer's search. The app wires an in-process adapter; separate processes
 * use {@link HttpKnowledgeSearch}. Throwing means "try again later" (retried like a 5xx).
 */
@FunctionalInterface
public interface KnowledgeSearch {

    /** Best hits first. */
    List<Hit> search(String agentId, String query, int k);

    /**
     * Best hits first among the agent's documents carrying at least one of {@code tags}: what a
     * turn's graph hop follows (documents linked to a hit by a topic they share). Only ever the
     * agent's own documents, like {@link #search(String, String, int)}. An adapter that cannot
     * filter answers nothing, so the hop adds nothing.
     */
    default List<Hit> searchTagged(String agentId, String query, int k, Set<String> tags) {
        return List.of();
    }

    /** One retrieved passage, with the tags of its document (the topics it is linked by). */
    record Hit(
            String documentId, String title, String content, double similarity, List<String> tags) {

        public Hit {
            tags = tags == null ? List.of() : List.copyOf(tags);
        }

        /** A hit whose document's tags are not known. */
        public Hit(String documentId, String title, String content, double similarity) {
            this(documentId, title, content, similarity, List.of());
        }
    }

    static KnowledgeSearch none() {
        return (agentId, query, k) -> List.of();
    }
}
