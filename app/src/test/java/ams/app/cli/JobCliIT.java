package ams.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.Ams;
import ams.app.client.AmsClient;
import ams.app.client.EventPublisher;
import ams.app.client.RestClient;
import ams.app.rest.ProxyRoutes;
import ams.app.rest.RestConfig;
import ams.app.rest.RestServer;
import ams.conversations.AgentProfile;
import ams.conversations.ConversationConfig;
import ams.conversations.ConversationOrchestrator;
import ams.events.topics.TopicCatalogue;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Batch jobs end to end over REST, the {@code ams job} CLI and {@code AmsClient}, directly on the
 * orchestrator's routes and through an API process that proxies to them: submit (JSON Lines and
 * YAML files, a cartesian body), watch, status, list, cancel, and the 4xx answers to bad specs.
 */
@ExtendWith(KafkaClusterExtension.class)
class JobCliIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path state;
    @TempDir Path files;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void submitsWatchesListsAndCancelsJobs(TestKafka kafka) throws Exception {
        TopicCatalogue topics = kafka.newCatalogue(2);
        try (ConversationOrchestrator orchestrator =
                        ConversationOrchestrator.start(
                                new ConversationConfig(config(kafka, topics)),
                                this::agent,
                                (agentId, query, k) -> List.of());
                EventPublisher publisher = new EventPublisher(kafka.bootstrapServers(), topics);
                Admin admin = kafka.admin();
                RestServer system =
                        RestServer.start(
                                RestConfig.loopback(0),
                                publisher,
                                admin,
                                List.of(),
                                List.of(orchestrator::registerRoutes));
                RestServer api =
                        RestServer.start(
                                RestConfig.loopback(0),
                                publisher,
                                admin,
                                List.of(),
                                List.of(
                                        new ProxyRoutes(
                                                        new ProxyRoutes.Upstreams(
                                                                null,
                                                                null,
                                                                "http://127.0.0.1:" + system.port(),
                                                                null))
                                                ::register))) {
            String direct = "http://127.0.0.1:" + system.port();
            String proxied = "http://127.0.0.1:" + api.port();

            // A JSON Lines file through the proxy, watched to the end.
            Path jsonl =
                    Files.writeString(
                            files.resolve("jobs.jsonl"),
                            """
                            {"agents": ["a", "b"], "topic": "tides", "num_turns": 2}

                            {"agents": ["b", "a"], "topic": "moons", "num_turns": 2, "seed": 3}
                            {"agents": ["a"], "topic": "alone", "num_turns": 1}
                            """);
            assertEquals(
                    0,
                    ams(
                            proxied,
                            "job",
                            "submit",
                            jsonl.toString(),
                            "--job-id",
                            "lines",
                            "--concurrency",
                            "2",
                            "--watch",
                            "--timeout",
                            "PT120S",
                            "--json"),
                    err.toString());
            JsonNode done = JSON.readTree(out.toString());
            assertEquals("COMPLETED", done.path("status").asText(), out.toString());
            assertEquals(3, done.path("done").asInt());
            assertEquals(5, done.path("turns_done").asInt());
            assertTrue(err.toString().contains("3/3 done"), "the progress bar: " + err);

            out.getBuffer().setLength(0);
            assertEquals(0, ams(direct, "job", "status", "lines"));
            assertTrue(out.toString().startsWith("lines  COMPLETED  3/3 done"), out.toString());
            assertEquals(
                    "COMPLETED",
                    JSON.readTree(
                                    java.net
                                            .URI
                                            .create(direct + "/conversations/lines-000001")
                                            .toURL()
                                            .openStream())
                            .path("status")
                            .asText(),
                    "the job's conversations have deterministic ids");

            // The same submission again is the retry of a lost answer: nothing new starts.
            out.getBuffer().setLength(0);
            assertEquals(
                    0,
                    ams(direct, "job", "submit", jsonl.toString(), "--job-id", "lines", "--json"));
            assertTrue(JSON.readTree(out.toString()).path("already_submitted").asBoolean());

            // Bad specs: a 400 naming the file's line, or the unknown agents.
            Path bad =
                    Files.writeString(
                            files.resolve("bad.jsonl"),
                            "{\"agents\": [\"a\"], \"topic\": \"x\"}\n\n{\"agents\": [\"a\"]}\n");
            err.getBuffer().setLength(0);
            assertNotEquals(0, ams(proxied, "job", "submit", bad.toString()));
            assertTrue(
                    err.toString().contains("bad.jsonl line 3: 'topic' is required"),
                    err.toString());
            Path ghosts =
                    Files.writeString(
                            files.resolve("ghosts.yaml"),
                            """
                            cartesian:
                              count: 4
                              topics: [tides]
                              agent_groups: [[a, ghost], [casper, b]]
                            """);
            err.getBuffer().setLength(0);
            assertNotEquals(0, ams(direct, "job", "submit", ghosts.toString()));
            assertTrue(err.toString().contains("Unknown agents 'casper', 'ghost'"), err.toString());

            // A YAML cartesian job through the CLI.
            Path yaml =
                    Files.writeString(
                            files.resolve("grid.yaml"),
                            """
                            job_id: grid
                            concurrency: 4
                            cartesian:
                              count: 6
                              topics: [tides, moons, comets]
                              agent_groups: [[a, b], [b, a]]
                              num_turns: 1
                              seed: 10
                            """);
            out.getBuffer().setLength(0);
            assertEquals(0, ams(proxied, "job", "submit", yaml.toString()), err.toString());
            assertTrue(
                    out.toString().contains("Job grid submitted: 6 conversations"), out.toString());

            // AmsClient: submit a long job, cancel it, see it stop.
            try (AmsClient client =
                    AmsClient.connect(
                            kafka.bootstrapServers(),
                            proxied,
                            topics.conversationEvents().name().replace("conversation-events", ""),
                            null)) {
                JsonNode grid = client.awaitJob("grid", Duration.ofSeconds(120));
                assertEquals(6, grid.path("done").asInt());
                String id =
                        client.submitJob(
                                JSON.readTree(
                                        """
                                        {"concurrency": 1, "cartesian": {"count": 500,
                                          "topics": ["long"], "agent_groups": [["a", "b"]],
                                          "num_turns": 4}}
                                        """));
                Wait.until(() -> client.job(id).path("done").asInt() >= 1);
                JsonNode cancel = client.cancelJob(id, true);
                assertEquals("CANCEL_REQUESTED", cancel.path("status").asText());
                JsonNode end = client.awaitJob(id, Duration.ofSeconds(120));
                assertEquals("CANCELLED", end.path("status").asText(), end.toString());
                assertTrue(end.path("done").asInt() < 500, end.toString());
                assertTrue(end.path("not_started").asInt() > 0, end.toString());
                assertEquals(0, end.path("running").asInt());
                assertEquals(0, end.path("pending").asInt());
                RestClient.ApiException again =
                        Assertions.assertThrows(
                                RestClient.ApiException.class, () -> client.cancelJob(id, true));
                assertEquals(409, again.status());
                List<String> ids =
                        JSON.readTree(JSON.writeValueAsString(client.jobs().path("jobs")))
                                .findValuesAsText("job_id");
                assertTrue(ids.containsAll(List.of("lines", "grid", id)), ids.toString());
                RestClient.ApiException missing =
                        Assertions.assertThrows(
                                RestClient.ApiException.class, () -> client.job("no-such-job"));
                assertEquals(404, missing.status());
            }
            out.getBuffer().setLength(0);
            assertEquals(0, ams(direct, "job", "list"));
            assertTrue(out.toString().contains("grid  COMPLETED  6/6 done"), out.toString());
        }
    }

    /** Polls without a fixed sleep budget: at most two minutes. */
    private static final class Wait {
        static void until(java.util.function.BooleanSupplier condition) {
            ams.testkit.Wait.until("job progress", Duration.ofSeconds(120), condition);
        }
    }

    private Optional<AgentProfile> agent(String agentId) {
        try {
            return List.of("a", "b").contains(agentId)
                    ? Optional.of(
                            new AgentProfile(
                                    agentId,
                                    agentId.toUpperCase(java.util.Locale.ROOT),
                                    JSON.readTree(TestEvents.minimalConfig(agentId))))
                    : Optional.empty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Map<String, Object> config(TestKafka kafka, TopicCatalogue topics) {
        String prefix = topics.conversationEvents().name().replace("conversation-events", "");
        Map<String, Object> c = new HashMap<>();
        c.put(ConversationConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        c.put(ConversationConfig.TOPIC_PREFIX, prefix);
        c.put(ConversationConfig.TOPIC_PARTITIONS, 2);
        c.put(ConversationConfig.APPLICATION_ID, prefix + "orchestrator");
        c.put(ConversationConfig.STATE_DIR, state.toString());
        c.put(ConversationConfig.HTTP_PORT, FreePorts.next());
        c.put(ConversationConfig.LLM_PROVIDER, "scripted");
        return c;
    }

    private int ams(String base, String... args) {
        CommandLine cli = Ams.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--api";
        all[args.length + 1] = base;
        return cli.execute(all);
    }
}
