package ams.conversations.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.TurnRequested;
import ams.events.topics.TopicCatalogue;
import ams.testkit.TestEvents;
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

class ConversationTopologyTest {

    @TempDir Path state;

    @Test
    void shouldEmitOneTurnPerTurnIgnoreDuplicatesAndDeadLetterWhatItCannotApply() {
        TopicCatalogue catalogue = new TopicCatalogue("x.", 1, (short) 1);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        try (TopologyTestDriver driver =
                new TopologyTestDriver(
                        ConversationTopology.buildTopology(
                                catalogue, "conversation-orchestrator", Duration.ofSeconds(1)),
                        props)) {
            var in = catalogue.conversationEvents();
            Topics topics = Topics.of(driver, catalogue);
            TestInputTopic<String, ConversationEvent> input = topics.input();
            TestOutputTopic<String, ConversationEvent> output = topics.output();
            TestOutputTopic<byte[], DeadLetter> deadLetters = topics.deadLetters();

            input.pipeInput("c", TestEvents.conversationRequested("c", "t", 3, "a", "b"));
            input.pipeInput("c", TestEvents.messageAppended("c", 0, "a", "one"));
            input.pipeInput("c", TestEvents.messageAppended("c", 0, "a", "one again"));
            input.pipeInput("c", TestEvents.messageAppended("c", 2, "a", "too early"));
            input.pipeInput("ghost", TestEvents.messageAppended("ghost", 0, "a", "who?"));
            driver.createInputTopic(in.name(), new ByteArraySerializer(), new ByteArraySerializer())
                    .pipeInput("c".getBytes(), new byte[] {1, 2, 3});

            List<Integer> turns =
                    output.readValuesToList().stream()
                            .map(ConversationEvent::getPayload)
                            .filter(TurnRequested.class::isInstance)
                            .map(p -> ((TurnRequested) p).getTurnNumber())
                            .toList();
            assertEquals(List.of(0, 1), turns, "the duplicate answer to turn 0 requests nothing");
            List<DeadLetter> letters = deadLetters.readValuesToList();
            assertEquals(
                    List.of(
                            DeadLetterReason.INVALID_EVENT,
                            DeadLetterReason.INVALID_EVENT,
                            DeadLetterReason.UNDECODABLE),
                    letters.stream().map(DeadLetter::getReason).toList());
            ConversationState s =
                    driver.<String, ConversationState>getKeyValueStore(
                                    ConversationTopology.CONVERSATIONS_STORE)
                            .get("c");
            assertEquals(1, s.turnsDone());
            assertEquals(
                    "one",
                    driver.<String, StoredMessage>getKeyValueStore(
                                    ConversationTopology.MESSAGES_STORE)
                            .get(StoredMessage.key("c", 0))
                            .content());
        }
    }

    @Test
    void shouldKeepATerminationExpressionInTheStoreAndEndByIt() {
        TopicCatalogue catalogue = new TopicCatalogue("x.", 1, (short) 1);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        try (TopologyTestDriver driver =
                new TopologyTestDriver(
                        ConversationTopology.buildTopology(
                                catalogue, "conversation-orchestrator", Duration.ofSeconds(1)),
                        props)) {
            TestInputTopic<String, ConversationEvent> input = Topics.of(driver, catalogue).input();
            ConversationEvent request =
                    TestEvents.conversationEvent(
                            "c",
                            ams.events.conversation.ConversationRequested.newBuilder(
                                            (ams.events.conversation.ConversationRequested)
                                                    TestEvents.conversationRequested(
                                                                    "c", "t", 9, "a", "b")
                                                            .getPayload())
                                    .setTermination(
                                            ams.events.conversation.Termination.newBuilder()
                                                    .setExpression("speaker('b')")
                                                    .build())
                                    .build());
            input.pipeInput("c", request);
            var store =
                    driver.<String, ConversationState>getKeyValueStore(
                            ConversationTopology.CONVERSATIONS_STORE);
            assertEquals("speaker('b')", store.get("c").termination());
            input.pipeInput("c", TestEvents.messageAppended("c", 0, "a", "one"));
            input.pipeInput("c", TestEvents.messageAppended("c", 1, "b", "two"));
            assertEquals("condition: speaker('b')", store.get("c").reason());
            assertEquals(2, store.get("c").turnsDone());
        }
    }

