package ams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.agents.AgentProcessorConfig;
import ams.conversations.ConversationConfig;
import ams.export.ExporterConfig;
import ams.knowledge.KnowledgeIndexerConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each processor started on its own with its defaults must find its HTTP port free of the others:
 * two of them once defaulted to 8083, so starting both standalone failed.
 */
class ProcessorDefaultsTest {

    @Test
    void everyProcessorDefaultsToItsOwnHttpPort() {
        Map<String, Integer> ports =
                Map.of(
                        "agent-processor",
                        new AgentProcessorConfig(Map.of()).getInt(AgentProcessorConfig.HTTP_PORT),
                        "knowledge-indexer",
                        new KnowledgeIndexerConfig(Map.of())
                                .getInt(KnowledgeIndexerConfig.HTTP_PORT),
                        "conversation-orchestrator",
                        new ConversationConfig(Map.of()).getInt(ConversationConfig.HTTP_PORT),
                        "exporter",
                        new ExporterConfig(Map.of()).getInt(ExporterConfig.HTTP_PORT));
        assertEquals(ports.size(), new HashSet<>(ports.values()).size(), ports.toString());
        // The ports docker-compose and the READMEs name.
        assertEquals(
                List.of(8081, 8082, 8083, 8085),
                List.of(
                        ports.get("agent-processor"),
                        ports.get("knowledge-indexer"),
                        ports.get("conversation-orchestrator"),
                        ports.get("exporter")));
    }
}
