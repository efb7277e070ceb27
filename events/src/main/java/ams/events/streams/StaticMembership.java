package ams.events.streams;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Static group membership for a stream processor, so that a process killed with -9 and started
 * again takes its partitions back at once. A dynamic member that dies stays in the group until its
 * session times out (45 s), and the group cannot rebalance before then: the restarted process
 * stalls. A static member that comes back under the same {@code group.instance.id} simply replaces
 * its dead self.
 *
 * <p>The id must be stable across restarts of one instance and distinct between instances. Both
 * hold for application id + host name + state directory: a restart reuses its state directory (that
 * is what makes it a restart), and two live instances on one host cannot share one (Streams locks
 * it).
 *
 * <p>A static member never leaves the group by itself, so a clean stop must say it leaves ({@link
 * #close}); otherwise a scale-down would leave its partitions idle for the session timeout.
 */
public final class StaticMembership {

    private StaticMembership() {}

    /** Sets {@code group.instance.id} on the main consumer unless one is configured already. */
    public static void apply(Properties streamsProperties) {
        String key = StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        if (streamsProperties.containsKey(key)
                || streamsProperties.containsKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)) {
            return;
        }
        String application = streamsProperties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        Object stateDir =
                streamsProperties.getOrDefault(
                        StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir"));
        streamsProperties.put(
                key, instanceId(application, hostName(), Path.of(stateDir.toString())));
    }

    /**
     * A {@code group.instance.id} for a hand-written consumer of {@code group} in a process that
     * serves HTTP on {@code port}: this host's name and a port that no other live process on this
     * host can hold, stable across restarts of a process on a fixed port.
     */
    public static String instanceId(String group, int port) {
        return group + "-" + hostName() + "-" + port;
    }

    static String instanceId(String application, String host, Path stateDir) {
        return application
                + "-"
                + host
                + "-"
                + shortHash(stateDir.toAbsolutePath().normalize().toString());
    }

    /**
     * Stops the processor and takes its static member out of the group, so its partitions move at
     * once.
     */
    public static void close(KafkaStreams streams, Duration timeout) {
        streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(timeout));
    }

    /**
     * The host's name without a DNS lookup (which can hang for seconds on a badly configured host).
     */
    private static String hostName() {
        String fromEnvironment = System.getenv("HOSTNAME");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }

    private static String shortHash(String text) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }
}
