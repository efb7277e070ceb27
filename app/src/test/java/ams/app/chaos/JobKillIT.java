package ams.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.JobIds;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job of 200 conversations whose orchestrator is killed with -9 twice, at different points of the
 * job, completes exactly 200 conversations, each requested once and completed once on the log: the
 * driver's position is in its store, written in the same transaction as the requests it makes.
 */
@ExtendWith(KafkaClusterExtension.class)
class JobKillIT {

    private static final Duration WAIT = Duration.ofSeconds(300);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void shouldCompleteEveryConversationOfAJobExactlyOnceAcrossTwoKills(
            TestKafka kafka, @TempDir Path tmp) throws Exception {
        String prefix = "jobkill-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicCatalogue catalogue = new TopicCatalogue(prefix, 3, (short) 1);
        try (Admin admin = kafka.admin()) {
            new TopicProvisioner(admin, 30_000).provision(catalogue);
        }
        int agentsPort = FreePorts.next();
        int orchestratorPort = FreePorts.next();
        Map<String, String> common =
                Map.of(
                        "AMS_BOOTSTRAP_SERVERS",
                        kafka.bootstrapServers(),
                        "AMS_TOPIC_PREFIX",
                        prefix,
                        "AMS_HTTP_HOST",
                        "127.0.0.1");
        Map<String, String> agentsEnv = new HashMap<>(common);
        agentsEnv.put("AMS_HTTP_PORT", Integer.toString(agentsPort));
        agentsEnv.put("AMS_STATE_DIR", tmp.resolve("agents").toString());
        agentsEnv.put("AMS_AGENTS_APPLICATION_ID", prefix + "agent-processor");
        Map<String, String> orchestratorEnv = new HashMap<>(common);
        orchestratorEnv.put("AMS_HTTP_PORT", Integer.toString(orchestratorPort));
        orchestratorEnv.put("AMS_STATE_DIR", tmp.resolve("orchestrator").toString());
        orchestratorEnv.put("AMS_APPLICATION_ID", prefix + "conversation-orchestrator");
        orchestratorEnv.put("AMS_INSTANCE_ID", "jobkill-1");
        orchestratorEnv.put("AMS_AGENTS_BASE_URL", "http://127.0.0.1:" + agentsPort);
        // No knowledge indexer runs: the agents below do not retrieve (EMBEDDING_FLAG false).
        orchestratorEnv.put("AMS_KNOWLEDGE_BASE_URL", "http://127.0.0.1:" + agentsPort);
        orchestratorEnv.put("AMS_LLM_PROVIDER", "scripted");
        try (ProcessSupervisor supervisor =
                new ProcessSupervisor(Path.of("target", "job-kill", prefix))) {
            supervisor.start(
                    new ProcessSupervisor.Service(
                            "agent-processor",
                            "ams.agents.AgentProcessorMain",
                            List.of(),
                            agentsEnv,
                            List.of(),
                            agentsPort,
                            "/agents/healthcheck"));
            supervisor.start(
                    new ProcessSupervisor.Service(
                            "conversation-orchestrator",
                            "ams.conversations.ConversationOrchestratorMain",
                            List.of(),
                            orchestratorEnv,
                            List.of(),
                            orchestratorPort,
                            "/conversations/healthcheck"));
            for (String agent : List.of("teacher", "student")) {
                String config =
                        TestEvents.minimalConfig(agent)
                                .replace(
                                        "\"LLM_SYSTEM_PROMPT_FLAG\":true",
                                        "\"LLM_SYSTEM_PROMPT_FLAG\":true,\"EMBEDDING_FLAG\":false");
                kafka.send(
                        catalogue.agentEvents(),
                        agent,
                        TestEvents.agentCreated(agent, agent, config));
            }
            String base = "http://127.0.0.1:" + orchestratorPort;
            Wait.until(
                    "agents served",
                    WAIT,
                    () ->
                            status("http://127.0.0.1:" + agentsPort + "/agents/student") == 200
                                    && status(base + "/jobs") == 200);
            String job =
                    """
                    {"job_id": "kill2", "concurrency": 16, "cartesian": {"count": 200,
                      "topics": ["fractions", "photosynthesis", "tides", "gravity", "verbs"],
                      "agent_groups": [["teacher", "student"], ["student", "teacher"]],
                      "num_turns": 2, "provider": "scripted", "seed": 7}}
                    """;
            assertEquals(202, post(base + "/jobs", job).statusCode());

            for (int killAt : List.of(40, 120)) {
                JsonNode before = awaitEnded(supervisor, base, killAt);
                assertEquals("RUNNING", before.path("status").asText(), "killed mid-job");
                supervisor.killAndRestart("conversation-orchestrator");
            }
            JsonNode end = awaitEnded(supervisor, base, 200);

            assertEquals("COMPLETED", end.path("status").asText(), end.toString());
            assertEquals(200, end.path("done").asInt(), end.toString());
            assertEquals(0, end.path("failed").asInt());
            assertEquals(400, end.path("turns_done").asInt());
            assertEquals(Map.of("conversation-orchestrator", 2), supervisor.kills());

            Map<String, Integer> requested = new TreeMap<>();
            Map<String, Integer> completed = new TreeMap<>();
            Map<String, List<Integer>> turns = new TreeMap<>();
            for (ConversationEvent e : readLog(kafka, catalogue)) {
                String id = e.getConversationId();
                if (e.getPayload() instanceof ConversationRequested) {
                    requested.merge(id, 1, Integer::sum);
                    assertEquals("kill2", e.getEnvelope().getCorrelationId());
                } else if (e.getPayload() instanceof ConversationCompleted) {
                    completed.merge(id, 1, Integer::sum);
                } else if (e.getPayload() instanceof MessageAppended m) {
                    turns.computeIfAbsent(id, k -> new ArrayList<>()).add(m.getTurnNumber());
                }
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                expected.add(JobIds.conversationId("kill2", i));
            }
            assertEquals(expected, List.copyOf(requested.keySet()));
            assertTrue(requested.values().stream().allMatch(n -> n == 1), "requested once");
            assertEquals(expected, List.copyOf(completed.keySet()));
            assertTrue(completed.values().stream().allMatch(n -> n == 1), "completed once");
            assertTrue(
                    turns.values().stream().allMatch(t -> t.equals(List.of(0, 1))),
                    "every conversation has turns 0 and 1, once each");
        }
    }

