package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.Ams;
import ams.app.client.AmsClient;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * The whole system in one JVM on the broker, driven through the Java client and every CLI group.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunningSystemIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AmsSystem system;
    private AmsClient client;
    private String prefix;
    private String api;

    @BeforeAll
    void start(TestKafka kafka) throws Exception {
        prefix = "sys-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Path dataDir = Files.createTempDirectory("ams-system-it");
        int port = FreePorts.next();
        system =
                AmsSystem.start(
                        TestSystemSettings.scripted(
                                kafka.bootstrapServers(), prefix, dataDir, port));
        system.awaitReady(Duration.ofMinutes(1));
        api = "http://127.0.0.1:" + port;
        client = AmsClient.connect(kafka.bootstrapServers(), api, prefix, null);
    }

    @AfterAll
    void stop() {
        client.close();
        system.close();
    }

    private String ams(int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Ams.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all =
                java.util.stream.Stream.concat(
                                java.util.Arrays.stream(args),
                                java.util.stream.Stream.of("--api", api))
                        .toArray(String[]::new);
        int exit = cli.execute(all);
        assertEquals(
                expectedExit, exit, String.join(" ", args) + "\nout: " + out + "\nerr: " + err);
        return out.toString();
    }

    @Test
    void javaClientCreatesAnAgentAndGeneratesAConversation() throws Exception {
        client.createAgent("owl", "Owl", TestEvents.minimalConfig("owl"));
        client.createAgent("fox", "Fox", TestEvents.minimalConfig("fox"));
        assertEquals(
                "Owl",
                client.awaitAgent("owl", Duration.ofSeconds(60)).path("agent_name").asText());
        client.awaitAgent("fox", Duration.ofSeconds(60));

        String id = client.generateConversation(List.of("owl", "fox"), "night and day", 4);
        JsonNode state = client.awaitConversation(id, Duration.ofMinutes(1));
        assertEquals("COMPLETED", state.path("status").asText(), state.toString());
        JsonNode messages = client.messages(id).path("messages");
        assertEquals(4, messages.size());
        assertEquals(
                List.of("owl", "fox", "owl", "fox"),
                List.of(
                        messages.get(0).path("agent_id").asText(),
                                messages.get(1).path("agent_id").asText(),
                        messages.get(2).path("agent_id").asText(),
                                messages.get(3).path("agent_id").asText()));
        assertEquals("scripted", messages.get(0).path("model").asText());

        // Turn and LLM metrics come from a consumer of the log of their own, not from the
        // orchestrator's store the
        // wait above read: a turn appears there once that consumer has read its MessageAppended.
        java.net.http.HttpResponse<String> metrics =
                Wait.untilValue(
                        "turn metrics read from the log",
                        Duration.ofSeconds(60),
                        () -> {
                            java.net.http.HttpResponse<String> scrape = scrape("/metrics");
                            return scrape.statusCode() != 200
                                            || scrape.body()
                                                    .contains("ams_turns_total{model=\"scripted\"}")
                                    ? scrape
                                    : null;
                        });
        assertEquals(200, metrics.statusCode());
        assertTrue(
                metrics.body().contains("ams_messages_stored"), metrics.body().substring(0, 500));
        assertTrue(metrics.body().contains("jvm_memory_used_bytes"));
        assertTrue(metrics.body().contains("processor=\"conversation-orchestrator\""));
        assertTrue(
                metrics.body().contains("ams_knowledge_query_embeddings_total{result=\"miss\"}"),
                "the query-embedding cache's counters");
        assertTrue(metrics.body().contains("ams_llm_latency_seconds"), "LLM latency from the log");
        assertTrue(
                metrics.body().contains("ams_turns_total{model=\"scripted\"}"), "turns by model");
        // The orchestrator's per-server rate-limit counters: the scripted responder has no limit,
        // so its calls never wait.
        assertTrue(
                metrics.body().contains("ams_llm_server_calls_total{server=\"scripted\"}"),
                "calls per model server");
        assertTrue(
                metrics.body().contains("ams_llm_rate_limit_waits_total{server=\"scripted\"} 0.0"),
                "rate-limit waits per model server");
    }

    private java.net.http.HttpResponse<String> scrape(String path) {
        try {
            return java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(api + path))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyCliGroupWorksAgainstTheRunningSystem() throws Exception {
        Path template = Path.of("src/main/resources/ams/templates/minecraft_agent_template.json");
        ams(0, "agent", "import", template.toString());
        Wait.until(
                "minecraft agent materialised",
                Duration.ofSeconds(60),
                () -> {
                    try {
                        client.agent("minecraft_assistant_001");
                        return true;
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
        assertTrue(ams(0, "agent", "list").contains("minecraft_assistant_001"));
        JsonNode shown =
                JSON.readTree(ams(0, "agent", "show", "minecraft_assistant_001", "--json"));
        assertEquals(JSON.readTree(Files.readString(template)), shown.path("config"));
        ams(0, "agent", "set-prompt", "minecraft_assistant_001", "llmBooster", "Be concrete.");
        Wait.until(
                "prompt applied",
                Duration.ofSeconds(60),
                () ->
                        client.agent("minecraft_assistant_001")
                                .path("config")
                                .path("prompt_config")
                                .path("agent")
                                .path("llmBooster")
                                .asText()
                                .equals("Be concrete."));
        // History is another store (agent-history), written just after the agents store: wait for
        // it too.
        Wait.until(
                "prompt in the history",
                Duration.ofSeconds(60),
                () ->
                        ams(0, "agent", "history", "minecraft_assistant_001")
                                .contains("AgentPromptSet"));
        assertTrue(
                ams(0, "agent", "export", "minecraft_assistant_001")
                        .contains("\"agent_id\" : \"minecraft_assistant_001\""));
        // --wait --json: stdout stays one JSON document (trailing text fails the read), the
        // answer with the write's fate.
        JsonNode waited =
                JSON.readerFor(JsonNode.class)
                        .with(
                                com.fasterxml.jackson.databind.DeserializationFeature
                                        .FAIL_ON_TRAILING_TOKENS)
                        .readValue(
                                ams(
                                        0,
                                        "agent",
                                        "set-prompt",
                                        "minecraft_assistant_001",
                                        "llmBooster",
                                        "Be concrete.",
                                        "--wait",
                                        "--json"));
        assertEquals("applied", waited.path("fate").path("status").asText(), waited.toString());
        assertEquals(
                waited.path("event_id").asText(),
                waited.path("fate").path("event_id").asText(),
                waited.toString());
        ams(4, "agent", "show", "nobody");

        ams(
                0,
                "knowledge",
                "add",
                "minecraft_assistant_001",
                "--title",
                "Torches",
                "--content",
                "Torches stop mobs spawning.",
                "--id",
                "torch");
        ams(
                0,
                "knowledge",
                "add",
                "minecraft_assistant_001",
                "--title",
                "Boats",
                "--content",
                "Boats cross oceans quickly.",
                "--id",
                "boat");
        Wait.until(
                "documents indexed",
                Duration.ofSeconds(60),
                () -> ams(0, "knowledge", "list", "minecraft_assistant_001").contains("boat"));
        String hits =
                ams(
                        0,
                        "knowledge",
                        "search",
                        "minecraft_assistant_001",
                        "how do I keep monsters from spawning",
                        "--json");
        assertEquals(
                "torch",
                JSON.readTree(hits).path("results").get(0).path("document_id").asText(),
                hits);
        ams(0, "knowledge", "remove", "minecraft_assistant_001", "boat");
        Wait.until(
                "document removed",
                Duration.ofSeconds(60),
                () -> !ams(0, "knowledge", "list", "minecraft_assistant_001").contains("boat"));

        String generated =
                ams(
                        0,
                        "conversation",
                        "generate",
                        "--agents",
                        "minecraft_assistant_001",
                        "--topic",
                        "caves",
                        "--turns",
                        "2",
                        "--wait",
                        "--json");
        String conversationId = JSON.readTree(generated).path("conversation_id").asText();
        assertTrue(ams(0, "conversation", "show", conversationId).contains("COMPLETED"));
        assertTrue(
                ams(0, "conversation", "list", "--agent", "minecraft_assistant_001")
                        .contains(conversationId));

        // Scripted turns take milliseconds: a chat of 20 could end before the message or the cancel
        // below (then 400,
        // or never CANCELLED). The cancel ends this one.
        String chat =
                ams(
                        0,
                        "chat",
                        "start",
                        "--agents",
                        "minecraft_assistant_001",
                        "--topic",
                        "hello",
                        "--turns",
                        "1000",
                        "--json");
        String chatId = JSON.readTree(chat).path("conversation_id").asText();
        // 202 means published: the conversation exists (else `chat send` is a 404) once the state
        // machine has read it.
        Wait.until(
                "chat started",
                Duration.ofSeconds(60),
                () -> client.conversation(chatId).path("status").asText().equals("RUNNING"));
        ams(0, "chat", "send", chatId, "Hi there", "--as", "steve");
        Wait.until(
                "human message in history",
                Duration.ofSeconds(60),
                () -> ams(0, "chat", "history", chatId).contains("steve"));
        ams(0, "conversation", "cancel", chatId);
        Wait.until(
                "chat cancelled",
                Duration.ofSeconds(60),
                () -> client.conversation(chatId).path("status").asText().equals("CANCELLED"));

        assertTrue(ams(0, "db", "stats").contains(prefix + "agent-events"));

        Path dir = Files.createTempDirectory("ams-export-cli");
        ams(
                0,
                "export",
                "table",
                "agents",
                "--format",
                "parquet",
                "--out",
                dir.resolve("agents.parquet").toString());
        try (java.sql.Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                java.sql.ResultSet rows =
                        duck.createStatement()
                                .executeQuery(
                                        "SELECT count(*) FROM read_parquet('"
                                                + dir.resolve("agents.parquet")
                                                + "') WHERE agent_id = 'minecraft_assistant_001'")) {
            rows.next();
            assertEquals(1, rows.getLong(1));
        }
        ams(
                0,
                "conversation",
                "export",
                conversationId,
                "--format",
                "markdown",
                "--out",
                dir.resolve("c.md").toString());
        ams(
                0,
                "conversation",
                "export",
                conversationId,
                "--format",
                "csv",
                "--out",
                dir.resolve("c.csv").toString());
        assertTrue(Files.readString(dir.resolve("c.csv")).contains(conversationId));
        assertTrue(Files.readString(dir.resolve("c.md")).contains("minecraft_assistant_001"));
        ams(
                1,
                "export",
                "table",
                "agents",
                "--format",
                "markdown",
                "--out",
                dir.resolve("x.md").toString());
        assertTrue(ams(0, "export", "dataset", "--snapshot").contains("agents.parquet"));
    }
}
