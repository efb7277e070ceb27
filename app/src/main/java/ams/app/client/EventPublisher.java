package ams.app.client;

import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.media.MediaEvent;
import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes events to their topics, keyed as DESIGN.md says (agentId, conversationId, agentId), and
 * waits for the broker's acknowledgement so a caller knows the event is in the log. Idempotent
 * producer, acks=all: a retried send never duplicates a record.
 */
public final class EventPublisher implements AutoCloseable {

    private static final long SEND_TIMEOUT_MS = 30_000;

    private final TopicCatalogue topics;
    private final KafkaProducer<String, byte[]> producer;

    public EventPublisher(String bootstrapServers, TopicCatalogue topics) {
        this.topics = topics;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "ams-publisher");
        this.producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    public TopicCatalogue topics() {
        return topics;
    }

    public RecordMetadata publish(AgentEvent event) {
        return send(topics.agentEvents(), event.getAgentId(), event);
    }

    public RecordMetadata publish(ConversationEvent event) {
        return send(topics.conversationEvents(), event.getConversationId(), event);
    }

    public RecordMetadata publish(KnowledgeEvent event) {
        return send(topics.knowledgeEvents(), event.getAgentId(), event);
    }

    public RecordMetadata publish(MediaEvent event) {
        return send(topics.mediaEvents(), event.getSha256(), event);
    }

    private <V> RecordMetadata send(Topic<String, V> topic, String key, V event) {
        byte[] value = topic.valueSerde().serializer().serialize(topic.name(), event);
        try {
            return producer.send(new ProducerRecord<>(topic.name(), key, value))
                    .get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("Interrupted while publishing to " + topic.name(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new PublishException(
                    "Could not publish to " + topic.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }

    /** The broker did not take the event (unreachable, timed out); nothing was written. */
    public static final class PublishException extends RuntimeException {
        public PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
