package ams.testkit;

/**
 * A Kafka cluster a test talks to: embedded in this JVM, a Testcontainers broker, or an existing
 * one.
 */
public interface KafkaCluster extends AutoCloseable {

    String bootstrapServers();

    /** How the cluster was obtained, for test reports: "embedded", "testcontainers", "existing". */
    String kind();

    @Override
    void close();
}