    /** Waits until at least {@code ended} conversations of the job have ended. */
    private static JsonNode awaitEnded(ProcessSupervisor supervisor, String base, int ended) {
        JsonNode[] last = new JsonNode[1];
        Wait.until(
                ended + " conversations of the job ended",
                WAIT,
                () -> {
                    supervisor.restartExited();
                    HttpResponse<String> r = get(base + "/jobs/kill2");
                    if (r == null || r.statusCode() != 200) {
                        return false;
                    }
                    try {
                        last[0] = JSON.readTree(r.body());
                    } catch (java.io.IOException e) {
                        return false;
                    }
                    int n =
                            last[0].path("done").asInt()
                                    + last[0].path("failed").asInt()
                                    + last[0].path("cancelled").asInt();
                    return n >= ended;
                });
        return last[0];
    }

    private static List<ConversationEvent> readLog(TestKafka kafka, TopicCatalogue catalogue) {
        List<ConversationEvent> out = new ArrayList<>();
        try (KafkaConsumer<String, ConversationEvent> consumer =
                new KafkaConsumer<>(
                        kafka.consumerProperties("audit-" + UUID.randomUUID()),
                        new StringDeserializer(),
                        catalogue.conversationEvents().valueSerde().deserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(catalogue.conversationEvents().name())
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, ConversationEvent> r :
                        consumer.poll(Duration.ofMillis(500))) {
                    out.add(r.value());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("log not read to its end in 60 s");
                }
            }
        }
        return out;
    }

    private static int status(String url) {
        HttpResponse<String> r = get(url);
        return r == null ? -1 : r.statusCode();
    }

    private static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
