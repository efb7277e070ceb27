package ams.app.bench;

import ams.testkit.EmbeddedKafkaCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * The one broker of a {@code bench/run}: an embedded KRaft broker (the testkit's, formatted as a
 * deployed cluster is: {@link EmbeddedKafkaCluster#startAsDeployed()}) in its own JVM, so that
 * every benchmark of the run, and the raw producer and consumer each one measures beside its
 * figures, talk to the same broker. Writes the bootstrap address to the file given as argument once
 * ready, then runs until the process is stopped.
 */
public final class BenchBroker {

    private BenchBroker() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException(
                    "usage: BenchBroker <file to write the bootstrap address to>");
        }
        Path target = Path.of(args[0]);
        // Formatted like a deployed cluster (transaction.version 2): the figures are a
        // deployment's.
        EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.startAsDeployed();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "bench-broker-shutdown"));
        // Written then moved, so the script never reads half an address.
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        Files.writeString(partial, kafka.bootstrapServers(), StandardCharsets.UTF_8);
        Files.move(
                partial,
                target,
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        new CountDownLatch(1).await();
    }
}
