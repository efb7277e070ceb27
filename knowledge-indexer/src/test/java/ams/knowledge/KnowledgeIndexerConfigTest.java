package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
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

    @Test
    void shouldReadEveryKeyFromItsAmsVariableWithOverridesLast() {
        Properties file = new Properties();
        file.put(KnowledgeIndexerConfig.NUM_STREAM_THREADS, "2");
        file.put(KnowledgeIndexerConfig.QUERY_MAX_WAIT_MS, "7000");
        KnowledgeIndexerConfig config =
                KnowledgeIndexerConfig.fromEnvironment(
                        Map.of(
                                "AMS_NUM_STREAM_THREADS", "3",
                                "AMS_APPLICATION_ID", "from-env",
                                "AMS_EMBEDDING_BATCH_SIZE", "16"),
                        file,
                        Map.of(KnowledgeIndexerConfig.APPLICATION_ID, "from-override"));
        assertEquals(3, config.getInt(KnowledgeIndexerConfig.NUM_STREAM_THREADS), "env over file");
        assertEquals(7000L, config.getLong(KnowledgeIndexerConfig.QUERY_MAX_WAIT_MS));
        assertEquals(16, config.getInt(KnowledgeIndexerConfig.EMBEDDING_BATCH_SIZE));
        assertEquals("from-override", config.applicationId(), "overrides over env");
    }

    @Test
    void shouldKeepItsStreamsDefaultsAndLetStreamsKeysPassThrough() {
        Properties defaults = new KnowledgeIndexerConfig(Map.of()).streamsProperties();
        assertEquals(
                StreamsConfig.EXACTLY_ONCE_V2,
                defaults.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(100L, defaults.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(1, defaults.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
        assertEquals("127.0.0.1:8082", defaults.get(StreamsConfig.APPLICATION_SERVER_CONFIG));
        assertEquals(
                4 * 1024 * 1024,
                defaults.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)));

        Properties rebuild =
                new KnowledgeIndexerConfig(
                                Map.of(
                                        KnowledgeIndexerConfig.NUM_STREAM_THREADS,
                                        2,
                                        KnowledgeIndexerConfig.HTTP_ADVERTISED_HOST,
                                        "indexer-1",
                                        "streams." + StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                                        StreamsConfig.AT_LEAST_ONCE))
                        .streamsProperties();
        assertEquals(2, rebuild.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
        assertEquals("indexer-1:8082", rebuild.get(StreamsConfig.APPLICATION_SERVER_CONFIG));
        assertEquals(
                StreamsConfig.AT_LEAST_ONCE,
                rebuild.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }
}
