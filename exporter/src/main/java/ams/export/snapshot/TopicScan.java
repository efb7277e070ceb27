package ams.export.snapshot;

import ams.events.topics.Topic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a whole topic from the beginning to the end it has when the scan starts (read_committed),
 * decoding each value; undecodable records are skipped (the continuous sink dead-letters them).
 * Order is per partition, which is what a fold keyed like the topic needs. What every snapshot
 * (conversation export, dataset export) reads the log with.
 */
public final class TopicScan {

    /** What to do with each decoded value, given where it was read. */
    @FunctionalInterface
    public interface Visitor<V> {
        void accept(V value, int partition, long offset);
    }

    private TopicScan() {}

    /** Returns how many records were undecodable. */
    public static <V> long scan(String bootstrapServers, Topic<String, V> topic, Consumer<V> each) {
        return scan(bootstrapServers, topic, (value, partition, offset) -> each.accept(value));
    }

    /** The same, with each value's partition and offset. */
    public static <V> long scan(String bootstrapServers, Topic<String, V> topic, Visitor<V> each) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        long undecodable = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            var deserializer = topic.valueSerde().deserializer();
            while (partitions.stream()
                    .anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> record :
                        consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset()
                            >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                        continue; // written after the scan started
                    }
                    if (record.value() == null) {
                        continue;
                    }
                    V value;
                    try {
                        value = deserializer.deserialize(topic.name(), record.value());
                    } catch (SerializationException e) {
                        undecodable++;
                        continue;
                    }
                    if (value != null) {
                        each.accept(value, record.partition(), record.offset());
                    }
                }
            }
        }
        return undecodable;
    }
}
