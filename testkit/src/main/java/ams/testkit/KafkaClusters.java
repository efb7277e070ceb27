package ams.testkit;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the cluster for this test JVM from the environment: {@code AMS_TEST_BOOTSTRAP=host:port}
 * uses an existing cluster, {@code AMS_TEST_KAFKA=testcontainers} a Testcontainers broker (when
 * Docker answers), otherwise a broker embedded in the JVM.
 */
public final class KafkaClusters {

    public static final String BOOTSTRAP_ENV = "AMS_TEST_BOOTSTRAP";
    public static final String KIND_ENV = "AMS_TEST_KAFKA";

    private static final Logger log = LoggerFactory.getLogger(KafkaClusters.class);

    private KafkaClusters() {}

    public static KafkaCluster fromEnvironment() {
        return choose(System.getenv());
    }

    static KafkaCluster choose(Map<String, String> env) {
        String bootstrap = env.get(BOOTSTRAP_ENV);
        if (bootstrap != null && !bootstrap.isBlank()) {
            log.info("Tests use the existing Kafka cluster at {}", bootstrap);
            return new ExistingKafkaCluster(bootstrap.trim());
        }
        String kind = env.getOrDefault(KIND_ENV, "embedded").trim();
        return switch (kind) {
            case "testcontainers" -> {
                if (ContainerKafkaCluster.dockerAvailable()) {
                    yield ContainerKafkaCluster.start();
                }
                log.warn(
                        "{}=testcontainers but no Docker engine answers; using the embedded broker",
                        KIND_ENV);
                yield EmbeddedKafkaCluster.start();
            }
            case "embedded" -> EmbeddedKafkaCluster.start();
            default ->
                    throw new IllegalArgumentException(
                            KIND_ENV
                                    + " must be 'embedded' or 'testcontainers', was '"
                                    + kind
                                    + "'");
        };
    }
}
