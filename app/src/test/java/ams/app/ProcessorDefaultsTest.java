package ams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.agents.AgentProcessorConfig;
import ams.conversations.ConversationConfig;
import ams.export.ExporterConfig;
import ams.knowledge.KnowledgeIndexerConfig;
import ams.service.config.CommonConfig;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

/**
 * Each processor started on its own with its defaults must find its HTTP port free of the others:
 * two of them once defaulted to 8083, so starting both standalone failed. And the keys every
 * process shares ({@link CommonConfig}) must mean the same everywhere: present in every module's
 * config, with the same default, but for the three that differ on purpose.
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

    /** The shared keys whose defaults differ by module on purpose ({@code ModuleDefaults}). */
    private static final Set<String> PER_MODULE =
            Set.of(CommonConfig.APPLICATION_ID, CommonConfig.STATE_DIR, CommonConfig.HTTP_PORT);

    @Test
    void everyProcessorHasTheSharedKeysWithTheSameDefaults() {
        Map<String, AbstractConfig> streamsModules = new LinkedHashMap<>();
        streamsModules.put("agent-processor", new AgentProcessorConfig(Map.of()));
        streamsModules.put("knowledge-indexer", new KnowledgeIndexerConfig(Map.of()));
        streamsModules.put("conversation-orchestrator", new ConversationConfig(Map.of()));
        Map<String, AbstractConfig> all = new LinkedHashMap<>(streamsModules);
        all.put("exporter", new ExporterConfig(Map.of()));

        ConfigDef service =
                CommonConfig.defineService(
                        new ConfigDef(), new CommonConfig.ModuleDefaults("app", "dir", 1));
        ConfigDef streams = CommonConfig.defineStreams(new ConfigDef());
        all.forEach((module, config) -> assertShared(module, config, service));
        streamsModules.forEach((module, config) -> assertShared(module, config, streams));
    }

    private static void assertShared(String module, AbstractConfig config, ConfigDef shared) {
        Map<String, Object> defaults = shared.defaultValues();
        for (String key : shared.names()) {
            assertTrue(
                    config.values().containsKey(key), module + " does not define the key " + key);
            if (!PER_MODULE.contains(key)) {
                assertTrue(
                        Objects.equals(defaults.get(key), config.values().get(key)),
                        module
                                + ": "
                                + key
                                + " defaults to "
                                + config.values().get(key)
                                + ", every other process to "
                                + defaults.get(key));
            }
        }
    }
}
