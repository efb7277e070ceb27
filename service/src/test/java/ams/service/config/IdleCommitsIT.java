package ams.service.config;

import static org.junit.jupiter.api.Assertions.assertSame;

import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code commit.when.idle.ms} on a real broker: with a commit interval of ten minutes, a processor
 * that has read its input to the end commits within moments, which is what a rebuild's end is read
 * from.
 */
@ExtendWith(KafkaClusterExtension.class)
class IdleCommitsIT {

    private static final int RECORDS = 200;

    @Test
    void aProcessorWhoseInputRunsDryCommitsLongBeforeItsCommitInterval(TestKafka kafka)
            throws Exception {
        String prefix = "idle-" + UUID.randomUUID().toString().substring(0, 8);
        String input = prefix + ".in";
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(input, 2, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer =
                kafka.producer(new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(input, "k" + (i % 17), "v" + i));
            }
            producer.flush();
        }
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .count(Materialized.as("counts"));
        AbstractConfig idle =
                new AbstractConfig(
                        CommonConfig.defineStreams(new ConfigDef()),
                        Map.of(CommonConfig.COMMIT_WHEN_IDLE_MS, "300"));
        Topology topology = CommonConfig.withIdleCommits(builder.build(), idle);

        Path state = Files.createTempDirectory("ams-idle-commits-");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Duration.ofMinutes(10).toMillis());
        props.put("consumer.auto.offset.reset", "earliest");
        try (KafkaStreams streams = new KafkaStreams(topology, props);
                Admin admin = kafka.admin()) {
            streams.start();
            Wait.until(
                    "the group's committed offsets at the end of " + input,
                    Duration.ofSeconds(60),
                    () -> committedAtEnd(admin, prefix, input));
        }
    }

    @Test
    void withoutTheSettingTheTopologyIsLeftAsItIs() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())).to("out");
        Topology topology = builder.build();
        AbstractConfig none =
                new AbstractConfig(CommonConfig.defineStreams(new ConfigDef()), Map.of());
        assertSame(topology, CommonConfig.withIdleCommits(topology, none));
    }

    /**
     * Whether the group's committed offsets on {@code topic} add up to the records produced to it
     * (without transactions, so the log's end offsets are the record counts).
     */
    private static boolean committedAtEnd(Admin admin, String group, String topic) {
        try {
            long committed =
                    admin
                            .listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get(10, TimeUnit.SECONDS)
                            .entrySet()
                            .stream()
                            .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                            .mapToLong(e -> e.getValue().offset())
                            .sum();
            return committed == RECORDS;
        } catch (Exception e) {
            return false;
        }
    }
}
