package ams.app.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;

import ams.app.system.SystemSettings;

/**
 * What {@code ams replay} ({@code ams.app.system.Replay}) wipes before it rebuilds, step for step:
 * the Streams applications' consumer groups, their changelog and repartition topics, and their local
 * state. Copied here because Replay runs its steps as one call and the benchmark must time the
 * rebuild alone, to the moment the processors have caught up (Replay waits for digests that hold
 * still for 3 s). The knowledge embedder's group is kept, as Replay keeps it: the rebuild re-reads
 * the stored chunks instead of embedding again.
 */
final class ProcessorReset {

    static final List<String> STREAMS_APPS = List.of("agent-processor", "knowledge-indexer", "conversation-orchestrator");

    private ProcessorReset() {
    }

    /** Returns the number of internal topics deleted. */
    static int wipe(Admin admin, SystemSettings settings) throws Exception {
        List<String> groups = STREAMS_APPS.stream().map(settings::applicationId).toList();
        for (String group : groups) {
            deleteGroup(admin, group);
        }
        List<String> internal = new ArrayList<>();
        for (String topic : admin.listTopics().names().get(60, TimeUnit.SECONDS)) {
            for (String group : groups) {
                if (topic.startsWith(group + "-") && (topic.endsWith("-changelog") || topic.endsWith("-repartition"))) {
                    internal.add(topic);
                }
            }
        }
        admin.deleteTopics(internal).all().get(60, TimeUnit.SECONDS);
        STREAMS_APPS.forEach(app -> deleteRecursively(settings.stateDir(app)));
        return internal.size();
    }

    /**
     * One group at a time: deleting several in one call fails with the first group's error, so a group
     * not found (nothing to delete) would hide another that is not empty yet and keeps its offsets.
     * Checked afterwards: a group left with committed offsets would make the rebuild start at the end
     * of the log with empty stores.
     */
    private static void deleteGroup(Admin admin, String group) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            try {
                admin.deleteConsumerGroups(List.of(group)).all().get(60, TimeUnit.SECONDS);
                break;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    break;
                }
                if (!(e.getCause() instanceof GroupNotEmptyException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(1_000);
            }
        }
        var left = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS);
        if (!left.isEmpty()) {
            throw new IllegalStateException("Group " + group + " still has committed offsets after its deletion: " + left);
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
