package ams.testkit;

import java.util.Locale;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Apache Kafka in a Testcontainers container (AMS_TEST_KAFKA=testcontainers), where Docker exists.
 */
public final class ContainerKafkaCluster implements KafkaCluster {

    static final String IMAGE = "apache/kafka:4.1.2";

    private final KafkaContainer container;

    private ContainerKafkaCluster(KafkaContainer container) {
        this.container = container;
    }

    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    public static ContainerKafkaCluster start() {
        KafkaContainer container = new KafkaContainer(IMAGE);
        EmbeddedKafkaCluster.SINGLE_NODE_CONFIG.forEach(
                (key, value) ->
                        container.withEnv(
                                "KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_'), value));
        container.start();
        return new ContainerKafkaCluster(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public String kind() {
        return "testcontainers";
    }

    @Override
    public void close() {
        container.stop();
    }
}
