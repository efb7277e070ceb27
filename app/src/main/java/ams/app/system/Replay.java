package ams.app.system;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * Rebuilds every store from the log: digests the live stores, stops the processors, deletes their
 * consumer groups, internal topics and local state, starts them again from the beginning of their
 * input topics, waits until they have caught up, and digests again. The log is the truth, so the
 * digests must be equal.
 */
public final class Replay {

    /** Digests before and after, per processor and store. */
    public record Result(
            Map<String, Map<String, StoreDigests.Digest>> before,
            Map<String, Map<String, StoreDigests.Digest>> after,
            long rebuildMillis) {
        public boolean identical() {
            return before.equals(after);
        }

        /**
         * False when there was nothing trustworthy to compare with: the previous replay was cut off
         * and left its stores half rebuilt.
         */
        public boolean compared() {
            return !before.isEmpty();
        }
    }

    /** The processors a replay rebuilds (the exporter is not replayed: its files are its state). */
    public static final List<String> STREAMS_APPS =
            List.of("agent-processor", "knowledge-indexer", "conversation-orchestrator");

    private final SystemSettings settings;
    private final PrintWriter out;
    private final long progressEveryNanos;

    public Replay(SystemSettings settings, PrintWriter out) {
        this(settings, out, Duration.ofSeconds(10));
    }

    /** With progress lines every {@code progressEvery} while the processors catch up (tests). */
    Replay(SystemSettings settings, PrintWriter out, Duration progressEvery) {
        this.settings = settings;
        this.out = out;
        this.progressEveryNanos = progressEvery.toNanos();
    }

