package ams.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single combined broker+controller KRaft node started inside this JVM, on a free port with its
 * own temporary log directory, the way Apache Kafka's own tests start one.
 */
public final class EmbeddedKafkaCluster implements KafkaCluster {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);

    /**
     * Settings a one-node cluster needs: internal topics with replication 1 (else transactions
     * hang), few partitions for them (fast first use), and no initial rebalance delay.
     */
    static final Map<String, String> SINGLE_NODE_CONFIG =
            Map.ofEntries(
                    Map.entry("offsets.topic.replication.factor", "1"),
                    Map.entry("offsets.topic.num.partitions", "5"),
                    Map.entry("transaction.state.log.replication.factor", "1"),
                    Map.entry("transaction.state.log.min.isr", "1"),
                    Map.entry("transaction.state.log.num.partitions", "5"),
                    Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                    Map.entry("share.coordinator.state.topic.min.isr", "1"),
                    Map.entry("group.initial.rebalance.delay.ms", "0"),
                    Map.entry("auto.create.topics.enable", "false"),
                    Map.entry("num.partitions", "1"),
                    Map.entry("default.replication.factor", "1"),
                    Map.entry("min.insync.replicas", "1"));

    private final KafkaClusterTestKit cluster;
    private final Path baseDir;

    private EmbeddedKafkaCluster(KafkaClusterTestKit cluster, Path baseDir) {
        this.cluster = cluster;
        this.baseDir = baseDir;
    }

    public static EmbeddedKafkaCluster start() {
        long started = System.nanoTime();
        try {
            Path baseDir = Files.createTempDirectory("ams-kafka-");
            TestKitNodes nodes =
                    new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .setBaseDirectory(baseDir)
                            .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                            .build();
            KafkaClusterTestKit.Builder builder =
                    new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
            SINGLE_NODE_CONFIG.forEach(builder::setConfigProp);
            KafkaClusterTestKit cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            EmbeddedKafkaCluster embedded = new EmbeddedKafkaCluster(cluster, baseDir);
            log.info(
                    "Embedded KRaft broker ready at {} in {} ms (log dir {})",
                    embedded.bootstrapServers(),
                    (System.nanoTime() - started) / 1_000_000,
                    baseDir);
            return embedded;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "Interrupted while starting the embedded Kafka broker", e);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "Cannot start the embedded Kafka broker: " + e.getMessage(), e);
        }
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public String kind() {
        return "embedded";
    }

    public Path baseDir() {
        return baseDir;
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            log.warn("Embedded Kafka broker did not close cleanly", e);
        }
    }
}
