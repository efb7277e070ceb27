package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.Ams;
import ams.app.client.AmsClient;
import ams.app.client.RestClient;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * Issue 19 on the broker, through the REST API of {@code ams up}, the CLI and the Java client: a
 * deactivated or flag-inactive agent is refused in a new conversation and accepted again once
 * reactivated; POST /agents takes the original's {@code name}, generates ids and gives the default
 * skeleton; an agent exported to a file and imported again reads back equal.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentActivityIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AmsSystem system;
    private AmsClient client;
    private RestClient rest;
    private String api;

    @BeforeAll
    void start(TestKafka kafka) throws Exception {
        String prefix = "act-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int port = FreePorts.next();
        system =
                AmsSystem.start(
                        TestSystemSettings.scripted(
                                kafka.bootstrapServers(),
                                prefix,
                                Files.createTempDirectory("ams-activity-it"),
                                port));
        system.awaitReady(Duration.ofMinutes(1));
        api = "http://127.0.0.1:" + port;
        rest = new RestClient(api, null);
        client = AmsClient.connect(kafka.bootstrapServers(), api, prefix, null);
    }

    @AfterAll
    void stop() {
        client.close();
        system.close();
    }

    private JsonNode awaitAgent(String id, Predicate<JsonNode> until) {
        return Wait.untilValue(
                "agent " + id,
                Duration.ofSeconds(60),
                () -> {
                    try {
                        JsonNode agent = rest.get("/agents/" + id);
                        return until.test(agent) ? agent : null;
                    } catch (RestClient.ApiException e) {
                        return null;
                    }
                });
    }

    private JsonNode generate(String... agents) {
        ObjectNode body = JSON.createObjectNode();
        body.set("agents", JSON.valueToTree(List.of(agents)));
        body.put("topic", "night and day");
        body.put("num_turns", 2);
        return rest.post("/conversations/generate", body);
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
        return out.toString() + err;
    }

    @Test
    void inactiveAgentsAreRefusedAndAcceptedOnceReactivated() throws Exception {
        // The original's request shape: "name" for agent_name.
        rest.post(
                "/agents",
                Map.of(
                        "agent_id",
                        "owl",
                        "name",
                        "Owl",
                        "config",
                        JSON.readTree(TestEvents.minimalConfig("owl"))));
        rest.post(
                "/agents",
                Map.of(
                        "agent_id",
                        "fox",
                        "agent_name",
                        "Fox",
                        "config",
                        JSON.readTree(TestEvents.minimalConfig("fox"))));
        assertEquals("Owl", awaitAgent("owl", a -> true).path("agent_name").asText());
        awaitAgent("fox", a -> true);

        // Deactivated: refused, naming the agent and what to do.
        rest.post("/agents/fox/deactivate", Map.of("reason", "resting"));
        awaitAgent("fox", a -> !a.path("is_active").asBoolean());
        RestClient.ApiException deactivated =
                assertThrows(RestClient.ApiException.class, () -> generate("owl", "fox"));
        assertEquals(409, deactivated.status());
        assertTrue(
                deactivated.getMessage().contains("'fox' is deactivated"),
                deactivated.getMessage());
        assertTrue(deactivated.getMessage().contains("reactivate"), deactivated.getMessage());
        assertFalse(deactivated.getMessage().contains("'owl'"), deactivated.getMessage());
        // The Java client and the CLI get the same refusal.
        RestClient.ApiException fromClient =
                assertThrows(
                        RestClient.ApiException.class,
                        () -> client.generateConversation(List.of("owl", "fox"), "t", 2));
        assertEquals(409, fromClient.status());
        assertTrue(
                ams(1, "conversation", "generate", "--agents", "owl,fox", "--topic", "t")
                        .contains("'fox' is deactivated"));

        // Flag-inactive: AGENT_FLAG false in the config.
        rest.put("/agents/owl/flags/AGENT_FLAG", Map.of("value", false));
        awaitAgent(
                "owl",
                a -> !a.path("config").path("command_flags").path("AGENT_FLAG").asBoolean(true));
        rest.post("/agents/fox/reactivate", "{}");
        awaitAgent("fox", a -> a.path("is_active").asBoolean());
        RestClient.ApiException flagged =
                assertThrows(RestClient.ApiException.class, () -> generate("owl", "fox"));
        assertEquals(409, flagged.status());
        assertTrue(flagged.getMessage().contains("'owl' has command_flags.AGENT_FLAG false"));
        assertFalse(flagged.getMessage().contains("'fox'"), flagged.getMessage());

        // Reactivated (flag set again): accepted and run to the end.
        rest.put("/agents/owl/flags/AGENT_FLAG", Map.of("value", true));
        awaitAgent(
                "owl",
                a -> a.path("config").path("command_flags").path("AGENT_FLAG").asBoolean(false));
        String id = generate("owl", "fox").path("conversation_id").asText();
        JsonNode done = client.awaitConversation(id, Duration.ofMinutes(1));
        assertEquals("COMPLETED", done.path("status").asText(), done.toString());
    }

    @Test
    void anAgentDeactivatedMidConversationIsSkippedAfterItsTurn() throws Exception {
        for (String id : List.of("ant", "bee", "cat")) {
            client.createAgent(
                    id, id.toUpperCase(java.util.Locale.ROOT), TestEvents.minimalConfig(id));
            client.awaitAgent(id, Duration.ofSeconds(60));
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("agents", JSON.valueToTree(List.of("ant", "bee", "cat")));
        body.put("topic", "a long talk");
        body.put("num_turns", 300);
        String id = rest.post("/conversations/generate", body).path("conversation_id").asText();
        Wait.until(
                "a few turns",
                Duration.ofSeconds(60),
                () -> {
                    try {
                        return client.conversation(id).path("turns_done").asInt() >= 3;
                    } catch (RestClient.ApiException e) {
                        return false;
                    }
                });
        rest.post("/agents/bee/deactivate", Map.of("reason", "mid-conversation"));
        JsonNode done = client.awaitConversation(id, Duration.ofMinutes(2));
        assertEquals("COMPLETED", done.path("status").asText(), done.toString());
        JsonNode messages = client.messages(id).path("messages");
        assertEquals(300, messages.size());
        int firstStandIn = -1;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (m.path("metadata").path("stands_in_for").asText("").equals("bee")) {
                firstStandIn = firstStandIn < 0 ? i : firstStandIn;
                assertFalse(m.path("agent_id").asText().equals("bee"), m.toString());
            }
            if (firstStandIn >= 0) {
                assertFalse(
                        m.path("agent_id").asText().equals("bee"),
                        "bee spoke after it was skipped: " + m);
            }
        }
        assertTrue(firstStandIn > 0, "bee was skipped once deactivated");
    }

    @Test
    void agentsWithoutIdOrConfigGetAGeneratedIdAndTheDefaultSkeleton() {
        JsonNode answer = rest.post("/agents", Map.of("name", "Nameless"));
        assertTrue(answer.path("agent_id_generated").asBoolean(), answer.toString());
        String id = answer.path("agent_id").asText();
        JsonNode agent = awaitAgent(id, a -> true);
        assertEquals("Nameless", agent.path("agent_name").asText());
        JsonNode config = agent.path("config");
        assertEquals(id, config.path("agent_id").asText());
        for (String section :
                List.of(
                        "model_config",
                        "prompt_config",
                        "command_flags",
                        "databases",
                        "database_config")) {
            assertTrue(config.path(section).isObject(), section + " in " + config);
        }
        assertTrue(config.path("command_flags").path("AGENT_FLAG").asBoolean());
        assertTrue(config.path("model_config").path("largeLanguageModel").path("names").isArray());
        assertEquals("", config.path("prompt_config").path("agent").path("llmSystem").asText("x"));
    }

    @Test
    void anExportedAgentImportsBackEqual() throws Exception {
        Path template = Path.of("src/main/resources/ams/templates/wizard_agent_template.json");
        ams(0, "agent", "import", template.toString());
        JsonNode original = awaitAgent("wizard_agent_001", a -> true);
        client.addKnowledge("wizard_agent_001", "runes", "Runes", "Runes hold power.");
        Wait.until(
                "knowledge indexed",
                Duration.ofSeconds(60),
                () -> {
                    try {
                        return rest.get("/agents/wizard_agent_001/knowledge")
                                        .path("documents")
                                        .size()
                                == 1;
                    } catch (RestClient.ApiException e) {
                        return false;
                    }
                });
        Path file = Files.createTempFile("wizard", ".json");
        ams(0, "agent", "export", "wizard_agent_001", "--out", file.toString());
        ObjectNode export = (ObjectNode) JSON.readTree(Files.readString(file));
        assertEquals("ams-agent-export", export.path("format").asText());
        assertEquals(original.path("config"), export.path("config"));
        assertEquals("runes", export.path("knowledge").get(0).path("document_id").asText());

        // Into another id (as a user moving it would), through the CLI ...
        ((ObjectNode) export.path("agent")).put("agent_id", "wizard_copy");
        ((ObjectNode) export.path("config")).put("agent_id", "wizard_copy");
        Files.writeString(file, export.toPrettyString());
        assertTrue(ams(0, "agent", "import", file.toString()).contains("runes"));
        JsonNode copy = awaitAgent("wizard_copy", a -> true);
        ObjectNode expected = original.path("config").deepCopy();
        expected.put("agent_id", "wizard_copy");
        assertEquals(expected, copy.path("config"));
        assertEquals(original.path("agent_name"), copy.path("agent_name"));
        assertEquals(original.path("tags"), copy.path("tags"));

        // ... and, exported inactive, through the Java client: it comes back inactive.
        rest.post("/agents/wizard_copy/deactivate", "{}");
        awaitAgent("wizard_copy", a -> !a.path("is_active").asBoolean());
        ObjectNode again = (ObjectNode) client.exportAgent("wizard_copy");
        ((ObjectNode) again.path("agent")).put("agent_id", "wizard_third");
        ((ObjectNode) again.path("config")).put("agent_id", "wizard_third");
        client.importAgent(again);
        JsonNode third = awaitAgent("wizard_third", a -> !a.path("is_active").asBoolean());
        ObjectNode expectedThird = original.path("config").deepCopy();
        expectedThird.put("agent_id", "wizard_third");
        assertEquals(expectedThird, third.path("config"));
    }
}
