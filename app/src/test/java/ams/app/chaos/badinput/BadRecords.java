package ams.app.chaos.badinput;

import ams.events.topics.TopicCatalogue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes bad records to every input topic (agent-events, knowledge-events, conversation-events):
 * random and truncated bytes, wrong headers and fingerprints, other topics' events, empty values,
 * and events that decode but break a processor's rules. Remembers where each one landed, so that
 * {@link DeadLetterAudit} can find its dead letter by source topic, partition and offset.
 */
public final class BadRecords {

    /** One bad record as it was written. */
    public record SentRecord(String topic, int partition, long offset, String kind) {

        @Override
        public String toString() {
            return kind + " at " + topic + "-" + partition + "@" + offset;
        }
    }

    /** Everything one {@link #publish} wrote. */
    public record Sent(List<SentRecord> records) {

        public Sent {
            records = List.copyOf(records);
        }

        /** Bad records per topic name. */
        public Map<String, Long> perTopic() {
            return records.stream()
                    .collect(
                            Collectors.groupingBy(
                                    SentRecord::topic, TreeMap::new, Collectors.counting()));
        }

        /** Bad records per kind of badness, over all topics. */
        public Map<String, Long> perKind() {
            return records.stream()
                    .collect(
                            Collectors.groupingBy(
                                    SentRecord::kind, TreeMap::new, Collectors.counting()));
        }

        public int total() {
            return records.size();
        }

        /** This and that together (several floods in one run). */
        public Sent plus(Sent other) {
            List<SentRecord> all = new ArrayList<>(records);
            all.addAll(other.records);
            return new Sent(all);
        }

        @Override
        public String toString() {
            return total() + " bad records " + perTopic() + " of kinds " + perKind();
        }
    }

    private BadRecords() {}

    /**
     * Writes {@code perTopic} bad records to each input topic under {@code topicPrefix} and waits
     * until the broker has them all. The kinds, keys and bytes follow from {@code seed} (event ids
     * inside spoilt events are fresh UUIDs).
     */
    public static Sent publish(String bootstrap, String topicPrefix, int perTopic, long seed) {
        TopicCatalogue catalogue =
                new TopicCatalogue(topicPrefix, TopicCatalogue.DEFAULT_PARTITIONS, (short) 1);
        List<Future<RecordMetadata>> pending = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(
                        producerProperties(bootstrap),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            List<BadRecordFactory> factories = new ArrayList<>();
            for (InputTopic topic : InputTopic.values()) {
                factories.add(new BadRecordFactory(topic, seed));
            }
            // Interleaved, so every consumer meets bad records throughout the flood, not in one
            // block per topic.
            for (int i = 0; i < perTopic; i++) {
                for (InputTopic topic : InputTopic.values()) {
                    BadRecordFactory.BadRecord bad = factories.get(topic.ordinal()).next();
                    pending.add(
                            producer.send(
                                    new ProducerRecord<>(
                                            topic.name(catalogue), bad.key(), bad.value())));
                    kinds.add(bad.kind().name());
                }
            }
            producer.flush();
            List<SentRecord> sent = new ArrayList<>(pending.size());
            for (int i = 0; i < pending.size(); i++) {
                RecordMetadata meta = pending.get(i).get();
                sent.add(
                        new SentRecord(
                                meta.topic(), meta.partition(), meta.offset(), kinds.get(i)));
            }
            return new Sent(sent);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing bad records", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "the broker refused a bad record: " + e.getCause(), e.getCause());
        }
    }

    private static Properties producerProperties(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "ams-chaos-bad-records");
        return props;
    }
}
