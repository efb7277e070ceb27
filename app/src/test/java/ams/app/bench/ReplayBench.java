package ams.app.bench;

import ams.app.system.AmsSystem;
import ams.app.system.Replay;
import ams.app.system.StoreDigests;
import ams.app.system.SystemSettings;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.testkit.FreePorts;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.bench.ResultRows;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replay: rebuilding every store from the log, against the raw limit measured in the same run on
 * the same broker (a plain consumer reading the same events' bytes). Produces N events (see {@link
 * ReplayEvents}), runs the whole system ({@link AmsSystem}, the orchestrator read-only as a replay
 * runs it) until it has caught up and digests every store; then wipes what {@code ams replay} wipes
 * (groups, internal topics, local state), starts the system again and times it from start to caught
 * up; digests again: they must be equal. Goal: the rebuild takes at most 5x the raw consumer's
 * time. Broker: AMS_TEST_BOOTSTRAP if set, else one embedded in this JVM. Args: [events=1000000]
 * [partitions=2] [knowledge documents=events/500]
 */
public final class ReplayBench {

    private static final Logger log = LoggerFactory.getLogger(ReplayBench.class);
    private static final Duration TIMEOUT = Duration.ofMinutes(60);

    private ReplayBench() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int documents = args.length > 2 ? Integer.parseInt(args[2]) : Math.max(10, events / 500);
        ReplayEvents.Mix mix = ReplayEvents.Mix.of(events, documents);
        String prefix = "bench-replay-" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path data = Files.createTempDirectory("ams-replay-bench-");
        StringBuilder report = new StringBuilder("\n| measure | value |\n|---|---|\n");
        try (KafkaCluster kafka = KafkaClusters.fromEnvironment();
                Admin admin =
                        Admin.create(
                                Map.of(
                                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                        kafka.bootstrapServers()))) {
            SystemSettings settings =
                    new SystemSettings(
                            kafka.bootstrapServers(),
                            prefix,
                            partitions,
                            data,
                            "127.0.0.1",
                            FreePorts.next(),
                            null,
                            "scripted",
                            null,
                            null,
                            null,
                            "",
                            600_000,
                            true);
            TopicCatalogue topics = new TopicCatalogue(prefix, partitions, (short) 1);
            new TopicProvisioner(admin, 60_000).provision(topics);

            double produceSeconds = ReplayEvents.produce(kafka.bootstrapServers(), topics, mix);
            line(
                    report,
                    "events",
                    String.format(
                            Locale.ROOT,
                            "%,d: %,d agent events (%,d agents), %,d conversation events "
                                    + "(%,d finished conversations of %d turns), %,d knowledge documents; %d partitions",
                            mix.total(),
                            mix.agentEvents(),
                            mix.agents(),
                            mix.conversationEvents(),
                            mix.conversations(),
                            ReplayEvents.TURNS,
                            mix.documents(),
                            partitions));
            line(
                    report,
                    "raw producer (Avro serialize + send, idempotent, acks=all)",
                    rate(mix.total(), produceSeconds, "events"));
            ResultRows.add(
                    "replay: raw producer, " + mix.total() + " events",
                    mix.total() / produceSeconds,
                    "events/s");

            String chunks = prefix + "knowledge-indexer-chunks";
            Set<String> produced =
                    Set.of(
                            topics.agentEvents().name(),
                            topics.knowledgeEvents().name(),
                            topics.conversationEvents().name());
            CaughtUp caughtUp = new CaughtUp(admin, produced);
            List<CaughtUp.Group> groups = groups(settings, topics, chunks);

            // First build: what the running system did as the events arrived, including embedding
            // the documents once.
            Map<String, Map<String, StoreDigests.Digest>> before;
            long started = System.nanoTime();
            List<KafkaStreams> first;
            try (AmsSystem system = AmsSystem.start(settings)) {
                first = streamsOf(system);
                system.awaitReady(TIMEOUT);
                Map<String, Long> done = caughtUp.await(groups, TIMEOUT);
                line(
                        report,
                        "first build (catch-up incl. embedding the documents once)",
                        times(done, started));
                line(
                        report,
                        "heap in use after GC, whole system in this JVM, after the first build",
                        liveHeap());
                before = Replay.digests(system);
            }
            // A close that timed out on a loaded machine goes on in the background and commits
            // offsets on its way:
            // wiping before it ends would leave offsets behind, and the rebuild would start at the
            // end of the log.
            awaitClosed(first);

            // What `ams replay` wipes, by the same code; its progress lines go to this log.
            StringWriter wiped = new StringWriter();
            new Replay(settings, new PrintWriter(wiped, true)).wipe();
            log.info(
                    "Wiped the groups, internal topics and local state of {}: {}",
                    Replay.STREAMS_APPS,
                    wiped.toString().strip());
            // The rebuild: Streams applications only; the embedder's group is not reset, so it has
            // nothing to do.
            List<CaughtUp.Group> streamsGroups =
                    groups.stream().filter(g -> !g.name().equals("knowledge-embedder")).toList();
            // As `ams replay` rebuilds, by its own code (the rebuild profile: at_least_once, long
            // commits, a commit as soon as the input runs dry; progress lines; digests once caught
            // up). The moment each processor has caught up is read beside it from the committed
            // offsets.
            StringWriter progress = new StringWriter();
            Replay replay = new Replay(settings, new PrintWriter(progress, true));
            RebuildCpu cpu = new RebuildCpu();
            long rebuildStart = System.nanoTime();
            Map<String, Map<String, StoreDigests.Digest>> after;
            Map<String, Long> rebuilt;
            try (RebuildRecording recording = RebuildRecording.fromProperty()) {
                CompletableFuture<Map<String, Long>> caughtUpAt =
                        CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        Map<String, Long> done =
                                                caughtUp.await(streamsGroups, TIMEOUT);
                                        // Before the digests and the close: a stopped
                                        // thread's CPU time is gone.
                                        cpu.caughtUp();
                                        recording.stop();
                                        line(
                                                report,
                                                "heap in use after GC, after the rebuild",
                                                liveHeap());
                                        return done;
                                    } catch (Exception e) {
                                        throw new IllegalStateException(e);
                                    }
                                });
                after = replay.rebuild(TIMEOUT);
                rebuilt = caughtUpAt.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            double replaySeconds = (System.nanoTime() - rebuildStart) / 1e9;
            log.info("ams replay's progress lines:\n{}", progress.toString().strip());
            double rebuildSeconds =
                    (rebuilt.values().stream().mapToLong(Long::longValue).max().orElseThrow()
                                    - rebuildStart)
                            / 1e9;
            line(
                    report,
                    "**replay: start to every store caught up**",
                    String.format(
                            Locale.ROOT,
                            "**%.2f s** (%s)",
                            rebuildSeconds,
                            times(rebuilt, rebuildStart)));

            line(
                    report,
                    "ams replay's rebuild: start, caught up, every store digested, stopped",
                    String.format(Locale.ROOT, "%.2f s", replaySeconds));
            // The median of three reads: one read of the same records took 0.46 to 1.94 s in
            // three runs of a morning, and the ratio moved with it.
            List<RawRead> reads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                reads.add(
                        rawConsume(
                                kafka.bootstrapServers(),
                                List.of(
                                        topics.agentEvents().name(),
                                        topics.conversationEvents().name(),
                                        chunks)));
            }
            reads.sort(java.util.Comparator.comparingDouble(RawRead::seconds));
            RawRead raw = reads.get(1);
            line(
                    report,
                    "raw consumer: agent-events, conversation-events and the stored chunks, bytes",
                    String.format(
                            Locale.ROOT,
                            "%,d records, %.1f MiB in %.2f s (%,.0f records/s; median of three"
                                    + " reads)",
                            raw.records(),
                            raw.bytes() / 1048576.0,
                            raw.seconds(),
                            raw.records() / raw.seconds()));
            double ratio = rebuildSeconds / raw.seconds();
            line(
                    report,
                    "**replay time / raw consumer time**",
                    String.format(
                            Locale.ROOT,
                            "**%.1fx** (goal <= 5x: %s)",
                            ratio,
                            ratio <= 5 ? "met" : "not met"));
            boolean identical = before.equals(after);
            line(
                    report,
                    "stores before vs after",
                    (identical ? "identical" : "DIFFERENT") + ": " + summary(after));

            ResultRows.add(
                    "replay: raw consumer (bytes), the events the rebuild reads",
                    raw.records() / raw.seconds(),
                    "records/s");
            ResultRows.add(
                    "replay: rebuild every store, " + mix.total() + " events (start to caught up)",
                    rebuildSeconds,
                    "s",
                    String.format(Locale.ROOT, "%.2f s (raw consumer, same events)", raw.seconds()),
                    ratio,
                    "<= 5x raw",
                    ratio <= 5);
            ResultRows.add("replay: rebuild throughput", mix.total() / rebuildSeconds, "events/s");
            cpu.report(report, mix.total());
            ResultRows.add(
                    "replay: `ams replay`'s rebuild step as it runs it (restart, catch up, digest"
                            + " every store once, stop)",
                    replaySeconds,
                    "s");
            ResultRows.add(
                    "replay: stores whose digest after the rebuild equals the one before",
                    equalStores(before, after),
                    "of " + storeCount(after) + " stores",
                    "-",
                    Double.NaN,
                    "all equal",
                    identical);
            if (!identical) {
                report.append("\nBefore: ")
                        .append(before)
                        .append("\nAfter: ")
                        .append(after)
                        .append('\n');
            }
            System.out.println(report); // the benchmark's output is its report
            if (!identical) {
                throw new IllegalStateException(
                        "The rebuilt stores differ from the stores before the replay");
            }
        } finally {
            deleteQuietly(data);
        }
    }

    private static List<CaughtUp.Group> groups(
            SystemSettings settings, TopicCatalogue topics, String chunks) {
        String agents = topics.agentEvents().name();
        String conversations = topics.conversationEvents().name();
        return List.of(
                new CaughtUp.Group(
                        "agent-processor",
                        settings.applicationId("agent-processor"),
                        List.of(agents)),
                new CaughtUp.Group(
                        "knowledge-embedder",
                        settings.applicationId("knowledge-indexer") + "-embedder",
                        List.of(topics.knowledgeEvents().name())),
                new CaughtUp.Group(
                        "knowledge-indexer",
                        settings.applicationId("knowledge-indexer"),
                        List.of(chunks, agents, conversations)),
                new CaughtUp.Group(
                        "conversation-orchestrator",
                        settings.applicationId("conversation-orchestrator"),
                        List.of(conversations)));
    }

    private static String times(Map<String, Long> done, long started) {
        List<String> parts = new ArrayList<>();
        done.forEach(
                (name, at) ->
                        parts.add(
                                String.format(
                                        Locale.ROOT, "%s %.2f s", name, (at - started) / 1e9)));
        return String.join(", ", parts);
    }

    private static String summary(Map<String, Map<String, StoreDigests.Digest>> digests) {
        List<String> parts = new ArrayList<>();
        digests.values()
                .forEach(
                        stores ->
                                stores.values()
                                        .forEach(
                                                d ->
                                                        parts.add(
                                                                d.sha256() == null
                                                                        ? d.store()
                                                                                + " (not iterable)"
                                                                        : d.store()
                                                                                + " "
                                                                                + d.entries())));
        return String.join(", ", parts);
    }

    private static long equalStores(
            Map<String, Map<String, StoreDigests.Digest>> before,
            Map<String, Map<String, StoreDigests.Digest>> after) {
        long equal = 0;
        for (var app : after.entrySet()) {
            for (var store : app.getValue().entrySet()) {
                if (store.getValue()
                        .equals(before.getOrDefault(app.getKey(), Map.of()).get(store.getKey()))) {
                    equal++;
                }
            }
        }
        return equal;
    }

    private static long storeCount(Map<String, Map<String, StoreDigests.Digest>> digests) {
        return digests.values().stream().mapToLong(Map::size).sum();
    }

    private static List<KafkaStreams> streamsOf(AmsSystem system) {
        return List.copyOf(Replay.processors(system).values());
    }

    private static void awaitClosed(List<KafkaStreams> all) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        for (KafkaStreams streams : all) {
            while (streams.state() != KafkaStreams.State.NOT_RUNNING
                    && streams.state() != KafkaStreams.State.ERROR) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "A Streams instance did not close within 5 minutes: "
                                    + streams.state());
                }
                Thread.sleep(100);
            }
        }
    }

    private record RawRead(long records, long bytes, double seconds) {}

    /**
     * The raw limit: one plain consumer reading every partition of the given topics from the start,
     * values as bytes.
     */
    private static RawRead rawConsume(String bootstrap, List<String> topics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic)
                        .forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            long started = System.nanoTime();
            long records = 0;
            long bytes = 0;
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (var r : consumer.poll(Duration.ofMillis(100))) {
                    records++;
                    bytes += r.value() == null ? 0 : r.value().length;
                }
            }
            return new RawRead(records, bytes, (System.nanoTime() - started) / 1e9);
        }
    }

    private static String rate(long count, double seconds, String what) {
        return String.format(
                Locale.ROOT, "%,.0f %s/s (%,d in %.2f s)", count / seconds, what, count, seconds);
    }

    private static void line(StringBuilder report, String measure, String value) {
        report.append("| ").append(measure).append(" | ").append(value).append(" |\n");
        log.info("{}: {}", measure, value);
    }

    /** The live set (after a full GC) against the maximum: the whole system runs in this JVM. */
    private static String liveHeap() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        return String.format(
                Locale.ROOT,
                "%,d MiB of %,d MiB max",
                (runtime.totalMemory() - runtime.freeMemory()) >> 20,
                runtime.maxMemory() >> 20);
    }

    private static void deleteQuietly(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not delete {}", root, e);
        }
    }
}
