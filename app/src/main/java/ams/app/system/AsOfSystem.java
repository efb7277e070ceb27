package ams.app.system;

import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The system as it was at a time T: the events up to T are copied under their own topic prefix
 * ({@code <prefix>asof-<epochMillis>.}), and a system is rebuilt from them in its own state dir,
 * with the orchestrator read-only so that nothing new is generated. Its REST API answers as of T.
 */
public final class AsOfSystem {

    private AsOfSystem() {}

    /**
     * Settings of the as-of system: its own prefix, state under {@code <data-dir>/asof-<millis>}.
     */
    public static SystemSettings settingsAsOf(SystemSettings live, Instant until) {
        String prefix = live.topicPrefix() + "asof-" + until.toEpochMilli() + ".";
        return new SystemSettings(
                live.bootstrapServers(),
                prefix,
                live.partitions(),
                live.dataDir().resolve("asof-" + until.toEpochMilli()),
                live.httpHost(),
                live.httpPort(),
                live.apiToken(),
                live.llmProvider(),
                live.llmBaseUrl(),
                live.llmModel(),
                live.llmApiKey(),
                live.applicationIdSuffix(),
                live.exportRotateMs(),
                true);
    }

    /** Copies the log up to {@code until} and starts a system on it; the caller closes it. */
    public static AmsSystem start(
            SystemSettings live, Instant until, PrintWriter out, Duration timeout) {
        SystemSettings asOf = settingsAsOf(live, until);
        TopicCatalogue from = new TopicCatalogue(live.topicPrefix(), live.partitions(), (short) 1);
        TopicCatalogue to = new TopicCatalogue(asOf.topicPrefix(), live.partitions(), (short) 1);
        try (Admin admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                live.bootstrapServers()))) {
            new TopicProvisioner(admin, 60_000).provision(to);
            long existing = records(admin, to);
            if (existing > 0) {
                // Copying again would append every event a second time, and the processors, which
                // resume where they stopped, would apply the duplicates.
                out.printf(
                        "Reusing the copy of the log up to %s made earlier (%d records under %s*)%n",
                        until, existing, asOf.topicPrefix());
            } else {
                Map<String, Long> copied =
                        new LogCopy(live.bootstrapServers()).copyUntil(from, to, until);
                out.printf("Copied the log up to %s: %s%n", until, copied);
            }
        }
        AmsSystem system = AmsSystem.start(asOf);
        system.awaitReady(timeout);
        return system;
    }

    public static void serve(SystemSettings live, Instant until, PrintWriter out, Duration timeout)
            throws InterruptedException {
        AmsSystem system = start(live, until, out, timeout);
        CountDownLatch stopped = new CountDownLatch(1);
        // Ctrl-C: the hook stops the system before the JVM exits.
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    system.close();
                                    stopped.countDown();
                                },
                                "ams-asof-shutdown"));
        out.printf(
                "The system as of %s answers on http://%s:%d (topics %s*); Ctrl-C stops it%n",
                until, live.httpHost(), system.httpPort(), settingsAsOf(live, until).topicPrefix());
        out.flush();
        stopped.await();
    }

    /** Records in the copy's event topics (end offsets; the copy is never compacted). */
    private static long records(Admin admin, TopicCatalogue to) {
        try {
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            for (String topic :
                    List.of(
                            to.agentEvents().name(),
                            to.knowledgeEvents().name(),
                            to.conversationEvents().name(),
                            to.jobEvents().name())) {
                for (int p = 0; p < to.agentEvents().partitions(); p++) {
                    ends.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
            }
            return admin.listOffsets(ends).all().get(60, TimeUnit.SECONDS).values().stream()
                    .mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset)
                    .sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "Cannot read the end offsets of the as-of copy: " + e.getMessage(), e);
        }
    }
}
