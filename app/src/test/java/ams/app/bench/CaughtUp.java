package ams.app.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * When processors have applied their whole input: each consumer group has committed offsets on
 * every partition of its input topics, and on every partition it has committed (its internal
 * repartition topics included) the committed offset is at the end of the log. With exactly-once the
 * offsets are committed in the same transaction as the stores' changelogs, so committed means
 * applied. Polled, not pushed: the time of each group's first caught-up poll is its figure, to
 * within the poll interval.
 */
final class CaughtUp {

    /** A consumer group and the topics it must have consumed to the end. */
    record Group(String name, String groupId, List<String> inputs) {}

    private static final long POLL_MS = 100;

    private final Admin admin;
    private final Set<String> producedWithoutTransactions;
    private final Map<String, Set<TopicPartition>> partitions = new HashMap<>();

    /**
     * @param producedWithoutTransactions topics whose end offset is the next record's; on topics
     *     written in transactions the last offset can be the commit marker, which a consumer never
     *     commits past when it has not fetched beyond it, so one offset of slack is allowed there.
     */
    CaughtUp(Admin admin, Set<String> producedWithoutTransactions) {
        this.admin = admin;
        this.producedWithoutTransactions = producedWithoutTransactions;
    }

    /**
     * Waits until every group has caught up; returns when each first did, as System.nanoTime()
     * values.
     */
    Map<String, Long> await(List<Group> groups, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Long> done = new LinkedHashMap<>();
        while (done.size() < groups.size()) {
            for (Group group : groups) {
                if (!done.containsKey(group.name()) && caughtUp(group)) {
                    done.put(group.name(), System.nanoTime());
                }
            }
            if (done.size() < groups.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "not caught up after " + timeout + ": only " + done.keySet());
                }
                Thread.sleep(POLL_MS);
            }
        }
        return done;
    }

    private boolean caughtUp(Group group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        admin.listConsumerGroupOffsets(group.groupId())
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS)
                .forEach(
                        (tp, offset) -> {
                            if (offset != null) {
                                committed.put(tp, offset);
                            }
                        });
        for (String input : group.inputs()) {
            if (!committed.keySet().containsAll(partitionsOf(input))) {
                return false;
            }
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
        for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : committed.entrySet()) {
            long slack = producedWithoutTransactions.contains(entry.getKey().topic()) ? 0 : 1;
            if (entry.getValue().offset() < ends.get(entry.getKey()).offset() - slack) {
                return false;
            }
        }
        return true;
    }

    private Set<TopicPartition> partitionsOf(String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<TopicPartition> known = partitions.get(topic);
        if (known == null) {
            known = new HashSet<>();
            for (var partition :
                    admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get(30, TimeUnit.SECONDS)
                            .get(topic)
                            .partitions()) {
                known.add(new TopicPartition(topic, partition.partition()));
            }
            partitions.put(topic, known);
        }
        return known;
    }
}
