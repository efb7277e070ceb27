package ams.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.ConversationStream;
import ams.app.client.RestClient;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestrator, as its own JVM, is killed with -9 while a client follows a turn's reply
 * streaming from the model: the client's stream breaks off, it reconnects from the last message it
 * had once the orchestrator is back, and the conversation ends with exactly one MessageAppended per
 * turn on the log; the killed attempt's text is in no message, and the tokens the reconnected
 * client sees add up to the stored messages.
 */
@ExtendWith(KafkaClusterExtension.class)
class StreamKillIT {

    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldWriteOneMessageForATurnWhoseProcessWasKilledMidStream(
            TestKafka kafka, @TempDir Path tmp) throws Exception {
        String prefix = "streamkill-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicCatalogue catalogue = new TopicCatalogue(prefix, 2, (short) 1);
        try (Admin admin = kafka.admin()) {
            new TopicProvisioner(admin, 30_000).provision(catalogue);
        }
        AtomicInteger calls = new AtomicInteger();
        int agentsPort = FreePorts.next();
        int orchestratorPort = FreePorts.next();
        try (FakeOpenAiServer fake =
                        FakeOpenAiServer.start()
                                .respondWith(
                                        r -> {
                                            int n = calls.incrementAndGet();
                                            // The second call (turn 1's first attempt) streams
                                            // slowly: the process is killed in the middle of it.
                                            return n == 2
                                                    ? Reply.text(words("Killed", 60))
                                                            .chunksEvery(Duration.ofMillis(150))
                                                    : Reply.text(words("Answer " + n, 6))
                                                            .chunksEvery(Duration.ofMillis(20));
                                        });
                ProcessSupervisor supervisor =
                        new ProcessSupervisor(Path.of("target", "stream-kill", prefix))) {
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
            orchestratorEnv.put("AMS_INSTANCE_ID", "streamkill-1");
            orchestratorEnv.put("AMS_AGENTS_BASE_URL", "http://127.0.0.1:" + agentsPort);
            // No knowledge indexer runs: the agents below do not retrieve (EMBEDDING_FLAG false).
            orchestratorEnv.put("AMS_KNOWLEDGE_BASE_URL", "http://127.0.0.1:" + agentsPort);
            orchestratorEnv.put("AMS_LLM_PROVIDER", "openai");
            orchestratorEnv.put("AMS_LLM_BASE_URL", fake.baseUrl());
            orchestratorEnv.put("AMS_LLM_MODEL", FakeOpenAiServer.MODEL);
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
            RestClient client = new RestClient(base, null);
            Wait.until(
                    "agents served",
                    WAIT,
                    () -> {
                        try {
                            // Both: they may sit on different partitions, folded in any order.
                            RestClient agents =
                                    new RestClient("http://127.0.0.1:" + agentsPort, null);
                            agents.get("/agents/teacher");
                            agents.get("/agents/student");
                            client.get("/jobs");
                            return true;
                        } catch (RestClient.ApiException e) {
                            return false;
                        }
                    });
            String id = "streamkill-conv";
            ObjectNode request = JSON.createObjectNode();
            request.put("conversation_id", id);
            request.putArray("agents").add("teacher").add("student");
            request.put("topic", "tides");
            request.put("num_turns", 3);
            client.postIdempotent("/conversations/generate", request);

            Recorder before = new Recorder();
            ConversationStream first = open(client, id, -1, before);
            Wait.until(
                    "turn 1 to be streaming",
                    WAIT,
                    () ->
                            before.tokens(1).size() >= 3
                                    || before.closedWith.get() != null
                                    || first.ended());
            assertTrue(before.tokens(1).size() >= 3, "turn 1 streamed: " + before.events);
            supervisor.killAndRestart("conversation-orchestrator");
            first.closed().get(60, TimeUnit.SECONDS);
            assertNotNull(before.closedWith.get(), "the stream broke off with its process");
            assertFalse(first.ended());
            assertTrue(
                    before.events.stream()
                            .noneMatch(
                                    e ->
                                            e.name().equals("message")
                                                    && e.data().path("turn_number").asInt() == 1),
                    "turn 1 had no message when its process died");

            // Reconnect from the last message had, as a client does, once the process is back.
            Recorder after = new Recorder();
            ConversationStream second = open(client, id, first.lastIndex(), after);
            second.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(second.ended(), "the reconnected stream saw the end: " + after.events);

            List<JsonNode> stored = new ArrayList<>();
            client.get("/conversations/" + id + "/messages").path("messages").forEach(stored::add);
            assertEquals(3, stored.size());
            assertTrue(
                    stored.stream().noneMatch(m -> m.path("content").asText().startsWith("Killed")),
                    "the killed attempt's text is in no message: " + stored);
            assertEquals(
                    stored.subList(first.lastIndex() + 1, 3).stream()
                            .map(m -> m.path("message_id").asText())
                            .toList(),
                    after.events.stream()
                            .filter(e -> e.name().equals("message"))
                            .map(e -> e.data().path("message_id").asText())
                            .toList(),
                    "the reconnected client got exactly the messages it did not have");
            for (JsonNode m : stored.subList(first.lastIndex() + 1, 3)) {
                int turn = m.path("turn_number").asInt();
                String text = after.textAfterLastReset(turn);
                if (!after.tokens(turn).isEmpty()) {
                    assertEquals(m.path("content").asText(), text, "turn " + turn);
                }
            }

            assertEquals(
                    List.of(0, 1, 2),
                    messagesOnTheLog(kafka, catalogue, id),
                    "exactly one MessageAppended per turn, the killed one included");
            assertEquals(Map.of("conversation-orchestrator", 1), supervisor.kills());
        }
    }

