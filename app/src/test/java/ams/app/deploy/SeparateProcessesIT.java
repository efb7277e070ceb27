package ams.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.topics.TopicCatalogue;
import ams.testkit.ChildJvm;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment of docker-compose.yml without Docker: the {@code topics} job and the four
 * processors as separate JVMs on the embedded broker, each with its service's environment from the
 * compose file (only addresses, ports and directories replaced by local ones). Agents and a
 * conversation go in as events; the conversation must complete through the orchestrator (which
 * reaches the agent-processor and the knowledge-indexer over HTTP) and land in the exporter's
 * JSONL.
 */
@ExtendWith(KafkaClusterExtension.class)
class SeparateProcessesIT {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);
    private static final int TURNS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every process gets the system's API token: each port must refuse a call without it. */
    private static final String TOKEN = "sep-token-" + UUID.randomUUID();

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final ComposeFile compose = ComposeFile.load();
    private final Map<String, Service> services = new LinkedHashMap<>();

    @Test
    void shouldGenerateAndExportAConversationAcrossSeparateProcesses(
            TestKafka kafka, @TempDir Path tmp) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String prefix = "sep-" + run + ".";
        Path logs = Path.of("target", "separate-processes", run);
        Files.createDirectories(logs);
        Path datasets = tmp.resolve("datasets");
        int agentsPort = FreePorts.next();
        int knowledgePort = FreePorts.next();
        int conversationsPort = FreePorts.next();
        int exporterPort = FreePorts.next();
        try {
            // The compose file's one-shot topics job, with the local broker and this test's prefix.
            List<String> topicsArgs = new ArrayList<>(compose.command("topics"));
            replaceOption(topicsArgs, "--bootstrap", kafka.bootstrapServers());
            replaceOption(topicsArgs, "--topic-prefix", prefix);
            Service topics =
                    start("topics", ams.app.Ams.class.getName(), topicsArgs, Map.of(), logs);
            Wait.until("the topics job exits", START_TIMEOUT, () -> !topics.process.isAlive());
            assertEquals(0, topics.process.exitValue(), "topics job exit code\n" + topics.tail());

            Map<String, String> local =
                    Map.of(
                            "AMS_BOOTSTRAP_SERVERS",
                            kafka.bootstrapServers(),
                            "AMS_TOPIC_PREFIX",
                            prefix,
                            "AMS_HTTP_HOST",
                            "127.0.0.1");
            startProcessor(
                    "agent-processor",
                    agentsPort,
                    logs,
                    local,
                    Map.of(
                            "AMS_HTTP_ADVERTISED_HOST",
                            "127.0.0.1",
                            "AMS_STATE_DIR",
                            tmp.resolve("state-agents").toString(),
                            "AMS_AGENTS_APPLICATION_ID",
                            "sep-agents-" + run));
            startProcessor(
                    "knowledge-indexer",
                    knowledgePort,
                    logs,
                    local,
                    Map.of("AMS_STATE_DIR", tmp.resolve("state-knowledge").toString()),
                    // application.id has no AMS_* variable; its main reads -D overrides of config
                    // keys.
                    "-Dapplication.id=sep-knowledge-" + run);
            startProcessor(
                    "conversation-orchestrator",
                    conversationsPort,
                    logs,
                    local,
                    Map.of(
                            "AMS_STATE_DIR", tmp.resolve("state-conversations").toString(),
                            "AMS_APPLICATION_ID", "sep-conversations-" + run,
                            "AMS_INSTANCE_ID", "sep-" + run,
                            "AMS_AGENTS_BASE_URL", "http://127.0.0.1:" + agentsPort,
                            "AMS_KNOWLEDGE_BASE_URL", "http://127.0.0.1:" + knowledgePort,
                            "AMS_LLM_PROVIDER", "scripted"));
            startProcessor(
                    "exporter",
                    exporterPort,
                    logs,
                    local,
                    Map.of(
                            "AMS_DATASET_ROOT",
                            datasets.toString(),
                            "AMS_EXPORTER_GROUP_ID",
                            "sep-exporter-" + run,
                            "AMS_EXPORTER_ROTATE_INTERVAL_MS",
                            "1000"));

            // Ready when every service's HTTP routes answer (the compose healthchecks' probes).
            awaitAnswer(
                    "agent-processor", "http://127.0.0.1:" + agentsPort + "/agents/healthcheck");
            awaitAnswer(
                    "knowledge-indexer",
                    "http://127.0.0.1:" + knowledgePort + "/agents/healthcheck/knowledge");
            awaitAnswer(
                    "conversation-orchestrator",
                    "http://127.0.0.1:" + conversationsPort + "/conversations/healthcheck");
            awaitAnswer("exporter", "http://127.0.0.1:" + exporterPort + "/exporter/status");

            // Every processor's port refuses a call without the token (a real route each), so no
            // port is a way around the API's check; /health stays open for liveness probes.
            for (String url :
                    List.of(
                            "http://127.0.0.1:" + agentsPort + "/agents",
                            "http://127.0.0.1:" + knowledgePort + "/agents/x/knowledge",
                            "http://127.0.0.1:" + conversationsPort + "/conversations",
                            "http://127.0.0.1:" + exporterPort + "/exporter/status")) {
                HttpResponse<String> refused = get(url, false);
                assertEquals(
                        401, refused.statusCode(), url + " without a token: " + refused.body());
                assertEquals(
                        401,
                        HTTP.send(
                                        HttpRequest.newBuilder(URI.create(url))
                                                .header("Authorization", "Bearer wrong")
                                                .GET()
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .statusCode(),
                        url + " with a wrong token");
            }

            TopicCatalogue catalogue = new TopicCatalogue(prefix, 3, (short) 1);
            List<String> agents = List.of("ada-" + run, "brian-" + run);
            kafka.send(
                    catalogue.agentEvents(),
                    agents.get(0),
                    TestEvents.agentCreated(agents.get(0), "Ada"));
            kafka.send(
                    catalogue.agentEvents(),
                    agents.get(1),
                    TestEvents.agentCreated(agents.get(1), "Brian"));
            for (String agent : agents) {
                Wait.until(
                        "agent-processor serves " + agent,
                        RUN_TIMEOUT,
                        () -> {
                            assertAlive();
                            return get("http://127.0.0.1:" + agentsPort + "/agents/" + agent)
                                            .statusCode()
                                    == 200;
                        });
            }

            String conversationId = "conv-" + run;
            kafka.send(
                    catalogue.conversationEvents(),
                    conversationId,
                    TestEvents.conversationRequested(
                            conversationId,
                            "separate processes",
                            TURNS,
                            agents.get(0),
                            agents.get(1)));
            String url =
                    "http://127.0.0.1:" + conversationsPort + "/conversations/" + conversationId;
            JsonNode conversation =
                    Wait.untilValue(
                            "conversation " + conversationId + " ends",
                            RUN_TIMEOUT,
                            () -> {
                                assertAlive();
                                HttpResponse<String> response = get(url);
                                if (response.statusCode() != 200) {
                                    return null;
                                }
                                JsonNode state = readTree(response.body());
                                return List.of("COMPLETED", "FAILED", "CANCELLED")
                                                .contains(state.path("status").asText())
                                        ? state
                                        : null;
                            });
            assertEquals(
                    "COMPLETED", conversation.path("status").asText(), conversation.toString());
            assertEquals(TURNS, conversation.path("turns_done").asInt(), conversation.toString());
            JsonNode messages = readTree(get(url + "/messages").body());
            assertEquals(TURNS, messages.path("messages").size(), messages.toString());

            Path chat = datasets.resolve("jsonl").resolve("chat");
            Wait.until(
                    "the exporter wrote " + conversationId + " to " + chat,
                    RUN_TIMEOUT,
                    () -> {
                        assertAlive();
                        return jsonlContains(chat, conversationId);
                    });

            // `ams api` in front of the processes: writes go to Kafka, queries are passed on.
            try (ams.app.client.EventPublisher publisher =
                            new ams.app.client.EventPublisher(kafka.bootstrapServers(), catalogue);
                    org.apache.kafka.clients.admin.Admin admin = kafka.admin();
                    ams.app.rest.RestServer api =
                            ams.app.rest.RestServer.start(
                                    ams.app.rest.RestConfig.loopback(0),
                                    publisher,
                                    admin,
                                    List.of(),
                                    List.of(
                                            new ams.app.rest.ProxyRoutes(
                                                            new ams.app.rest.ProxyRoutes.Upstreams(
                                                                    "http://127.0.0.1:"
                                                                                    + agentsPort,
                                                                            "http://127.0.0.1:"
                                                                                    + knowledgePort,
                                                                    "http://127.0.0.1:"
                                                                                    + conversationsPort,
                                                                            "http://127.0.0.1:"
                                                                                    + exporterPort),
                                                            ams.events.http.BearerToken.of(TOKEN))
                                                    ::register))) {
                String base = "http://127.0.0.1:" + api.port();
                assertEquals(
                        TURNS,
                        readTree(
                                        get(base + "/conversations/" + conversationId + "/messages")
                                                .body())
                                .path("messages")
                                .size());
                assertEquals(200, get(base + "/agents/" + agents.get(0)).statusCode());
                assertEquals(
                        200,
                        get(base + "/agents/" + agents.get(0) + "/knowledge/search?q=anything")
                                .statusCode());
                assertEquals(200, get(base + "/exporter/status").statusCode());
                assertEquals(404, get(base + "/conversations/nobody").statusCode());
            }
        } catch (AssertionError | RuntimeException e) {
            services.values().forEach(s -> System.err.println(s.tail()));
            throw e;
        } finally {
            stopAll();
        }
    }

    /**
     * A processor with its compose service's environment, then the local values, then the test's
     * own.
     */
    private void startProcessor(
            String service,
            int port,
            Path logs,
            Map<String, String> local,
            Map<String, String> own,
            String... jvmArgs)
            throws IOException {
        Map<String, String> env = new LinkedHashMap<>(compose.environment(service));
        env.remove("JAVA_TOOL_OPTIONS");
        env.keySet().removeIf(name -> name.equals("AMS_HTTP_ADVERTISED_HOST"));
        env.putAll(local);
        env.put("AMS_HTTP_PORT", Integer.toString(port));
        env.put("AMS_API_TOKEN", TOKEN);
        env.putAll(own);
        String mainClass = compose.mainClass(service);
        start(service, mainClass, List.of(), env, logs, jvmArgs);
    }

    private Service start(
            String name,
            String mainClass,
            List<String> args,
            Map<String, String> env,
            Path logs,
            String... jvmArgs)
            throws IOException {
        List<String> flags =
                new ArrayList<>(
                        List.of(
                                "-Xmx320m",
                                "-XX:+UseSerialGC",
                                "-XX:TieredStopAtLevel=1",
                                "-Xss512k"));
        flags.addAll(List.of(jvmArgs));
        ProcessBuilder builder = new ProcessBuilder(ChildJvm.command(flags, mainClass, args));
        // Nothing from the test's own environment (e.g. AMS_TEST_BOOTSTRAP) leaks into the
        // services.
        builder.environment()
                .keySet()
                .removeIf(k -> k.startsWith("AMS_") || k.equals("JAVA_TOOL_OPTIONS"));
        builder.environment().putAll(env);
        Path log = logs.resolve(name + ".log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Service service = new Service(name, builder.start(), log);
        services.put(name, service);
        return service;
    }

    private void awaitAnswer(String service, String url) {
        Wait.until(
                service + " answers " + url,
                START_TIMEOUT,
                () -> {
                    assertAlive();
                    try {
                        return get(url).statusCode() < 500;
                    } catch (UncheckedIOException e) {
                        return false; // not listening yet
                    }
                });
    }

    /** A service that exited while the test still needs it fails the test at once, with its log. */
    private void assertAlive() {
        for (Service service : services.values()) {
            if (!service.name.equals("topics") && !service.process.isAlive()) {
                throw new AssertionError(
                        service.name + " exited with " + service.process.exitValue());
            }
        }
    }

    private void stopAll() throws InterruptedException {
        services.values().forEach(s -> s.process.destroy());
        for (Service service : services.values()) {
            if (!service.process.waitFor(20, TimeUnit.SECONDS)) {
                service.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void replaceOption(List<String> args, String option, String value) {
        int i = args.indexOf(option);
        assertTrue(
                i >= 0 && i + 1 < args.size(), "the compose command has " + option + ": " + args);
        args.set(i + 1, value);
    }

    /** A GET with the system's token, as every caller of a processor's port must send it. */
    private static HttpResponse<String> get(String url) {
        return get(url, true);
    }

    private static HttpResponse<String> get(String url, boolean withToken) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (withToken) {
            request.header("Authorization", "Bearer " + TOKEN);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode readTree(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Published chat files ({@code *.jsonl}; files being written have another name) with a line
     * naming the id.
     */
    private static boolean jsonlContains(Path dir, String id) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file :
                    files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.contains("\"" + id + "\"")) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException | UncheckedIOException e) {
            return false; // a file renamed while listing: look again on the next poll
        }
    }

    private record Service(String name, Process process, Path log) {
        String tail() {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                return "---- "
                        + name
                        + " ("
                        + log.toAbsolutePath()
                        + "), last lines ----\n"
                        + String.join(
                                "\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
            } catch (IOException | UncheckedIOException e) {
                return "---- " + name + ": no log (" + e.getMessage() + ")";
            }
        }
    }
}
