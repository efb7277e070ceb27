package ams.conversations.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ams.conversations.http.JobRequest;
import ams.conversations.statemachine.ConversationTopology;
import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.Envelopes;
import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.job.JobCancelled;
import ams.events.job.JobEvent;
import ams.events.job.JobSpecsAdded;
import ams.events.job.JobSubmitted;
import ams.events.topics.TopicCatalogue;
import ams.testkit.TestEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobTopologyTest {

    @TempDir Path state;

    @Test
    void shouldDriveACartesianJobWithBoundedConcurrencyAndStartEachConversationOnce() {
        TopicCatalogue catalogue = new TopicCatalogue("x.", 2, (short) 1);
        try (TopologyTestDriver driver = driver(catalogue, "cartesian")) {
            var jobs = jobInput(driver, catalogue);
            var conversations = conversationInput(driver, catalogue);
            var out = conversationOutput(driver, catalogue);
            JobPlan plan =
                    JobRequest.fromJson(
                            """
                            {"job_id": "j", "concurrency": 2, "cartesian": {"count": 4,
                              "topics": ["t1", "t2"], "agent_groups": [["a", "b"]], "seed": 1}}
                            """);
            jobs.pipeInput(
                    "j",
                    job(
                            "j",
                            JobSubmitted.newBuilder()
                                    .setTotal(4)
                                    .setConcurrency(2)
                                    .setCartesian(plan.cartesian())
                                    .build()));
            assertEquals(List.of("j-000000", "j-000001"), requested(out));

            conversations.pipeInput(
                    "j-000000", TestEvents.messageAppended("j-000000", 0, "a", "hi"));
            conversations.pipeInput("j-000000", TestEvents.completed("j-000000", 1));
            conversations.pipeInput("j-000000", TestEvents.completed("j-000000", 1));
            conversations.pipeInput("j-000000", TestEvents.cancelled("j-000000"));
            assertEquals(List.of("j-000002"), requested(out), "one slot freed, once");

            conversations.pipeInput("j-000001", TestEvents.failed("j-000001", "model down"));
            conversations.pipeInput("j-000002", TestEvents.completed("j-000002", 3));
            assertEquals(List.of("j-000003"), requested(out));
            conversations.pipeInput("j-000003", TestEvents.completed("j-000003", 3));
            assertEquals(List.of(), requested(out));

            JobState s = driver.<String, JobState>getKeyValueStore(JobTopology.JOBS_STORE).get("j");
            assertEquals("COMPLETED", s.status());
            assertEquals(3, s.done());
            assertEquals(1, s.failed());
            assertEquals(1, s.turnsDone());
            // a re-submission of the same job is a no-op
            jobs.pipeInput(
                    "j",
                    job(
                            "j",
                            JobSubmitted.newBuilder()
                                    .setTotal(4)
                                    .setConcurrency(2)
                                    .setCartesian(plan.cartesian())
                                    .build()));
            assertEquals(List.of(), requested(out));
        }
    }

    @Test
    void shouldDriveAListedJobAndCancelItsRunningConversations() {
        TopicCatalogue catalogue = new TopicCatalogue("x.", 1, (short) 1);
        try (TopologyTestDriver driver = driver(catalogue, "listed")) {
            var jobs = jobInput(driver, catalogue);
            var conversations = conversationInput(driver, catalogue);
            var out = conversationOutput(driver, catalogue);
            JobPlan plan =
                    JobRequest.fromJson(
                            """
                            {"job_id": "k", "concurrency": 2, "conversations": [
                              {"agents": ["a"], "topic": "first"},
                              {"agents": ["b"], "topic": "second"},
                              {"agents": ["c"], "topic": "third"}]}
                            """);
            jobs.pipeInput(
                    "k",
                    job(
                            "k",
                            JobSpecsAdded.newBuilder()
                                    .setFirstIndex(0)
                                    .setConversations(plan.listed())
                                    .build()));
            jobs.pipeInput(
                    "k", job("k", JobSubmitted.newBuilder().setTotal(3).setConcurrency(2).build()));
            List<ConversationEvent> first = out.readValuesToList();
            List<ConversationRequested> started =
                    first.stream()
                            .map(ConversationEvent::getPayload)
                            .filter(ConversationRequested.class::isInstance)
                            .map(ConversationRequested.class::cast)
                            .toList();
            assertEquals(
                    List.of("first", "second"),
                    started.stream().map(ConversationRequested::getTopic).toList());
            assertEquals(
                    "k",
                    first.stream()
                            .filter(e -> e.getPayload() instanceof ConversationRequested)
                            .findFirst()
                            .orElseThrow()
                            .getEnvelope()
                            .getCorrelationId());

            jobs.pipeInput(
                    "k",
                    job(
                            "k",
                            JobCancelled.newBuilder()
                                    .setReason("stop")
                                    .setCancelRunning(true)
                                    .build()));
            List<String> cancelled =
                    out.readValuesToList().stream()
                            .filter(e -> e.getPayload() instanceof ConversationCancelled)
                            .map(ConversationEvent::getConversationId)
                            .toList();
            assertEquals(List.of("k-000000", "k-000001"), cancelled);
            // the topology read its own cancels back through conversation-events
            JobState s = driver.<String, JobState>getKeyValueStore(JobTopology.JOBS_STORE).get("k");
            assertEquals("CANCELLED", s.status());
            assertEquals(2, s.cancelled());
            assertEquals(1, s.pending());
            assertNull(
                    driver.<String, byte[]>getKeyValueStore(JobTopology.SPECS_STORE)
                            .get(JobTopology.specKey("k", 2)),
                    "a finished job's list is dropped");
            conversations.pipeInput("k-000000", TestEvents.completed("k-000000", 1));
            assertEquals(List.of(), requested(out));
        }
    }

    @Test
    void shouldDeadLetterAJobWhoseListIsIncompleteOrKeyIsWrong() {
        TopicCatalogue catalogue = new TopicCatalogue("x.", 1, (short) 1);
        try (TopologyTestDriver driver = driver(catalogue, "bad")) {
            var jobs = jobInput(driver, catalogue);
            var letters =
                    driver.createOutputTopic(
                            catalogue.deadLetters().name(),
                            catalogue.deadLetters().keySerde().deserializer(),
                            catalogue.deadLetters().valueSerde().deserializer());
            jobs.pipeInput(
                    "m", job("m", JobSubmitted.newBuilder().setTotal(3).setConcurrency(1).build()));
            jobs.pipeInput("other", job("m", JobCancelled.newBuilder().setReason("x").build()));
            jobs.pipeInput("none", job("none", JobCancelled.newBuilder().setReason("x").build()));
            List<DeadLetter> out = letters.readValuesToList();
            assertEquals(3, out.size());
            out.forEach(l -> assertEquals(DeadLetterReason.INVALID_EVENT, l.getReason()));
            assertNull(driver.<String, JobState>getKeyValueStore(JobTopology.JOBS_STORE).get("m"));
        }
    }

    private TopologyTestDriver driver(TopicCatalogue catalogue, String application) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.resolve(application).toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        return new TopologyTestDriver(
                ConversationTopology.buildTopology(
                        catalogue, "conversation-orchestrator", Duration.ofSeconds(1)),
                props);
    }

    private static List<String> requested(TestOutputTopic<String, ConversationEvent> out) {
        return out.readValuesToList().stream()
                .filter(e -> e.getPayload() instanceof ConversationRequested)
                .map(ConversationEvent::getConversationId)
                .toList();
    }

    private static JobEvent job(String jobId, Object payload) {
        return JobEvent.newBuilder()
                .setEnvelope(Envelopes.create("test"))
                .setJobId(jobId)
                .setPayload(payload)
                .build();
    }

    private static TestInputTopic<String, JobEvent> jobInput(
            TopologyTestDriver driver, TopicCatalogue catalogue) {
        var t = catalogue.jobEvents();
        return driver.createInputTopic(
                t.name(), t.keySerde().serializer(), t.valueSerde().serializer());
    }

    private static TestInputTopic<String, ConversationEvent> conversationInput(
            TopologyTestDriver driver, TopicCatalogue catalogue) {
        var t = catalogue.conversationEvents();
        return driver.createInputTopic(
                t.name(), t.keySerde().serializer(), t.valueSerde().serializer());
    }

    private static TestOutputTopic<String, ConversationEvent> conversationOutput(
            TopologyTestDriver driver, TopicCatalogue catalogue) {
        var t = catalogue.conversationEvents();
        return driver.createOutputTopic(
                t.name(), t.keySerde().deserializer(), t.valueSerde().deserializer());
    }
}