    @Test
    void shouldStartAConversationOnceWhenItsRequestReachesTheLogTwice() {
        TopicCatalogue catalogue = new TopicCatalogue("x.", 1, (short) 1);
        try (TopologyTestDriver driver =
                new TopologyTestDriver(
                        ConversationTopology.buildTopology(
                                catalogue, "conversation-orchestrator", Duration.ofSeconds(1)),
                        props("retry"))) {
            Topics topics = Topics.of(driver, catalogue);
            TestInputTopic<String, ConversationEvent> input = topics.input();
            TestOutputTopic<String, ConversationEvent> output = topics.output();
            TestOutputTopic<byte[], DeadLetter> deadLetters = topics.deadLetters();

            // A client retried a request whose answer it lost; both copies reached the log.
            input.pipeInput("c", TestEvents.conversationRequested("c", "t", 2, "a", "b"));
            input.pipeInput("c", TestEvents.conversationRequested("c", "t", 2, "a", "b"));
            input.pipeInput("c", TestEvents.messageAppended("c", 0, "a", "one"));
            input.pipeInput("c", TestEvents.conversationRequested("c", "t", 2, "a", "b"));
            input.pipeInput(
                    "c", TestEvents.conversationRequested("c", "another topic", 2, "a", "b"));

            List<Integer> turns =
                    output.readValuesToList().stream()
                            .map(ConversationEvent::getPayload)
                            .filter(TurnRequested.class::isInstance)
                            .map(p -> ((TurnRequested) p).getTurnNumber())
                            .toList();
            assertEquals(
                    List.of(0, 1),
                    turns,
                    "each turn requested once, however often the request came");
            List<DeadLetter> letters = deadLetters.readValuesToList();
            assertEquals(
                    1,
                    letters.size(),
                    "only the different request under the same id is refused: " + letters);
            assertTrue(
                    letters.get(0).getDetail().contains("different topic"),
                    letters.get(0).getDetail());
            ConversationState s =
                    driver.<String, ConversationState>getKeyValueStore(
                                    ConversationTopology.CONVERSATIONS_STORE)
                            .get("c");
            assertEquals(Status.RUNNING, s.status());
            assertEquals(1, s.turnsDone());
        }
    }

    @Test
    void shouldResumeAFailedConversationOnceAndReplayItWithoutWriting() {
        TopicCatalogue catalogue = new TopicCatalogue("x.", 1, (short) 1);
        List<ConversationEvent> log = new java.util.ArrayList<>();
        try (TopologyTestDriver driver =
                new TopologyTestDriver(
                        ConversationTopology.buildTopology(
                                catalogue, "conversation-orchestrator", Duration.ofSeconds(1)),
                        props("resume"))) {
            Topics topics = Topics.of(driver, catalogue);
            TestInputTopic<String, ConversationEvent> input = topics.input();
            TestOutputTopic<String, ConversationEvent> output = topics.output();
            TestOutputTopic<byte[], DeadLetter> deadLetters = topics.deadLetters();
            log.add(TestEvents.conversationRequested("c", "t", 2, "a", "b"));
            log.add(TestEvents.messageAppended("c", 0, "a", "one"));
            log.add(
                    TestEvents.conversationEvent(
                            "c",
                            ams.events.conversation.TurnFailed.newBuilder()
                                    .setTurnNumber(1)
                                    .setSpeakerAgentId("b")
                                    .setAttempt(3)
                                    .setReason("500")
                                    .setRetriable(false)
                                    .build()));
            log.add(resumeRequest("c", 1));
            log.add(TestEvents.messageAppended("c", 1, "b", "two"));
            log.add(resumeRequest("c", 2));
            log.forEach(e -> input.pipeInput("c", e));

            List<Object> emitted =
                    output.readValuesToList().stream().map(ConversationEvent::getPayload).toList();
            List<Integer> turns =
                    emitted.stream()
                            .filter(TurnRequested.class::isInstance)
                            .map(p -> ((TurnRequested) p).getTurnNumber())
                            .toList();
            assertEquals(
                    List.of(0, 1, 1),
                    turns,
                    "turn 1 requested again on resume, nothing after the completion");
            assertEquals(
                    1,
                    emitted.stream()
                            .filter(ams.events.conversation.ConversationCompleted.class::isInstance)
                            .count());
            assertEquals(
                    List.of(),
                    deadLetters.readValuesToList(),
                    "a resume of a completed conversation is no dead letter");
            ConversationState s =
                    driver.<String, ConversationState>getKeyValueStore(
                                    ConversationTopology.CONVERSATIONS_STORE)
                            .get("c");
            assertEquals(Status.COMPLETED, s.status());
            assertEquals(2, s.turnsDone());
        }
        try (TopologyTestDriver replay =
                new TopologyTestDriver(
                        ConversationTopology.buildTopology(
                                catalogue,
                                "conversation-orchestrator",
                                Duration.ofSeconds(1),
                                true),
                        props("replay"))) {
            Topics topics = Topics.of(replay, catalogue);
            TestInputTopic<String, ConversationEvent> input = topics.input();
            TestOutputTopic<String, ConversationEvent> output = topics.output();
            log.forEach(e -> input.pipeInput("c", e));
            assertTrue(output.isEmpty(), "read-only replay writes nothing, resumes included");
            ConversationState s =
                    replay.<String, ConversationState>getKeyValueStore(
                                    ConversationTopology.CONVERSATIONS_STORE)
                            .get("c");
            assertEquals(Status.COMPLETED, s.status());
            assertEquals(2, s.turnsDone());
        }
    }

