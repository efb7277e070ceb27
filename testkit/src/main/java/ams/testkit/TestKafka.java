package ams.testkit;

import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Small conveniences over a {@link KafkaCluster} for tests: an isolated topic catalogue per test,
 * producing and consuming with the catalogue's serdes, and raw bytes for bad input.
 */
public final class TestKafka {

    private static final AtomicInteger CATALOGUES = new AtomicInteger();

    private final KafkaCluster cluster;

    public TestKafka(KafkaCluster cluster) {
        this.cluster = cluster;
    }

    public KafkaCluster cluster() {
        return cluster;
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /**
     * A catalogue under a prefix no other test uses, with its topics created and visible to
     * clients. Tests sharing the broker never collide.
     */
    public TopicCatalogue newCatalogue(int partitions) {
        String prefix =
                "t"
                        + CATALOGUES.incrementAndGet()
                        + "-"
                        + UUID.randomUUID().toString().substring(0, 8)
                        + ".";
        TopicCatalogue catalogue = new TopicCatalogue(prefix, partitions, (short) 1);
        try (Admin admin = admin()) {
            // Returns once the topics are visible with leaders, not just created.
            new TopicProvisioner(admin, 30_000).provision(catalogue);
        }
        return catalogue;
    }

    public TopicCatalogue newCatalogue() {
        return newCatalogue(TopicCatalogue.DEFAULT_PARTITIONS);
    }

    public Properties producerProperties() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return props;
    }

    public Properties consumerProperties(String groupId) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }

    public <K, V> KafkaProducer<K, V> producer(
            Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        return new KafkaProducer<>(producerProperties(), keySerializer, valueSerializer);
    }

    public <K, V> KafkaProducer<K, V> producer(Topic<K, V> topic) {
        return producer(topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /** Sends and waits for the broker's acknowledgement. */
    public <K, V> RecordMetadata send(Topic<K, V> topic, K key, V value) {
        try (KafkaProducer<K, V> producer = producer(topic)) {
            return producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Send to " + topic.name() + " failed", e.getCause());
        }
    }

    /** Sends raw bytes, bypassing every serde: how tests put bad input on a topic. */
    public RecordMetadata sendRaw(String topic, byte[] key, byte[] value) {
        try (KafkaProducer<byte[], byte[]> producer =
                producer(new ByteArraySerializer(), new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Send to " + topic + " failed", e.getCause());
        }
    }

    /**
     * Reads from the beginning until {@code count} records arrived or the timeout passed (then
     * fails).
     */
    public <K, V> List<ConsumerRecord<K, V>> consume(
            Topic<K, V> topic, int count, Duration timeout) {
        return consume(
                topic.name(),
                topic.keySerde().deserializer(),
                topic.valueSerde().deserializer(),
                count,
                timeout);
    }

    public List<ConsumerRecord<byte[], byte[]>> consumeRaw(
            String topic, int count, Duration timeout) {
        return consume(
                topic, new ByteArrayDeserializer(), new ByteArrayDeserializer(), count, timeout);
    }

    public <K, V> List<ConsumerRecord<K, V>> consume(
            String topic,
            Deserializer<K> keys,
            Deserializer<V> values,
            int count,
            Duration timeout) {
        List<ConsumerRecord<K, V>> records = new ArrayList<>();
        try (KafkaConsumer<K, V> consumer =
                new KafkaConsumer<>(
                        consumerProperties("test-" + UUID.randomUUID()), keys, values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
        }
        if (records.size() < count) {
            throw new AssertionError(
                    "Expected "
                            + count
                            + " records on "
                            + topic
                            + " within "
                            + timeout.toMillis()
                            + " ms, got "
                            + records.size());
        }
        return records;
    }
}
