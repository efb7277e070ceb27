package ams.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The shared keys with the agent processor's defaults, and the variables it always read. */
class AgentProcessorConfigTest {

    @Test
    void shouldStillReadItsOlderVariablesWithTheAmsKeyRuleWinning() {
        AgentProcessorConfig older =
                AgentProcessorConfig.fromEnvironment(
                        Map.of(
                                "AMS_AGENTS_STREAM_THREADS", "2",
                                "AMS_AGENTS_STANDBY_REPLICAS", "1",
                                "AMS_AGENTS_APPLICATION_ID", "agents-x",
                                "AMS_HTTP_PORT", "9081"),
                        new Properties());
        assertEquals(2, older.getInt(AgentProcessorConfig.NUM_STREAM_THREADS));
        assertEquals(1, older.getInt(AgentProcessorConfig.NUM_STANDBY_REPLICAS));
        assertEquals("agents-x", older.getString(AgentProcessorConfig.APPLICATION_ID));
        assertEquals(9081, older.getInt(AgentProcessorConfig.HTTP_PORT));

        Properties file = new Properties();
        file.put(AgentProcessorConfig.MAX_TEXT_BYTES, "100");
        AgentProcessorConfig both =
                AgentProcessorConfig.fromEnvironment(
                        Map.of(
                                "AMS_AGENTS_STREAM_THREADS", "2",
                                "AMS_NUM_STREAM_THREADS", "4",
                                "AMS_READ_ONLY", "true"),
                        file);
        assertEquals(4, both.getInt(AgentProcessorConfig.NUM_STREAM_THREADS));
        assertEquals(100, both.maxTextBytes(), "the file where the environment is silent");
        assertEquals(true, both.readOnly());
    }

    @Test
    void shouldCommitEverySecondUnderExactlyOnceByDefault() {
        Properties eos = new AgentProcessorConfig(Map.of()).streamsProperties();
        assertEquals(
                AgentProcessorConfig.DEFAULT_EOS_COMMIT_INTERVAL_MS,
                eos.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals("ams-agent-processor", eos.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("127.0.0.1:8081", eos.get(StreamsConfig.APPLICATION_SERVER_CONFIG));
        assertEquals(0, eos.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG));

        Properties alos =
                new AgentProcessorConfig(
                                Map.of(
                                        AgentProcessorConfig.PROCESSING_GUARANTEE,
                                        StreamsConfig.AT_LEAST_ONCE,
                                        AgentProcessorConfig.NUM_STANDBY_REPLICAS,
                                        1))
                        .streamsProperties();
        assertFalse(
                alos.containsKey(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG),
                "Kafka's own default under at_least_once");
        assertEquals(1, alos.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG));

        Properties set =
                new AgentProcessorConfig(Map.of(AgentProcessorConfig.COMMIT_INTERVAL_MS, 250L))
                        .streamsProperties();
        assertEquals(250L, set.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
    }

    @Test
    void shouldTakeALargerRecordCacheAndProducerBatchesUnlessConfigured() {
        Properties defaults = new AgentProcessorConfig(Map.of()).streamsProperties();
        assertEquals(
                AgentProcessorConfig.DEFAULT_CACHE_MAX_BYTES,
                defaults.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG));
        assertEquals(
                AgentProcessorConfig.DEFAULT_PRODUCER_BATCH_BYTES,
                defaults.get(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG)));

        Properties configured =
                new AgentProcessorConfig(
                                Map.of(
                                        AgentProcessorConfig.CACHE_MAX_BYTES,
                                        1024L,
                                        "streams.producer.batch.size",
                                        "65536"))
                        .streamsProperties();
        assertEquals(1024L, configured.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG));
        assertEquals(
                "65536",
                configured.get(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG)));

        Properties passedThrough =
                new AgentProcessorConfig(Map.of("streams.statestore.cache.max.bytes", "2048"))
                        .streamsProperties();
        assertEquals("2048", passedThrough.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG));
    }
}
