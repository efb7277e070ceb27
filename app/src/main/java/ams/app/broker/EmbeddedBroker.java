package ams.app.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka (KRaft, combined broker and controller) inside this JVM, with its data in a
 * directory that survives restarts: the broker of {@code ams up}. The directory is formatted on
 * first start, as {@code kafka-storage format} would.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);

    /** One node: internal topics with replication 1 (else transactions hang) and no join delay. */
    private static final Map<String, String> SINGLE_NODE =
            Map.ofEntries(
                    Map.entry("offsets.topic.replication.factor", "1"),
                    Map.entry("offsets.topic.num.partitions", "10"),
                    Map.entry("transaction.state.log.replication.factor", "1"),
                    Map.entry("transaction.state.log.min.isr", "1"),
                    Map.entry("transaction.state.log.num.partitions", "10"),
                    Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                    Map.entry("share.coordinator.state.topic.min.isr", "1"),
                    Map.entry("group.initial.rebalance.delay.ms", "0"),
                    Map.entry("auto.create.topics.enable", "false"),
                    Map.entry("num.partitions", "1"),
                    Map.entry("default.replication.factor", "1"),
                    Map.entry("min.insync.replicas", "1"));

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedBroker(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats the log directory when it is new and starts a combined broker and controller.
     *
     * @param dataDir where the log lives (created and formatted when new)
     * @param port client port on 127.0.0.1
     * @param controllerPort KRaft controller port on 127.0.0.1
     */
    public static EmbeddedBroker start(Path dataDir, int port, int controllerPort) {
        long started = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            props.put(
                    "listeners",
                    "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("log.dirs", dataDir.toAbsolutePath().toString());
            props.putAll(SINGLE_NODE);
            format(dataDir, props);
            KafkaRaftServer server =
                    new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            EmbeddedBroker broker = new EmbeddedBroker(server, "127.0.0.1:" + port);
            log.info(
                    "Embedded Kafka broker on {} (data {}) started in {} ms",
                    broker.bootstrapServers,
                    dataDir.toAbsolutePath(),
                    (System.nanoTime() - started) / 1_000_000);
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the Kafka data directory " + dataDir, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "Cannot start the embedded Kafka broker on ports "
                            + port
                            + "/"
                            + controllerPort
                            + " with data in "
                            + dataDir
                            + ": "
                            + e.getMessage()
                            + " (if a port is in use, choose others with --kafka-port)",
                    e);
        }
    }

    /** Formats the data directory unless it already holds a formatted log (then it is reused). */
    private static void format(Path dataDir, Properties props) throws IOException {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return;
        }
        Path config = dataDir.resolve("server.properties");
        try (Writer out = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            props.store(
                    out,
                    "Written by ams for kafka-storage format; the running broker uses the same settings");
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exit =
                StorageTool.execute(
                        new String[] {
                            "format",
                            "--cluster-id",
                            Uuid.randomUuid().toString(),
                            "--config",
                            config.toString(),
                            "--ignore-formatted"
                        },
                        new PrintStream(output, true, StandardCharsets.UTF_8));
        if (exit != 0) {
            throw new IllegalStateException(
                    "kafka-storage format failed ("
                            + exit
                            + "): "
                            + output.toString(StandardCharsets.UTF_8));
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        log.info("Embedded Kafka broker stopped");
    }
}
