package ams.app.system;

import ams.events.Envelope;
import ams.events.serde.EventDecodingException;
import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Copies the event topics' records that happened at or before a time into another catalogue, byte
 * for byte and partition for partition: the log as it was at T, for a system to be rebuilt from.
 * Records that do not decode are not events and are left out.
 */
final class LogCopy {

    private final String bootstrapServers;

    LogCopy(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Copies every event that occurred up to {@code until} from one catalogue's topics to the
     * other's.
     *
     * @return records copied per topic name of the target
     */
    Map<String, Long> copyUntil(TopicCatalogue from, TopicCatalogue to, Instant until) {
        Map<String, Long> copied = new java.util.LinkedHashMap<>();
        copied.put(
                to.agentEvents().name(),
                copy(from.agentEvents(), to.agentEvents(), e -> e.getEnvelope(), until));
        copied.put(
                to.knowledgeEvents().name(),
                copy(from.knowledgeEvents(), to.knowledgeEvents(), e -> e.getEnvelope(), until));
        copied.put(
                to.conversationEvents().name(),
                copy(
                        from.conversationEvents(),
                        to.conversationEvents(),
                        e -> e.getEnvelope(),
                        until));
        copied.put(
                to.jobEvents().name(),
                copy(from.jobEvents(), to.jobEvents(), e -> e.getEnvelope(), until));
        return copied;
    }

    private <V> long copy(
            Topic<String, V> source,
            Topic<String, V> target,
            Function<V, Envelope> envelope,
            Instant until) {
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "ams-log-copy-" + UUID.randomUUID());
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        long count = 0;
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                        new KafkaConsumer<>(
                                consumerProps,
                                new ByteArrayDeserializer(),
                                new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(
                                producerProps,
                                new ByteArraySerializer(),
                                new ByteArraySerializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(source.name())
                    .forEach(p -> partitions.add(new TopicPartition(source.name(), p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> record :
                        consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null
                            || record.offset()
                                    >= end.get(
                                            new TopicPartition(
                                                    record.topic(), record.partition()))) {
                        continue;
                    }
                    V event;
                    try {
                        event =
                                source.valueSerde()
                                        .deserializer()
                                        .deserialize(record.topic(), record.value());
                    } catch (EventDecodingException e) {
                        continue;
                    }
                    if (!envelope.apply(event).getOccurredAt().isAfter(until)) {
                        var unused =
                                producer.send(
                                        new ProducerRecord<>(
                                                target.name(),
                                                record.partition(),
                                                record.timestamp(),
                                                record.key(),
                                                record.value()),
                                        (metadata, e) -> {
                                            if (e != null) {
                                                failed.compareAndSet(null, e);
                                            }
                                        });
                        count++;
                    }
                }
            }
            producer.flush();
        }
        // flush() does not throw for a failed send: an incomplete copy must not pass for the past.
        if (failed.get() != null) {
            throw new IllegalStateException(
                    "Copying "
                            + source.name()
                            + " to "
                            + target.name()
                            + " failed: "
                            + failed.get().getMessage(),
                    failed.get());
        }
        return count;
    }
}
