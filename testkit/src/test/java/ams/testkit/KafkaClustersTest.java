package ams.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaClustersTest {

    @Test
    void existingClusterWinsWhenBootstrapIsSet() {
        KafkaCluster cluster =
                KafkaClusters.choose(
                        Map.of(
                                KafkaClusters.BOOTSTRAP_ENV,
                                " broker:9092 ",
                                KafkaClusters.KIND_ENV,
                                "testcontainers"));
        assertEquals("existing", cluster.kind());
        assertEquals("broker:9092", cluster.bootstrapServers());
    }

    @Test
    void unknownKindIsAClearError() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> KafkaClusters.choose(Map.of(KafkaClusters.KIND_ENV, "zookeeper")));
        assertEquals(
                "AMS_TEST_KAFKA must be 'embedded' or 'testcontainers', was 'zookeeper'",
                e.getMessage());
    }
}