    public Result run(Duration timeout) throws InterruptedException {
        Map<String, Map<String, StoreDigests.Digest>> before;
        if (Files.exists(ReplayMarker.path(settings))) {
            out.println(
                    "The previous replay was cut off before it finished: its half-rebuilt stores"
                            + " are not worth comparing; rebuilding them from scratch.");
            before = Map.of();
        } else {
            try (AmsSystem system = AmsSystem.start(settings)) {
                system.awaitReady(timeout);
                out.println("Waiting until the processors have caught up with the log...");
                before = awaitStableDigests(system, timeout);
            }
        }
        // Closed: each processor left its consumer group on close (StaticMembership.close), so the
        // groups can go now.
        out.println(
                "Stopped. Deleting consumer groups, internal topics and local state of "
                        + STREAMS_APPS
                        + "...");
        // From here until the rebuild is done the stores are not the log's: say so on disk, so that
        // a system started on a cut-off rebuild refuses instead of serving it.
        ReplayMarker.mark(settings);
        wipe();
        long started = System.nanoTime();
        Map<String, Map<String, StoreDigests.Digest>> after = rebuild(timeout);
        ReplayMarker.clear(settings);
        return new Result(before, after, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * The rebuild step on its own, after {@link #wipe()}: starts the processors with the rebuild
     * profile from the beginning of the log, waits until they have caught up (a progress line every
     * ten seconds), digests every store and stops them. Public for the replay benchmark, which
     * times it as {@code ams replay} runs it.
     */
    public Map<String, Map<String, StoreDigests.Digest>> rebuild(Duration timeout)
            throws InterruptedException {
        long started = System.nanoTime();
        Map<String, Map<String, StoreDigests.Digest>> digests;
        long stopping;
        try (AmsSystem system = AmsSystem.start(settings.rebuilding(), true)) {
            system.awaitReady(timeout);
            out.printf(
                    "Restarted from the beginning of the log in %.1f s; rebuilding...%n",
                    (System.nanoTime() - started) / 1e9);
            out.flush();
            digests = awaitRebuiltDigests(system, timeout);
            stopping = System.nanoTime();
        }
        out.printf("Stopped in %.1f s.%n", (System.nanoTime() - stopping) / 1e9);
        out.flush();
        return digests;
    }

    /**
     * The rebuilt stores' digests: once every processor has caught up, one digest, kept when the
     * processors were still caught up after it and no store was unqueryable during it. One is
     * enough here, unlike for the live stores: a rebuild is read-only (no turns run, no timers
     * write a store) and nothing new reaches its input, so a store whose input is committed to the
     * end of the log cannot change any more. A second digest cost another pass over every entry and
     * a 3-second wait.
     */
    private Map<String, Map<String, StoreDigests.Digest>> awaitRebuiltDigests(
            AmsSystem system, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long started = System.nanoTime();
        try (Admin admin = admin()) {
            while (true) {
                awaitCaughtUp(system, admin, deadline, timeout);
                out.printf(
                        "Caught up after %.1f s; digesting every store...%n",
                        (System.nanoTime() - started) / 1e9);
                out.flush();
                long digestStarted = System.nanoTime();
                Map<String, Map<String, StoreDigests.Digest>> digests = digestsIfQueryable(system);
                if (digests != null && caughtUp(system, admin)) {
                    out.printf("Digested in %.1f s.%n", (System.nanoTime() - digestStarted) / 1e9);
                    out.flush();
                    return digests;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "stores not queryable after catching up, for " + timeout);
                }
                Thread.sleep(CAUGHT_UP_POLL_MS);
            }
        }
    }

    /**
     * Digests once every processor has read its input to the end and two reads a few seconds apart
     * agree. Equal reads alone are not enough: on a loaded machine a rebuilt processor may not have
     * applied anything yet after a few seconds, and two empty stores agree. Nothing is digested
     * before the processors have caught up: a digest reads and hashes every entry of every store
     * (about 10 s of a core for the replay benchmark's 1,000,000 events), and digesting every few
     * seconds while they rebuild took that core from the rebuild.
     */
    private Map<String, Map<String, StoreDigests.Digest>> awaitStableDigests(
            AmsSystem system, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin()) {
            awaitCaughtUp(system, admin, deadline, timeout);
            Map<String, Map<String, StoreDigests.Digest>> previous = digestsIfQueryable(system);
            while (true) {
                Thread.sleep(STABLE_AFTER_MS);
                Map<String, Map<String, StoreDigests.Digest>> current = digestsIfQueryable(system);
                if (current != null && current.equals(previous) && caughtUp(system, admin)) {
                    return current;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("stores still changing after " + timeout);
                }
                previous = current;
            }
        }
    }

    private static final long STABLE_AFTER_MS = 3_000;
    private static final long CAUGHT_UP_POLL_MS = 500;

    /** Waits until {@link #caughtUp} holds, with a progress line now and then. */
    private void awaitCaughtUp(AmsSystem system, Admin admin, long deadline, Duration timeout)
            throws InterruptedException {
        long nextProgress = System.nanoTime() + progressEveryNanos;
        while (true) {
            long now = System.nanoTime();
            // Before the check, so that a progress interval of zero (tests) always shows a line,
            // however fast the processors catch up.
            if (now >= nextProgress) {
                out.println(ReplayProgress.describe(processors(system), admin));
                out.flush();
                nextProgress = now + progressEveryNanos;
            }
            if (caughtUp(system, admin)) {
                return;
            }
            if (now > deadline) {
                throw new IllegalStateException(
                        "processors not caught up with the log after "
                                + timeout
                                + ": "
                                + ReplayProgress.describe(processors(system), admin));
            }
            Thread.sleep(CAUGHT_UP_POLL_MS);
        }
    }

    /** The Streams apps a replay rebuilds, by name ({@link #STREAMS_APPS}), in that order. */
    public static Map<String, KafkaStreams> processors(AmsSystem system) {
        Map<String, KafkaStreams> apps = new LinkedHashMap<>();
        apps.put("agent-processor", system.agents().streams());
        apps.put("knowledge-indexer", system.knowledge().streams());
        apps.put("conversation-orchestrator", system.conversations().streams());
        return apps;
    }

    private Admin admin() {
        return Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers()));
    }

    /**
     * True when every processor has processed its input to the end: for every source partition of
     * its tasks, the offset its consumer group committed (Streams commits with the transaction,
     * after processing, and past a trailing transaction marker) has reached the partition's last
     * stable offset. Fetch-side lag is not enough: it reads 0 as soon as the records are fetched,
     * and on a loaded machine a rebuilt store can still be empty then.
     */
    private boolean caughtUp(AmsSystem system, Admin admin) throws InterruptedException {
        Map<String, KafkaStreams> apps = new LinkedHashMap<>();
        processors(system)
                .forEach((name, streams) -> apps.put(settings.applicationId(name), streams));
        try {
            for (Map.Entry<String, KafkaStreams> app : apps.entrySet()) {
                Set<TopicPartition> sources = ReplayProgress.sourcePartitions(app.getValue());
                if (sources.isEmpty()) {
                    return false;
                }
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(app.getKey())
                                .partitionsToOffsetAndMetadata()
                                .get(30, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                sources.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                        admin.listOffsets(
                                        latest,
                                        new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                                .all()
                                .get(30, TimeUnit.SECONDS);
                for (TopicPartition tp : sources) {
                    OffsetAndMetadata done = committed.get(tp);
                    if ((done == null ? 0 : done.offset()) < ends.get(tp).offset()) {
                        return false;
                    }
                }
            }
            return true;
        } catch (java.util.concurrent.ExecutionException
                | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /**
     * The digests, or null while a processor rebalances: a group that was RUNNING can rebalance
     * again (a repartition topic created late, a probing rebalance), and its stores are not
     * queryable until it runs again (ReplayIT once read one in PARTITIONS_ASSIGNED). Not stable
     * yet, so the next read decides.
     */
    private static Map<String, Map<String, StoreDigests.Digest>> digestsIfQueryable(
            AmsSystem system) throws InterruptedException {
        try {
            return digests(system);
        } catch (InvalidStateStoreException e) {
            return null;
        }
    }

    /**
     * Every store of every rebuilt processor, digested one store per core (the replay benchmark
     * digests the same way).
     */
    public static Map<String, Map<String, StoreDigests.Digest>> digests(AmsSystem system)
            throws InterruptedException {
        return StoreDigests.ofAll(processors(system), Runtime.getRuntime().availableProcessors());
    }

    /**
     * The reset step of a replay on its own, with the processors stopped: deletes their consumer
     * groups (and waits until they stay deleted), their changelog and repartition topics and their
     * local state. Public for the replay benchmark, which must time the rebuild apart from the
     * rest.
     */
    public void wipe() {
        try (Admin admin = admin()) {
            List<String> groups = STREAMS_APPS.stream().map(settings::applicationId).toList();
            deleteGroups(admin, groups);
            awaitGroupsStayDeleted(admin, groups);
            Set<String> topics = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<String> internal = new ArrayList<>();
            for (String topic : topics) {
                for (String group : groups) {
                    if (topic.startsWith(group + "-")
                            && (topic.endsWith("-changelog") || topic.endsWith("-repartition"))) {
                        internal.add(topic);
                    }
                }
            }
            admin.deleteTopics(internal).all().get(60, TimeUnit.SECONDS);
            out.println(
                    "Deleted "
                            + internal.size()
                            + " internal topics and "
                            + groups.size()
                            + " consumer groups");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot reset the processors: " + e.getMessage(), e);
        }
        STREAMS_APPS.forEach(app -> deleteRecursively(settings.stateDir(app)));
    }

    /**
     * Stopped Streams members stay in their group until the session times out; deletion waits for
     * that. Each group is judged on its own: one that does not exist must not hide another that is
     * not empty yet.
     */
    private void deleteGroups(Admin admin, List<String> groups) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        List<String> remaining = new ArrayList<>(groups);
        while (true) {
            var results = admin.deleteConsumerGroups(remaining).deletedGroups();
            List<String> notEmpty = new ArrayList<>();
            for (String group : remaining) {
                try {
                    results.get(group).get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause()
                            instanceof org.apache.kafka.common.errors.GroupNotEmptyException) {
                        notEmpty.add(group);
                    } else if (!(e.getCause()
                            instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
                        throw e;
                    }
                }
            }
            if (notEmpty.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Consumer groups " + notEmpty + " still have members after 2 minutes");
            }
            out.println(
                    "Waiting for the stopped members to leave their consumer groups "
                            + notEmpty
                            + "...");
            out.flush();
            Thread.sleep(5_000);
            remaining = notEmpty;
        }
    }

    /**
     * A stopped processor's last transaction can still be completing: when its commit marker
     * reaches the offsets topic after the group was deleted, the transaction's offsets come back
     * and recreate the group, and the rebuild would start at the end of the log with empty stores
     * (seen on a loaded machine). Watch the groups for a few quiet seconds and delete again
     * whatever reappears.
     */
    private void awaitGroupsStayDeleted(Admin admin, List<String> groups) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        int quietChecks = 0;
        while (quietChecks < 3) {
            Thread.sleep(1_000);
            List<String> reappeared = new ArrayList<>();
            for (String group : groups) {
                if (!committedOffsets(admin, group).isEmpty()) {
                    reappeared.add(group);
                }
            }
            if (reappeared.isEmpty()) {
                quietChecks++;
                continue;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Committed offsets of " + reappeared + " keep coming back after deletion");
            }
            out.println(
                    "Offsets of the stopped processors' last transactions reappeared in "
                            + reappeared
                            + "; deleting again");
            out.flush();
            deleteGroups(admin, reappeared);
            quietChecks = 0;
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> committedOffsets(
            Admin admin, String group) throws Exception {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets =
                    admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> present = new HashMap<>();
            offsets.forEach(
                    (tp, offset) -> {
                        if (offset != null) {
                            present.put(tp, offset);
                        }
                    });
            return present;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return Map.of();
            }
            throw e;
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete local state " + dir, e);
        }
    }
}