    private static String words(String prefix, int n) {
        StringBuilder text = new StringBuilder(prefix);
        for (int i = 1; i <= n; i++) {
            text.append(" w").append(i);
        }
        return text.toString();
    }

    /** Opens the stream, waiting while the conversation or the process is not there yet. */
    private static ConversationStream open(
            RestClient client, String id, int after, Recorder recorder) {
        AtomicReference<ConversationStream> opened = new AtomicReference<>();
        Wait.until(
                "the stream of " + id + " to open",
                WAIT,
                () -> {
                    try {
                        opened.set(client.streamConversation(id, after, recorder));
                        return true;
                    } catch (RestClient.ApiException e) {
                        if (e.status() != 404 && e.status() != 0 && e.status() != 503) {
                            throw e;
                        }
                        return false;
                    }
                });
        return opened.get();
    }

    private static List<Integer> messagesOnTheLog(
            TestKafka kafka, TopicCatalogue catalogue, String id) {
        List<Integer> turns = new ArrayList<>();
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
                    if (r.value().getConversationId().equals(id)
                            && r.value().getPayload() instanceof MessageAppended m) {
                        turns.add(m.getTurnNumber());
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("log not read to its end in 60 s");
                }
            }
        }
        return turns;
    }

    /** Every event of one connection, and how it ended. */
    private static final class Recorder implements ConversationStream.Listener {
        final List<ConversationStream.Event> events = new CopyOnWriteArrayList<>();
        final AtomicReference<Throwable> closedWith = new AtomicReference<>();

        @Override
        public void onEvent(ConversationStream.Event event) {
            events.add(event);
        }

        @Override
        public void onClosed(Throwable error) {
            closedWith.set(error);
        }

        List<String> tokens(int turn) {
            return events.stream()
                    .filter(
                            e ->
                                    e.name().equals("token")
                                            && e.data().path("turn_number").asInt() == turn)
                    .map(e -> e.data().path("text").asText())
                    .toList();
        }

        String textAfterLastReset(int turn) {
            StringBuilder text = new StringBuilder();
            for (ConversationStream.Event e : events) {
                if (e.data().path("turn_number").asInt(-1) != turn) {
                    continue;
                }
                if (e.name().equals("turn_reset")) {
                    text.setLength(0);
                } else if (e.name().equals("token")) {
                    text.append(e.data().path("text").asText());
                }
            }
            return text.toString();
        }
    }
}
