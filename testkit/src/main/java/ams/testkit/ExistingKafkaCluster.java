package ams.testkit;

/**
 * A cluster that is already running (AMS_TEST_BOOTSTRAP=host:port); tests neither start nor stop
 * it.
 */
public record ExistingKafkaCluster(String bootstrapServers) implements KafkaCluster {

    @Override
    public String kind() {
        return "existing";
    }

    @Override
    public void close() {
        // Not ours to stop.
    }
}
