package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class KnowledgeIndexerConfigTest {

    @Test
    void shouldReadTheAmsEnvironmentVariables() {
        KnowledgeIndexerConfig config =
                KnowledgeIndexerConfig.fromEnvironment(
                        Map.of(
                                "AMS_BOOTSTRAP_SERVERS",
                                "kafka:9092",
                                "AMS_TOPIC_PREFIX",
                                "x.",
                                "AMS_HTTP_PORT",
                                "9001"),
                        Map.of());
        assertEquals("kafka:9092", config.getString(KnowledgeIndexerConfig.BOOTSTRAP_SERVERS));
        assertEquals("x.", config.topicPrefix());
        assertEquals(9001, config.getInt(KnowledgeIndexerConfig.HTTP_PORT));
        assertEquals("in-process", config.getString(KnowledgeIndexerConfig.EMBEDDING_PROVIDER));
    }

    @Test
    void shouldNameTheKeyThatIsWrong() {
        ConfigException provider =
                assertThrows(
                        ConfigException.class,
                        () ->
                                new KnowledgeIndexerConfig(
                                        Map.of(
                                                KnowledgeIndexerConfig.EMBEDDING_PROVIDER,
                                                "magic")));
        assertTrue(
                provider.getMessage().contains(KnowledgeIndexerConfig.EMBEDDING_PROVIDER),
                provider.getMessage());
        ConfigException url =
                assertThrows(
                        ConfigException.class,
                        () ->
                                new KnowledgeIndexerConfig(
                                        Map.of(
                                                KnowledgeIndexerConfig.EMBEDDING_PROVIDER,
                                                "openai")));
        assertTrue(
                url.getMessage().contains(KnowledgeIndexerConfig.EMBEDDING_BASE_URL),
                url.getMessage());
        ConfigException overlap =
                assertThrows(
                        ConfigException.class,
                        () ->
                                new KnowledgeIndexerConfig(
                                        Map.of(
                                                KnowledgeIndexerConfig.CHUNK_MAX_CHARS,
                                                100,
                                                KnowledgeIndexerConfig.CHUNK_OVERLAP_CHARS,
                                                100)));
        assertTrue(
                overlap.getMessage().contains(KnowledgeIndexerConfig.CHUNK_OVERLAP_CHARS),
                overlap.getMessage());
    }
}
