package ams.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ams.events.agent.AgentEvent;
import ams.events.agent.AgentPromptSet;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.media.MediaEvent;
import ams.events.media.MediaStored;
import ams.events.serde.EventDecodingException;
import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every event type through a real broker with the project's Serde, and bytes from elsewhere. */
@ExtendWith(KafkaClusterExtension.class)
class EventRoundTripIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void everyEventTypeRoundTripsUnchanged(TestKafka kafka) throws Exception {
        TopicCatalogue topics = kafka.newCatalogue(1);
        List<AgentEvent> agentEvents = TestEvents.everyAgentEventType("wizard");
        List<ConversationEvent> conversationEvents = TestEvents.everyConversationEventType("c1");
        List<KnowledgeEvent> knowledgeEvents = TestEvents.everyKnowledgeEventType("wizard");

        produceAll(
                kafka,
                topics.agentEvents(),
                agentEvents.stream()
                        .map(
                                e ->
                                        new ProducerRecord<>(
                                                topics.agentEvents().name(), e.getAgentId(), e))
                        .toList());
        produceAll(
                kafka,
                topics.conversationEvents(),
                conversationEvents.stream()
                        .map(
                                e ->
                                        new ProducerRecord<>(
                                                topics.conversationEvents().name(),
                                                e.getConversationId(),
                                                e))
                        .toList());
        produceAll(
                kafka,
                topics.knowledgeEvents(),
                knowledgeEvents.stream()
                        .map(
                                e ->
                                        new ProducerRecord<>(
                                                topics.knowledgeEvents().name(), e.getAgentId(), e))
                        .toList());

        assertEquals(
                agentEvents,
                values(kafka.consume(topics.agentEvents(), agentEvents.size(), TIMEOUT)));
        assertEquals(
                conversationEvents,
                values(
                        kafka.consume(
                                topics.conversationEvents(), conversationEvents.size(), TIMEOUT)));
        assertEquals(
                knowledgeEvents,
                values(kafka.consume(topics.knowledgeEvents(), knowledgeEvents.size(), TIMEOUT)));
    }

    @Test
    void mediaEventsAndMessagesWithMediaRoundTripUnchanged(TestKafka kafka) throws Exception {
        TopicCatalogue topics = kafka.newCatalogue(1);
        String hash = "ab".repeat(32);
        MediaEvent stored = TestEvents.mediaStored(hash, "image/png", 1234, "cat.png");
        kafka.send(topics.mediaEvents(), hash, stored);
        ConsumerRecord<String, MediaEvent> read =
                kafka.consume(topics.mediaEvents(), 1, TIMEOUT).get(0);
        assertEquals(hash, read.key());
        assertEquals(stored, read.value());

        ConversationEvent plain = TestEvents.everyConversationEventType("c-media").get(2);
        MessageAppended withMedia =
                MessageAppended.newBuilder((MessageAppended) plain.getPayload())
                        .setMedia(List.of(((MediaStored) stored.getPayload()).getMedia()))
                        .build();
        ConversationEvent message = TestEvents.conversationEvent("c-media", withMedia);
        kafka.send(topics.conversationEvents(), "c-media", message);
        assertEquals(
                message, kafka.consume(topics.conversationEvents(), 1, TIMEOUT).get(0).value());
    }

    @Test
    void readsARecordWrittenByPlainAvroFromTheSchemaFileAlone(TestKafka kafka) throws Exception {
        TopicCatalogue topics = kafka.newCatalogue(1);
        Schema schema;
        try (InputStream in =
                getClass().getResourceAsStream("/ams/schema-history/v1/AgentEvent.avsc")) {
            schema = new Schema.Parser().parse(in);
        }
        Schema envelopeSchema = schema.getField("envelope").schema();
        Schema promptSetSchema =
                schema.getField("payload").schema().getTypes().stream()
                        .filter(s -> s.getName().equals("AgentPromptSet"))
                        .findFirst()
                        .orElseThrow();
        GenericRecord envelope = new GenericData.Record(envelopeSchema);
        envelope.put("eventId", UUID.randomUUID().toString());
        envelope.put("occurredAt", 1_700_000_000_000L);
        envelope.put("source", "python-producer");
        GenericRecord payload = new GenericData.Record(promptSetSchema);
        payload.put("promptType", "primeDirective");
        payload.put("text", "Guard the library.");
        GenericRecord event = new GenericData.Record(schema);
        event.put("envelope", envelope);
        event.put("agentId", "librarian");
        event.put("payload", payload);
        ByteBuffer encoded =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(event);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        kafka.sendRaw(topics.agentEvents().name(), "librarian".getBytes(), bytes);

        AgentEvent read = kafka.consume(topics.agentEvents(), 1, TIMEOUT).get(0).value();
        assertEquals("librarian", read.getAgentId());
        assertEquals("python-producer", read.getEnvelope().getSource());
        AgentPromptSet prompt = (AgentPromptSet) read.getPayload();
        assertEquals("primeDirective", prompt.getPromptType());
        assertEquals("Guard the library.", prompt.getText());
    }

    @Test
    void randomBytesOnATopicRaiseTheTypedDecodingError(TestKafka kafka) {
        TopicCatalogue topics = kafka.newCatalogue(1);
        byte[] garbage = new byte[128];
        new Random(42).nextBytes(garbage);
        garbage[0] = 0x7B; // '{': someone sent JSON-ish bytes
        kafka.sendRaw(topics.knowledgeEvents().name(), "k".getBytes(), garbage);

        byte[] value = kafka.consumeRaw(topics.knowledgeEvents().name(), 1, TIMEOUT).get(0).value();
        EventDecodingException error =
                assertThrows(
                        EventDecodingException.class,
                        () ->
                                topics.knowledgeEvents()
                                        .valueSerde()
                                        .deserializer()
                                        .deserialize(topics.knowledgeEvents().name(), value));
        assertEquals(EventDecodingException.Kind.NOT_SINGLE_OBJECT_ENCODING, error.kind());
        assertEquals("ams.events.knowledge.KnowledgeEvent", error.expectedRecord());
    }

    private static <V> void produceAll(
            TestKafka kafka, Topic<String, V> topic, List<ProducerRecord<String, V>> records)
            throws Exception {
        try (KafkaProducer<String, V> producer = kafka.producer(topic)) {
            for (ProducerRecord<String, V> record : records) {
                producer.send(record).get();
            }
        }
    }

    private static <V> List<V> values(List<ConsumerRecord<String, V>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }
}
