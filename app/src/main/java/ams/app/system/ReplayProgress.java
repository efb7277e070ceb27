package ams.app.system;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;

/**
 * One line saying how far each processor has read its input, for the wait of a replay: per
 * processor, the records of its input topics (its internal repartition topics left out) that its
 * stream threads' consumers have fetched ({@code records-consumed-total} per topic), against the
 * records those topics hold. Fetched runs ahead of applied by what the threads hold in memory, and
 * the topics' offsets count transaction markers too, so this is progress, not the end of the
 * rebuild: the end is read from the committed offsets.
 */
final class ReplayProgress {

    private static final String FETCH_GROUP = "consumer-fetch-manager-metrics";

    private ReplayProgress() {}

    /**
     * E.g. {@code Catching up: agent-processor 412,000 of 998,000 input records read (41%), ...}.
     */
    static String describe(Map<String, KafkaStreams> processors, Admin admin)
            throws InterruptedException {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, KafkaStreams> processor : processors.entrySet()) {
            parts.add(processor.getKey() + " " + of(processor.getValue(), admin));
        }
        return "Catching up: " + String.join(", ", parts);
    }

    private static String of(KafkaStreams streams, Admin admin) throws InterruptedException {
        Set<TopicPartition> inputs = new HashSet<>(sourcePartitions(streams));
        inputs.removeIf(partition -> partition.topic().endsWith("-repartition"));
        if (inputs.isEmpty()) {
            return "starting";
        }
        Set<String> topics = new HashSet<>();
        inputs.forEach(tp -> topics.add(tp.topic()));
        double read = 0;
        for (Map.Entry<MetricName, ? extends Metric> entry : streams.metrics().entrySet()) {
            MetricName name = entry.getKey();
            String client = name.tags().getOrDefault("client-id", "");
            // The stream threads' main consumers; not the restore consumer.
            if (name.group().equals(FETCH_GROUP)
                    && name.name().equals("records-consumed-total")
                    && topics.contains(name.tags().getOrDefault("topic", ""))
                    && client.endsWith("-consumer")
                    && !client.endsWith("-restore-consumer")
                    && entry.getValue().metricValue() instanceof Double number
                    && !number.isNaN()) {
                read += number;
            }
        }
        long total;
        try {
            total = records(admin, inputs);
        } catch (ExecutionException | TimeoutException e) {
            return String.format(Locale.ROOT, "%,.0f input records read", read);
        }
        long percent = total == 0 ? 100 : Math.min(100, (long) Math.floor(100 * read / total));
        return String.format(
                Locale.ROOT, "%,.0f of %,d input records read (%d%%)", read, total, percent);
    }

    /**
     * The partitions the active tasks of this instance read, internal repartition topics included.
     */
    static Set<TopicPartition> sourcePartitions(KafkaStreams streams) {
        Set<TopicPartition> sources = new HashSet<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) {
                sources.addAll(task.topicPartitions());
            }
        }
        return sources;
    }

    /** Records the partitions hold: last stable offset minus log start, summed. */
    private static long records(Admin admin, Set<TopicPartition> partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(
                tp -> {
                    earliest.put(tp, OffsetSpec.earliest());
                    latest.put(tp, OffsetSpec.latest());
                });
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts =
                admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
        long total = 0;
        for (TopicPartition tp : partitions) {
            total += ends.get(tp).offset() - starts.get(tp).offset();
        }
        return total;
    }
}
