package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The orchestrator's settings on the shared keys: its defaults, and the names it used before. */
class ConversationConfigTest {

    @Test
    void shouldKeepItsOwnDefaultsOnTheSharedKeys() {
        ConversationConfig config = new ConversationConfig(Map.of());

        Properties streams = ConversationOrchestrator.streamsProperties(config);

        assertEquals(8083, config.getInt(ConversationConfig.HTTP_PORT));
        assertEquals(
                "ams-conversation-orchestrator", streams.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals(
                StreamsConfig.EXACTLY_ONCE_V2,
                streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(10L, streams.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(2L, streams.get(StreamsConfig.POLL_MS_CONFIG));
        assertEquals(1, streams.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
        assertEquals(
                10,
                streams.get(
                        StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)));
        assertEquals("127.0.0.1:8083", streams.get(StreamsConfig.APPLICATION_SERVER_CONFIG));
    }

    @Test
    void shouldReadTheOldNamesAndLetTheStreamsPassthroughWin() {
        ConversationConfig config =
                ConversationConfig.fromEnvironment(
                        Map.of(
                                "AMS_AGENTS_URL", "http://agents:8081",
                                "AMS_KNOWLEDGE_BASE_URL", "http://knowledge:8082",
                                "AMS_STREAM_THREADS", "3",
                                "AMS_COMMIT_INTERVAL_MS", "50"),
                        properties("streams.processing.guarantee", "at_least_once"));

        Properties streams = ConversationOrchestrator.streamsProperties(config);

        assertEquals("http://agents:8081", config.getString(ConversationConfig.AGENTS_BASE_URL));
        assertEquals(
                "http://knowledge:8082", config.getString(ConversationConfig.KNOWLEDGE_BASE_URL));
        assertEquals(3, streams.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
        assertEquals(50L, streams.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals("at_least_once", streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(
                2,
                new ConversationConfig(Map.of("stream.threads", "2"))
                        .getInt(ConversationConfig.NUM_STREAM_THREADS),
                "a properties file written with the old key");
    }

    @Test
    void shouldLetTheEnvironmentOverrideThePropertiesFile() {
        ConversationConfig config =
                ConversationConfig.fromEnvironment(
                        Map.of("AMS_HTTP_PORT", "9093"), properties("http.port", "9000"));

        assertEquals(9093, config.getInt(ConversationConfig.HTTP_PORT));
    }

    private static Properties properties(String key, String value) {
        Properties properties = new Properties();
        properties.setProperty(key, value);
        return properties;
    }
}
