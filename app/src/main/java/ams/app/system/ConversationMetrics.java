package ams.app.system;

import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.TurnFailed;
import ams.events.serde.EventDecodingException;
import ams.events.topics.Topic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turn and LLM metrics read from the log itself: every MessageAppended carries its model, latency
 * and token usage, every TurnFailed its attempt; so the numbers hold for turn workers in any
 * process. Counts activity from the moment it starts (it begins at the end of the topic).
 */
final class ConversationMetrics implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConversationMetrics.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Topic<String, ConversationEvent> topic;
    private final MeterRegistry registry;
    private final Thread thread;
    private volatile boolean running = true;

    ConversationMetrics(
            String bootstrapServers,
            Topic<String, ConversationEvent> topic,
            MeterRegistry registry) {
        this.topic = topic;
        this.registry = registry;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "ams-metrics-" + UUID.randomUUID());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "ams-conversation-metrics");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic.name()).stream()
                            .map(p -> new TopicPartition(topic.name(), p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record :
                        consumer.poll(Duration.ofMillis(500))) {
                    record(record);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.warn("Conversation metrics stopped: {}", e.toString());
        } finally {
            consumer.close();
        }
    }

    private void record(ConsumerRecord<byte[], byte[]> record) {
        ConversationEvent event;
        try {
            event = topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (EventDecodingException e) {
            return; // counted as a dead letter by the processors
        }
        if (event == null) {
            return; // a tombstone: dead-lettered by the processors too
        }
        if (event.getPayload() instanceof MessageAppended message
                && message.getLatencyMillis() != null) {
            String model = message.getModel() == null ? "unknown" : message.getModel();
            Counter.builder("ams_turns")
                    .description("Turns answered (rate = turns/s)")
                    .tag("model", model)
                    .register(registry)
                    .increment();
            Timer.builder("ams_llm_latency")
                    .description("Model call latency per answered turn")
                    .tag("model", model)
                    .publishPercentiles(0.5, 0.99)
                    .register(registry)
                    .record(Duration.ofMillis(message.getLatencyMillis()));
            if (message.getUsage() != null) {
                Counter.builder("ams_llm_tokens")
                        .tag("model", model)
                        .tag("estimated", String.valueOf(message.getUsage().getEstimated()))
                        .register(registry)
                        .increment(message.getUsage().getTotalTokens());
            }
        } else if (event.getPayload() instanceof TurnFailed failed) {
            Counter.builder("ams_llm_errors")
                    .description("Failed turn attempts")
                    .tag("retriable", String.valueOf(failed.getRetriable()))
                    .register(registry)
                    .increment();
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
