package ams.app;

import ams.app.broker.EmbeddedBroker;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where Kafka is: an existing cluster ({@code --bootstrap}) or the embedded broker under the data
 * dir.
 */
final class BrokerOptions {

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
            description = "Client port of the embedded broker. Default: ${DEFAULT-VALUE}")
    int kafkaPort;

    @Option(
            names = "--topic-prefix",
            defaultValue = "ams.",
            description = "Prefix of every topic name. Default: ${DEFAULT-VALUE}")
    String topicPrefix;

    /** Starts the embedded broker unless --bootstrap was given; the returned handle closes it. */
    Connection connect() {
        if (bootstrap != null) {
            return new Connection(bootstrap, null);
        }
        EmbeddedBroker broker =
                EmbeddedBroker.start(dataDir.resolve("kafka"), kafkaPort, kafkaPort + 1);
        return new Connection(broker.bootstrapServers(), broker);
    }

    /** Bootstrap servers and, when embedded, the broker to stop at the end. */
    record Connection(String bootstrapServers, EmbeddedBroker broker) implements AutoCloseable {
        @Override
        public void close() {
            if (broker != null) {
                broker.close();
            }
        }
    }
}
