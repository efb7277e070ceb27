package ams.export.importer;

import ams.events.topics.Topic;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic from the beginning to its current end and collects a key from every decodable
 * event.
 */
final class ExistingKeys {

    private ExistingKeys() {}

    static <V> Set<String> scan(
            String bootstrapServers, Topic<String, V> topic, Function<V, String> keyOf) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        Set<String> keys = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = highWatermarks(bootstrapServers, partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream()
                    .anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "Cannot read "
                                    + topic.name()
                                    + " to its end within 60 s: a transaction"
                                    + " is still open on it; retry the import when its producer has committed or aborted");
                }
                for (ConsumerRecord<byte[], byte[]> record :
                        consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        continue;
                    }
                    try {
                        String key =
                                keyOf.apply(
                                        topic.valueSerde()
                                                .deserializer()
                                                .deserialize(topic.name(), record.value()));
                        if (key != null) {
                            keys.add(key);
                        }
                    } catch (SerializationException e) {
                        // Undecodable records are the processors' business (dead-letters); they
                        // identify nothing.
                    }
                }
            }
        }
        return keys;
    }

    /**
     * The end including records whose transaction markers are still being written: a read_committed
     * consumer's own end offset (the last stable offset) can lag just after a commit returns, which
     * would hide what the previous import step published.
     */
    private static Map<TopicPartition, Long> highWatermarks(
            String bootstrapServers, List<TopicPartition> partitions) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return consumer.endOffsets(partitions, Duration.ofSeconds(30));
        }
    }
}
