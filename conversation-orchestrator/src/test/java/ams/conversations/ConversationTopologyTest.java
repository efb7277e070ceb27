package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.TurnRequested;
import ams.events.topics.TopicCatalogue;
import ams.testkit.TestEvents;

class ConversationTopologyTest {

    @TempDir
    Path state;

    @Test
    void shouldEmitOneTurnPerTurnIgnoreDuplicatesAndDeadLetterWhatItCannotApply() {
        TopicCatalogue catalogue = new TopicCatalogue("x.", 1, (short) 1);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        try (TopologyTestDriver driver = new TopologyTestDriver(
                ConversationTopology.buildTopology(catalogue, "conversation-orchestrator", Duration.ofSeconds(1)), props)) {
            var in = catalogue.conversationEvents();
            TestInputTopic<String, ConversationEvent> input = driver.createInputTopic(in.name(), in.keySerde().serializer(),
                    in.valueSerde().serializer());
            TestOutputTopic<String, ConversationEvent> output = driver.createOutputTopic(in.name(), in.keySerde().deserializer(),
                    in.valueSerde().deserializer());
            TestOutputTopic<byte[], DeadLetter> deadLetters = driver.createOutputTopic(catalogue.deadLetters().name(),
                    catalogue.deadLetters().keySerde().deserializer(), catalogue.deadLetters().valueSerde().deserializer());

            input.pipeInput("c", TestEvents.conversationRequested("c", "t", 3, "a", "b"));
            input.pipeInput("c", TestEvents.messageAppended("c", 0, "a", "one"));
            input.pipeInput("c", TestEvents.messageAppended("c", 0, "a", "one again"));
            input.pipeInput("c", TestEvents.messageAppended("c", 2, "a", "too early"));
            input.pipeInput("ghost", TestEvents.messageAppended("ghost", 0, "a", "who?"));
            driver.createInputTopic(in.name(), new ByteArraySerializer(), new ByteArraySerializer())
                    .pipeInput("c".getBytes(), new byte[] {1, 2, 3});

            List<Integer> turns = output.readValuesToList().stream().map(ConversationEvent::getPayload)
                    .filter(TurnRequested.class::isInstance).map(p -> ((TurnRequested) p).getTurnNumber()).toList();
            assertEquals(List.of(0, 1), turns, "the duplicate answer to turn 0 requests nothing");
            List<DeadLetter> letters = deadLetters.readValuesToList();
            assertEquals(List.of(DeadLetterReason.INVALID_EVENT, DeadLetterReason.INVALID_EVENT, DeadLetterReason.UNDECODABLE),
                    letters.stream().map(DeadLetter::getReason).toList());
            ConversationState s = driver.<String, ConversationState>getKeyValueStore(ConversationTopology.CONVERSATIONS_STORE).get("c");
            assertEquals(1, s.turnsDone());
            assertEquals("one", driver.<String, StoredMessage>getKeyValueStore(ConversationTopology.MESSAGES_STORE)
                    .get(StoredMessage.key("c", 0)).content());
        }
    }

    @Test
    void shouldResumeAFailedConversationOnceAndReplayItWithoutWriting() {
        TopicCatalogue catalogue = new TopicCatalogue("x.", 1, (short) 1);
        var in = catalogue.conversationEvents();
        List<ConversationEvent> log = new java.util.ArrayList<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(
                ConversationTopology.buildTopology(catalogue, "conversation-orchestrator", Duration.ofSeconds(1)), props("resume"))) {
            TestInputTopic<String, ConversationEvent> input = driver.createInputTopic(in.name(), in.keySerde().serializer(),
                    in.valueSerde().serializer());
            TestOutputTopic<String, ConversationEvent> output = driver.createOutputTopic(in.name(), in.keySerde().deserializer(),
                    in.valueSerde().deserializer());
            TestOutputTopic<byte[], DeadLetter> deadLetters = driver.createOutputTopic(catalogue.deadLetters().name(),
                    catalogue.deadLetters().keySerde().deserializer(), catalogue.deadLetters().valueSerde().deserializer());
            log.add(TestEvents.conversationRequested("c", "t", 2, "a", "b"));
            log.add(TestEvents.messageAppended("c", 0, "a", "one"));
            log.add(TestEvents.conversationEvent("c", ams.events.conversation.TurnFailed.newBuilder().setTurnNumber(1)
                    .setSpeakerAgentId("b").setAttempt(3).setReason("500").setRetriable(false).build()));
            log.add(resumeRequest("c", 1));
            log.add(TestEvents.messageAppended("c", 1, "b", "two"));
            log.add(resumeRequest("c", 2));
            log.forEach(e -> input.pipeInput("c", e));

            List<Object> emitted = output.readValuesToList().stream().map(ConversationEvent::getPayload).toList();
            List<Integer> turns = emitted.stream().filter(TurnRequested.class::isInstance)
                    .map(p -> ((TurnRequested) p).getTurnNumber()).toList();
            assertEquals(List.of(0, 1, 1), turns, "turn 1 requested again on resume, nothing after the completion");
            assertEquals(1, emitted.stream().filter(ams.events.conversation.ConversationCompleted.class::isInstance).count());
            assertEquals(List.of(), deadLetters.readValuesToList(), "a resume of a completed conversation is no dead letter");
            ConversationState s = driver.<String, ConversationState>getKeyValueStore(ConversationTopology.CONVERSATIONS_STORE).get("c");
            assertEquals(Status.COMPLETED, s.status());
            assertEquals(2, s.turnsDone());
        }
        try (TopologyTestDriver replay = new TopologyTestDriver(
                ConversationTopology.buildTopology(catalogue, "conversation-orchestrator", Duration.ofSeconds(1), true), props("replay"))) {
            TestInputTopic<String, ConversationEvent> input = replay.createInputTopic(in.name(), in.keySerde().serializer(),
                    in.valueSerde().serializer());
            TestOutputTopic<String, ConversationEvent> output = replay.createOutputTopic(in.name(), in.keySerde().deserializer(),
                    in.valueSerde().deserializer());
            log.forEach(e -> input.pipeInput("c", e));
            assertTrue(output.isEmpty(), "read-only replay writes nothing, resumes included");
            ConversationState s = replay.<String, ConversationState>getKeyValueStore(ConversationTopology.CONVERSATIONS_STORE).get("c");
            assertEquals(Status.COMPLETED, s.status());
            assertEquals(2, s.turnsDone());
        }
    }

    private Properties props(String application) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.resolve(application).toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        return props;
    }

    private static ConversationEvent resumeRequest(String id, int turn) {
        return ConversationEvent.newBuilder().setEnvelope(ams.events.Envelopes.create("rest", java.time.Instant.now()))
                .setConversationId(id).setPayload(TurnRequested.newBuilder().setTurnNumber(turn).setSpeakerAgentId("b").build())
                .build();
    }
}
