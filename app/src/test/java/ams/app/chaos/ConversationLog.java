package ams.app.chaos;

import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.topics.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Follows {@code conversation-events} from the beginning as a read_committed reader (what every
 * consumer of the log sees) and keeps, per conversation, every MessageAppended and the terminal
 * event. Records that do not decode (the bad-input load) are counted and skipped.
 */
final class ConversationLog implements AutoCloseable {

    /** One committed MessageAppended. */
    record Message(
            String conversationId,
            int turn,
            String agentId,
            String content,
            int partition,
            long offset) {}

    /** What the log says about one conversation. */
    static final class Conversation {
        int requests;
        final TreeMap<Integer, List<Message>> turns = new TreeMap<>();
        String status;
        String reason;
        int terminalEvents;
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Deserializer<ConversationEvent> values;
    private final Thread thread;
    private final Map<String, Conversation> conversations = new HashMap<>();
    private final String bootstrap;
    private final List<TopicPartition> partitions;
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private long records;
    private long undecodable;
    private volatile RuntimeException failure;

    ConversationLog(String bootstrap, Topic<String, ConversationEvent> topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        this.bootstrap = bootstrap;
        this.consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.partitions =
                consumer.partitionsFor(topic.name()).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.values = topic.valueSerde().deserializer();
        this.thread = new Thread(this::follow, "chaos-log-reader");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void follow() {
        try {
            while (true) {
                for (ConsumerRecord<byte[], byte[]> record :
                        consumer.poll(Duration.ofMillis(500))) {
                    apply(record);
                }
                Map<TopicPartition, Long> now = new HashMap<>();
                for (TopicPartition partition : partitions) {
                    now.put(partition, consumer.position(partition));
                }
                synchronized (this) {
                    positions.putAll(now);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        ConversationEvent event;
        try {
            event = values.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            event = null;
        }
        synchronized (this) {
            records++;
            if (event == null) {
                undecodable++;
                return;
            }
            Conversation c =
                    conversations.computeIfAbsent(
                            event.getConversationId(), id -> new Conversation());
            Object payload = event.getPayload();
            if (payload instanceof ConversationRequested) {
                c.requests++;
            } else if (payload instanceof MessageAppended m) {
                c.turns
                        .computeIfAbsent(m.getTurnNumber(), t -> new ArrayList<>())
                        .add(
                                new Message(
                                        event.getConversationId(),
                                        m.getTurnNumber(),
                                        m.getAgentId(),
                                        m.getContent(),
                                        record.partition(),
                                        record.offset()));
            } else if (payload instanceof ConversationCompleted completed) {
                terminal(c, "COMPLETED", completed.getReason());
            } else if (payload instanceof ConversationFailed failed) {
                terminal(c, "FAILED", failed.getReason());
            } else if (payload instanceof ConversationCancelled cancelled) {
                terminal(c, "CANCELLED", String.valueOf(cancelled.getReason()));
            }
        }
    }

    private static void terminal(Conversation c, String status, String reason) {
        c.terminalEvents++;
        if (c.status == null) {
            c.status = status;
            c.reason = reason;
        }
    }

    synchronized int terminal(List<String> ids) {
        check();
        return (int)
                ids.stream()
                        .filter(
                                id ->
                                        conversations.containsKey(id)
                                                && conversations.get(id).status != null)
                        .count();
    }

    synchronized Conversation conversation(String id) {
        check();
        return conversations.get(id);
    }

    /** Every committed message of the given conversations, in log order per partition. */
    synchronized List<Message> messages(List<String> ids) {
        check();
        List<Message> all = new ArrayList<>();
        for (String id : ids) {
            Conversation c = conversations.get(id);
            if (c != null) {
                c.turns.values().forEach(all::addAll);
            }
        }
        return all;
    }

    synchronized long records() {
        return records;
    }

    synchronized long undecodable() {
        return undecodable;
    }

    /** Waits until this reader has reached the current end of every partition. */
    void awaitCaughtUp(Duration timeout) throws InterruptedException {
        Map<TopicPartition, Long> end;
        try (KafkaConsumer<byte[], byte[]> probe =
                new KafkaConsumer<>(
                        Map.<String, Object>of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrap,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            end = probe.endOffsets(partitions);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean caughtUp = true;
            synchronized (this) {
                check();
                for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                    Long position = positions.get(e.getKey());
                    if (position == null || position < e.getValue()) {
                        caughtUp = false;
                    }
                }
            }
            if (caughtUp) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the log reader did not reach the end of the log in " + timeout);
            }
            Thread.sleep(200);
        }
    }

    private void check() {
        if (failure != null) {
            throw new IllegalStateException("the log reader failed: " + failure, failure);
        }
    }

    @Override
    public void close() {
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
    }
}