    /** The conversation-events topic in and out of a driven topology, and its dead letters. */
    private record Topics(
            TestInputTopic<String, ConversationEvent> input,
            TestOutputTopic<String, ConversationEvent> output,
            TestOutputTopic<byte[], DeadLetter> deadLetters) {

        static Topics of(TopologyTestDriver driver, TopicCatalogue catalogue) {
            var in = catalogue.conversationEvents();
            return new Topics(
                    driver.createInputTopic(
                            in.name(), in.keySerde().serializer(), in.valueSerde().serializer()),
                    driver.createOutputTopic(
                            in.name(),
                            in.keySerde().deserializer(),
                            in.valueSerde().deserializer()),
                    driver.createOutputTopic(
                            catalogue.deadLetters().name(),
                            catalogue.deadLetters().keySerde().deserializer(),
                            catalogue.deadLetters().valueSerde().deserializer()));
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
        return ConversationEvent.newBuilder()
                .setEnvelope(ams.events.Envelopes.create("rest", java.time.Instant.now()))
                .setConversationId(id)
                .setPayload(
                        TurnRequested.newBuilder()
                                .setTurnNumber(turn)
                                .setSpeakerAgentId("b")
                                .build())
                .build();
    }

    @Test
    void shouldPublishAPersonsTimeoutOnceAndApplyItWhenReadBack() {
        TopicCatalogue catalogue = new TopicCatalogue("x.", 1, (short) 1);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        try (TopologyTestDriver driver =
                new TopologyTestDriver(
                        ConversationTopology.buildTopology(
                                catalogue, "conversation-orchestrator", Duration.ofMillis(100)),
                        props)) {
            Topics topics = Topics.of(driver, catalogue);
            TestInputTopic<String, ConversationEvent> input = topics.input();
            TestOutputTopic<String, ConversationEvent> output = topics.output();
            ams.events.conversation.ConversationRequested base =
                    (ams.events.conversation.ConversationRequested)
                            TestEvents.conversationRequested("c", "t", 9, "a", "b").getPayload();
            input.pipeInput(
                    "c",
                    TestEvents.conversationEvent(
                            "c",
                            ams.events.conversation.ConversationRequested.newBuilder(base)
                                    .setHumanParticipants(List.of("alice"))
                                    .setHumanTurns(
                                            ams.events.conversation.HumanTurns.newBuilder()
                                                    .setTimeoutMillis(60_000)
                                                    .setOnTimeout(
                                                            ams.events.conversation
                                                                    .HumanTimeoutAction.SKIP)
                                                    .build())
                                    .build()));
            assertEquals(
                    "alice", ((TurnRequested) output.readValue().getPayload()).getSpeakerAgentId());
            driver.advanceWallClockTime(Duration.ofSeconds(30));
            assertTrue(output.isEmpty(), "not before the timeout");
            driver.advanceWallClockTime(Duration.ofSeconds(40));
            // The test driver feeds the topic's output back into its input, as the log does.
            List<ConversationEvent> decided = output.readValuesToList();
            assertEquals(2, decided.size(), decided.toString());
            var skipped = (ams.events.conversation.TurnSkipped) decided.get(0).getPayload();
            assertEquals(0, skipped.getTurnNumber());
            assertEquals("alice", skipped.getSpeakerAgentId());
            TurnRequested next = (TurnRequested) decided.get(1).getPayload();
            assertEquals(1, next.getTurnNumber(), "applied when read back: the next turn");
            assertEquals("a", next.getSpeakerAgentId());
            var store =
                    driver.<String, ConversationState>getKeyValueStore(
                            ConversationTopology.CONVERSATIONS_STORE);
            assertEquals(1, store.get("c").turnsDone());
            driver.advanceWallClockTime(Duration.ofSeconds(120));
            assertTrue(output.isEmpty(), "published once; an agent's turn awaits nobody");
        }
    }
}
