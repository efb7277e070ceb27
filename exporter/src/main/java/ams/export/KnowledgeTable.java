package ams.export;

import java.util.List;

/**
 * The knowledge documents as the knowledge-indexer knows them, with their embeddings. The {@code
 * app} module implements this port from the knowledge-indexer's query API.
 */
@FunctionalInterface
public interface KnowledgeTable {

    List<DocumentRow> documents();
}
