package ams.app.system;

import ams.agents.AgentQueries;
import ams.agents.AgentViews;
import ams.export.AgentRow;
import ams.export.AgentTable;
import ams.export.DocumentRow;
import ams.export.KnowledgeTable;
import ams.knowledge.KnowledgeQueries;
import ams.knowledge.avro.DocumentRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The exporter's snapshot ports answered from the live views: the agent matrix from the
 * agent-processor, the knowledge base from the knowledge-indexer. Document embeddings are not
 * exposed by the indexer's query API (it keeps one vector per chunk), so the column is null.
 */
final class ViewTables {

    private static final int PAGE = 500;

    private ViewTables() {}

    static AgentTable agents(AgentQueries queries) {
        return () -> {
            List<AgentRow> rows = new ArrayList<>();
            for (int offset = 0; ; offset += PAGE) {
                AgentViews.AgentPage page =
                        queries.agents(AgentViews.AgentFilter.all(), offset, PAGE);
                for (AgentViews.Agent a : page.agents()) {
                    rows.add(
                            new AgentRow(
                                    a.agentId(),
                                    a.agentName(),
                                    instant(a.createdAt()),
                                    instant(a.updatedAt()),
                                    a.config().toString(),
                                    a.description(),
                                    a.tags(),
                                    a.isActive()));
                }
                if (page.agents().size() < PAGE) {
                    return rows;
                }
            }
        };
    }

    static KnowledgeTable knowledge(AgentQueries agents, KnowledgeQueries knowledge) {
        return () -> {
            List<DocumentRow> rows = new ArrayList<>();
            for (AgentRow agent : agents(agents).agents()) {
                for (int offset = 0; ; offset += PAGE) {
                    KnowledgeQueries.DocumentPage page =
                            knowledge.documents(agent.agentId(), offset, PAGE);
                    for (DocumentRecord d : page.documents()) {
                        rows.add(
                                new DocumentRow(
                                        d.getKbId(),
                                        d.getAgentId(),
                                        d.getDocumentId(),
                                        d.getTitle(),
                                        d.getContent(),
                                        d.getContentType(),
                                        d.getSource(),
                                        d.getTags(),
                                        d.getMetadataJson(),
                                        d.getCreatedAt() != null
                                                ? d.getCreatedAt()
                                                : d.getUpdatedAt(),
                                        null));
                    }
                    if (page.documents().size() < PAGE) {
                        break;
                    }
                }
            }
            return rows;
        };
    }

    private static Instant instant(String iso) {
        return iso == null ? null : Instant.parse(iso);
    }
}
