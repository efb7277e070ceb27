package ams.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
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

    /** System properties with this prefix set broker settings ({@link #brokerOverrides()}). */
    public static final String BROKER_PROPERTY_PREFIX = "ams.broker.";

    private final KafkaClusterTestKit cluster;
    private final Path baseDir;

    private EmbeddedKafkaCluster(KafkaClusterTestKit cluster, Path baseDir) {
        this.cluster = cluster;
        this.baseDir = baseDir;
    }

    /** The broker the tests use: metadata version only, so transaction.version 0. */
    public static EmbeddedKafkaCluster start() {
        return start(false);
    }

    /**
     * A broker formatted the way {@code kafka-storage format} formats a new cluster by default
     * (what the apache/kafka image of docker-compose.yml runs): transaction.version 2 (KIP-890),
     * which the test kit leaves at 0 when given a metadata version alone. Benchmarks use it: with
     * 0, the first send of every transaction that starts right after a commit is refused
     * (CONCURRENT_TRANSACTIONS, the previous transaction's markers are still being written) and the
     * producer sleeps a fixed 20 ms before it retries, a wait a deployed broker does not impose in
     * that form (ConversationBench, 2026-12-05: a sleep per Streams commit).
     */
    public static EmbeddedKafkaCluster startAsDeployed() {
        return start(true);
    }

    private static EmbeddedKafkaCluster start(boolean asDeployed) {
        long started = System.nanoTime();
        try {
            Path baseDir = Files.createTempDirectory("ams-kafka-");
            TestKitNodes.Builder format =
                    new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .setBaseDirectory(baseDir);
            MetadataVersion version = MetadataVersion.latestProduction();
            TestKitNodes nodes =
                    (asDeployed
                                    ? format.setBootstrapMetadata(deployedBootstrap(version))
                                    : format.setBootstrapMetadataVersion(version))
                            .build();
            KafkaClusterTestKit.Builder builder =
                    new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
            SINGLE_NODE_CONFIG.forEach(builder::setConfigProp);
            brokerOverrides().forEach(builder::setConfigProp);
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

    /**
     * Broker settings from system properties {@code ams.broker.<key>=<value>}: how a benchmark
     * tries a broker setting a deployment may choose (e.g. {@code
     * -Dams.broker.add.partitions.to.txn.retry.backoff.ms=5}) without a code change.
     */
    static Map<String, String> brokerOverrides() {
        Map<String, String> overrides = new java.util.TreeMap<>();
        System.getProperties()
                .forEach(
                        (k, v) -> {
                            String key = k.toString();
                            if (key.startsWith(BROKER_PROPERTY_PREFIX)) {
                                overrides.put(
                                        key.substring(BROKER_PROPERTY_PREFIX.length()),
                                        v.toString());
                            }
                        });
        if (!overrides.isEmpty()) {
            log.info("Broker settings from ams.broker.* system properties: {}", overrides);
        }
        return overrides;
    }

    private static BootstrapMetadata deployedBootstrap(MetadataVersion version) {
        return BootstrapMetadata.fromVersions(
                version,
                Map.of(
                        Feature.TRANSACTION_VERSION.featureName(),
                        Feature.TRANSACTION_VERSION.defaultLevel(version)),
                "ams testkit, as deployed");
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
