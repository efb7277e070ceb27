package ams.conversations;

import ams.conversations.media.MessageMedia;
import ams.events.Envelopes;
import ams.events.MediaRef;
import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.conversation.TurnRequested;
import ams.events.topics.Topic;
import ams.service.http.ServiceUnavailableException;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes the events that users cause (start, cancel, resume, a human message); the state machine
 * does the rest.
 */
public final class ConversationCommands implements AutoCloseable {

    public static final String SOURCE = "rest";

    private final Topic<String, ConversationEvent> topic;
    private final KafkaProducer<String, ConversationEvent> producer;

    public ConversationCommands(String bootstrapServers, Topic<String, ConversationEvent> topic) {
        this.topic = topic;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producer =
                new KafkaProducer<>(
                        p, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /** Publishes the request; returns its event id ({@code GET /events/{event_id}}: its fate). */
    public String request(String conversationId, ConversationRequested request) {
        return send(conversationId, request);
    }

    /** Publishes a cancel; returns its event id. */
    public String cancel(String conversationId, String reason, String requestedBy) {
        return send(
                conversationId,
                ConversationCancelled.newBuilder()
                        .setReason(reason)
                        .setRequestedBy(requestedBy)
                        .build());
    }

    /**
     * A resume request: a TurnRequested for the pending turn published by us, not by the
     * orchestrator, which the state machine reads as "resume from here" (FAILED → RUNNING, or
     * re-request a stuck turn). Returns its event id.
     */
    public String resume(String conversationId, int turnNumber, String speakerAgentId) {
        return send(
                conversationId,
                TurnRequested.newBuilder()
                        .setTurnNumber(turnNumber)
                        .setSpeakerAgentId(speakerAgentId)
                        .setAttempt(1)
                        .build());
    }

    /**
     * A human's message (role user); {@code turnNumber} is the turn it precedes. Returns its
     * messageId.
     */
    public String humanMessage(
            String conversationId,
            String author,
            String content,
            int turnNumber,
            String sessionId) {
        return humanMessage(conversationId, author, content, turnNumber, sessionId, List.of())
                .messageId();
    }

    /** A published human message: its message id and the event id of its fate. */
    public record PublishedMessage(String messageId, String eventId) {}

    /**
     * A human's message carrying media by reference: the typed {@code media} field, and the same
     * references under {@code metadata.media} so the stored messages and their readers show them
     * without a store change.
     */
    public PublishedMessage humanMessage(
            String conversationId,
            String author,
            String content,
            int turnNumber,
            String sessionId,
            List<MediaRef> media) {
        String messageId = UUID.randomUUID().toString();
        String eventId =
                send(
                        conversationId,
                        MessageAppended.newBuilder()
                                .setTurnNumber(turnNumber)
                                .setMessageId(messageId)
                                .setAgentId(author)
                                .setRole(MessageRole.USER)
                                .setContent(content)
                                .setSessionId(sessionId)
                                .setKnowledgeIds(List.of())
                                .setMedia(media)
                                .setMessageType(MessageMedia.messageType(media))
                                .setMetadataJson(MessageMedia.metadataJson(media))
                                .build());
        return new PublishedMessage(messageId, eventId);
    }

    /** Publishes the event; returns its id. */
    private String send(String conversationId, Object payload) {
        ConversationEvent event =
                ConversationEvent.newBuilder()
                        .setEnvelope(Envelopes.create(SOURCE, Instant.now()))
                        .setConversationId(conversationId)
                        .setPayload(payload)
                        .build();
        try {
            producer.send(new ProducerRecord<>(topic.name(), conversationId, event))
                    .get(30, TimeUnit.SECONDS);
            return event.getEnvelope().getEventId().toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailableException(
                    "Interrupted while publishing to " + topic.name(), e);
        } catch (ExecutionException | TimeoutException e) {
            // The broker is out of reach: the request may be sent again (503), it is not a bug.
            throw new ServiceUnavailableException(
                    "Cannot publish to " + topic.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
