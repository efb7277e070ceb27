package ams.app.system;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One line saying how far each processor has read its input, for the wait of a replay: per
 * processor, the records its stream threads' consumers have fetched and the records still ahead of
 * them (Kafka's {@code records-consumed-total} and {@code records-lag}). Fetched runs ahead of
 * applied by what the threads hold in memory, so this is progress, not the end of the rebuild: the
 * end is read from the committed offsets.
 */
final class ReplayProgress {

    private static final String FETCH_GROUP = "consumer-fetch-manager-metrics";

    private ReplayProgress() {}

    /** E.g. {@code Catching up: agent-processor 61% read (312,000 records ahead), ...}. */
    static String describe(Map<String, KafkaStreams> processors) {
        List<String> parts = new ArrayList<>();
        processors.forEach((name, streams) -> parts.add(name + " " + of(streams)));
        return "Catching up: " + String.join(", ", parts);
    }

    private static String of(KafkaStreams streams) {
        double consumed = 0;
        double ahead = 0;
        boolean lagKnown = false;
        for (Map.Entry<MetricName, ? extends Metric> entry : streams.metrics().entrySet()) {
            MetricName name = entry.getKey();
            String client = name.tags().getOrDefault("client-id", "");
            // The stream threads' main consumers; not the restore consumer, not the admin.
            if (!name.group().equals(FETCH_GROUP)
                    || !client.endsWith("-consumer")
                    || client.endsWith("-restore-consumer")) {
                continue;
            }
            Object value = entry.getValue().metricValue();
            if (!(value instanceof Double number) || number.isNaN()) {
                continue;
            }
            if (name.name().equals("records-consumed-total") && !name.tags().containsKey("topic")) {
                consumed += number;
            } else if (name.name().equals("records-lag") && name.tags().containsKey("partition")) {
                ahead += number;
                lagKnown = true;
            }
        }
        if (!lagKnown) {
            return String.format(Locale.ROOT, "%,.0f records read", consumed);
        }
        double total = consumed + ahead;
        long percent = total == 0 ? 100 : (long) Math.floor(100 * consumed / total);
        return String.format(
                Locale.ROOT, "%d%% read (%,.0f records ahead)", percent, Math.max(0, ahead));
    }
}
