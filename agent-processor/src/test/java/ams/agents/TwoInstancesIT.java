package ams.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of one application in one JVM: either answers for every key; one dies, the other
 * takes over. The second takes forwarded queries on its forward port ({@code forward.port}), the
 * first on its HTTP port: both ways of forwarding are in every answer checked.
 */
@ExtendWith(KafkaClusterExtension.class)
class TwoInstancesIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    void shouldAnswerForEveryKeyFromEitherInstanceAndSurviveTheLossOfOne(
            TestKafka kafka, @TempDir Path stateA, @TempDir Path stateB) {
        TopicCatalogue catalogue = kafka.newCatalogue(4);
        String application = "agents-two-" + System.nanoTime();
        Map<String, Object> standby =
                Map.of(
                        AgentProcessorConfig.NUM_STANDBY_REPLICAS,
                        1,
                        AgentProcessorConfig.PROCESSING_GUARANTEE,
                        "exactly_once_v2");
        List<String> ids = IntStream.range(0, 24).mapToObj(i -> "agent-" + i).toList();
        for (String id : ids) {
            kafka.send(catalogue.agentEvents(), id, TestEvents.agentCreated(id, "Name " + id));
            kafka.send(
                    catalogue.agentEvents(),
                    id,
                    TestEvents.promptSet(id, "llmSystem", "I am " + id));
        }
        kafka.send(
                catalogue.conversationEvents(),
                "c1",
                TestEvents.conversationRequested("c1", "t", 2, "agent-0", "agent-1"));

        RunningProcessor a =
                RunningProcessor.start(
                        kafka.bootstrapServers(), catalogue, application, stateA, standby);
        try (a) {
            int forwardPort = ams.testkit.FreePorts.next();
            Map<String, Object> withForwardPort = new java.util.HashMap<>(standby);
            withForwardPort.put(AgentProcessorConfig.FORWARD_PORT, forwardPort);
            RunningProcessor b =
                    RunningProcessor.start(
                            kafka.bootstrapServers(),
                            catalogue,
                            application,
                            stateB,
                            withForwardPort);
            assertEquals(
                    forwardPort,
                    b.processor().queries().self().port(),
                    "b advertises its forward port as application.server");
            try {
                Wait.until(
                        "both instances own active tasks",
                        TIMEOUT,
                        () ->
                                activeTasks(a.processor().streams()) > 0
                                        && activeTasks(b.processor().streams()) > 0
                                        && a.processor().streams().state()
                                                == KafkaStreams.State.RUNNING
                                        && b.processor().streams().state()
                                                == KafkaStreams.State.RUNNING);
                for (RunningProcessor instance : List.of(a, b)) {
                    assertAllAnswered(instance, ids);
                    assertRoutedAsKafkaStreamsRoutes(instance, ids);
                    assertEquals(
                            ids.size(),
                            instance.get("/agents?limit=100").body().get("total").asLong());
                    List<String> page = new java.util.ArrayList<>();
                    instance.get("/agents?offset=10&limit=5")
                            .body()
                            .get("agents")
                            .forEach(n -> page.add(n.get("agent_id").asText()));
                    assertEquals(
                            ids.stream().sorted().toList().subList(10, 15),
                            page,
                            "a page merged from both instances");
                    // Activity is folded behind a repartition topic (another sub-topology): the
                    // agents being answered
                    // does not imply the conversation was counted yet. Wait for it, then check it
                    // counted once.
                    assertEquals(1, joined(instance, "agent-1"));
                }
                // Some keys live on the other instance, so the answers above went through
                // forwarding.
                String remoteKey =
                        ids.stream()
                                .filter(
                                        id ->
                                                a.processor()
                                                                .queries()
                                                                .locate(
                                                                        AgentTopology.AGENTS_STORE,
                                                                        id)
                                                        instanceof AgentQueries.There)
                                .findFirst()
                                .orElseThrow();
                AgentQueries javaApi = a.processor().queries();
                assertEquals(
                        2,
                        javaApi.agent(remoteKey).orElseThrow().version(),
                        "the Java API routes too");
                assertEquals(2, javaApi.history(remoteKey).orElseThrow().events().size());
                assertEquals(
                        ids.size(), javaApi.agents(AgentViews.AgentFilter.all(), 0, 100).total());
                Wait.until(
                        "standby replicas are placed",
                        TIMEOUT,
                        () -> standbyTasks(a.processor().streams()) > 0);
            } finally {
                // "Kill" b: stop without leaving the group, so a learns of it only through the
                // session timeout.
                b.kill();
            }
            // Until the group notices, a still routes b's keys to b, which does not answer: a clear
            // 503, never a 500.
            java.util.Set<Integer> statuses = new java.util.TreeSet<>();
            Wait.until(
                    "the survivor answers for every key",
                    TIMEOUT,
                    () -> {
                        for (String id : ids) {
                            RunningProcessor.Response response = a.get("/agents/" + id);
                            statuses.add(response.status());
                            if (response.status() != 200) {
                                assertTrue(response.body().get("error").asText().length() > 0);
                                return false;
                            }
                        }
                        return true;
                    });
            assertEquals(
                    java.util.Set.of(200, 503),
                    statuses,
                    "while b's partitions move, its keys answer 503, then 200");
            assertAllAnswered(a, ids);
            assertEquals(ids.size(), a.get("/agents?limit=100").body().get("total").asLong());
            assertEquals(1, joined(a, "agent-1"));
            assertEquals(0, standbyTasks(a.processor().streams()));
        }
    }

    /**
     * The router's cached owners (a key hashed locally, the partition's owner from its table) agree
     * with Kafka Streams' own lookup for every key of every store (waited for only in case a
     * rebalance lands between the two lookups).
     */
    private static void assertRoutedAsKafkaStreamsRoutes(
            RunningProcessor instance, List<String> ids) {
        AgentQueries queries = instance.processor().queries();
        KafkaStreams streams = instance.processor().streams();
        Wait.until(
                "port " + instance.port() + " routes every key as Kafka Streams does",
                TIMEOUT,
                () -> {
                    for (String store :
                            List.of(
                                    AgentTopology.AGENTS_STORE,
                                    AgentTopology.HISTORY_STORE,
                                    AgentTopology.ACTIVITY_STORE)) {
                        for (String id : ids) {
                            AgentQueries.Location ours = queries.locate(store, id);
                            var kafka =
                                    streams.queryMetadataForKey(
                                            store,
                                            id,
                                            org.apache.kafka.common.serialization.Serdes.String()
                                                    .serializer());
                            AgentQueries.Location expected =
                                    kafka.activeHost().equals(queries.self())
                                            ? new AgentQueries.Here(kafka.partition())
                                            : new AgentQueries.There(kafka.activeHost());
                            if (!expected.equals(ours)) {
                                return false;
                            }
                        }
                    }
                    return true;
                });
    }

    private static void assertAllAnswered(RunningProcessor instance, List<String> ids) {
        for (String id : ids) {
            RunningProcessor.Response response =
                    Wait.untilValue(
                            id + " from port " + instance.port(),
                            TIMEOUT,
                            () -> {
                                RunningProcessor.Response r = instance.get("/agents/" + id);
                                return r.status() == 200 && r.body().get("version").asLong() == 2
                                        ? r
                                        : null;
                            });
            assertEquals(
                    "I am " + id,
                    response.body().at("/config/prompt_config/agent/llmSystem").asText());
        }
    }

    /**
     * The conversations an agent joined, once its activity is there (a 503 while a store moves is
     * waited out too).
     */
    private static long joined(RunningProcessor instance, String agentId) {
        return Wait.untilValue(
                agentId + "'s activity from port " + instance.port(),
                TIMEOUT,
                () -> {
                    RunningProcessor.Response r = instance.get("/agents/" + agentId + "/activity");
                    long joined =
                            r.status() == 200 ? r.body().get("conversations_joined").asLong() : 0;
                    return joined > 0 ? joined : null;
                });
    }

    private static int activeTasks(KafkaStreams streams) {
        return streams.metadataForLocalThreads().stream()
                .mapToInt(t -> t.activeTasks().size())
                .sum();
    }

    private static int standbyTasks(KafkaStreams streams) {
        return streams.metadataForLocalThreads().stream()
                .map(ThreadMetadata::standbyTasks)
                .mapToInt(java.util.Set::size)
                .sum();
    }
}
