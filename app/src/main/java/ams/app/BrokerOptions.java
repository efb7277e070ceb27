package ams.app;

import ams.app.broker.EmbeddedBroker;
import ams.service.ProcessMain;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where Kafka is: an existing cluster ({@code --bootstrap}) or the embedded broker under the data
 * dir.
 */
public final class BrokerOptions {

    @Option(
            names = "--bootstrap",
            description =
                    "Use an existing Kafka cluster at host:port instead of the embedded broker.")
    String bootstrap;

    @Option(
            names = "--data-dir",
            defaultValue = "ams-data",
            description =
                    "Data directory (embedded broker log, state, datasets). Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(
            names = "--kafka-port",
            defaultValue = "9092",
            description =
                    "Client port of the embedded broker; its KRaft controller takes the next port"
                            + " (--kafka-port + 1), so both must be free. Default: ${DEFAULT-VALUE}")
    int kafkaPort;

    @Option(
            names = "--topic-prefix",
            defaultValue = "ams.",
            description = "Prefix of every topic name. Default: ${DEFAULT-VALUE}")
    String topicPrefix;

    /** The data directory (embedded broker log, state, datasets). */
    public Path dataDir() {
        return dataDir;
    }

    /** The prefix of every topic name. */
    public String topicPrefix() {
        return topicPrefix;
    }

    /** Starts the embedded broker unless --bootstrap was given; the returned handle closes it. */
    public Connection connect() {
        if (bootstrap != null) {
            return new Connection(bootstrap, null);
        }
        requireFree(kafkaPort, "the embedded broker's client port (--kafka-port)");
        requireFree(kafkaPort + 1, "the embedded broker's controller port (--kafka-port + 1)");
        EmbeddedBroker broker =
                EmbeddedBroker.start(dataDir.resolve("kafka"), kafkaPort, kafkaPort + 1);
        return new Connection(broker.bootstrapServers(), broker);
    }

    /**
     * Fails with one line naming the port when something listens on it already: the broker itself
     * would fail later with a stack trace that does not say which option to change.
     */
    static void requireFree(int port, String role) {
        if (ProcessMain.portInUse(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            throw new IllegalArgumentException(
                    "port "
                            + port
                            + ", "
                            + role
                            + ", is in use; choose another --kafka-port (or --bootstrap an existing"
                            + " Kafka)");
        }
    }

    /** Bootstrap servers and, when embedded, the broker to stop at the end. */
    public record Connection(String bootstrapServers, EmbeddedBroker broker)
            implements AutoCloseable {
        @Override
        public void close() {
            if (broker != null) {
                broker.close();
            }
        }
    }
}
