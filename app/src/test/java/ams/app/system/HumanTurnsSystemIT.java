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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * Human turns through the whole system ({@code ams up} in one JVM, scripted provider): a chat
 * started by the Java client and one by {@code ams chat start --as NAME --human-turns} wait for the
 * person, take their message as the turn, and the agents answer.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HumanTurnsSystemIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AmsSystem system;
    private AmsClient client;
    private String api;

    @BeforeAll
    void start(TestKafka kafka) throws Exception {
        String prefix = "hum-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int port = FreePorts.next();
        system =
                AmsSystem.start(
                        TestSystemSettings.scripted(
                                kafka.bootstrapServers(),
                                prefix,
                                Files.createTempDirectory("ams-human-it"),
                                port));
        system.awaitReady(Duration.ofMinutes(1));
        api = "http://127.0.0.1:" + port;
        client = AmsClient.connect(kafka.bootstrapServers(), api, prefix, null);
        client.createAgent("owl", "Owl", TestEvents.minimalConfig("owl"));
        client.createAgent("fox", "Fox", TestEvents.minimalConfig("fox"));
        client.awaitAgent("owl", Duration.ofSeconds(60));
        client.awaitAgent("fox", Duration.ofSeconds(60));
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
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--api", api));
        int exit = cli.execute(all.toArray(String[]::new));
        assertEquals(
                expectedExit, exit, String.join(" ", args) + "\nout: " + out + "\nerr: " + err);
        return out.toString() + err;
    }

    private JsonNode await(String id, String what, Predicate<JsonNode> p) {
        return Wait.untilValue(
                id + " " + what,
                Duration.ofSeconds(60),
                () -> {
                    try {
                        JsonNode c = client.conversation(id);
                        return p.test(c) ? c : null;
                    } catch (RuntimeException notYet) {
                        return null;
                    }
                });
    }

    private static Predicate<JsonNode> awaiting(String person, int turnsDone) {
        return c ->
                person.equals(c.path("awaiting_human").asText(null))
                        && c.path("turns_done").asInt() == turnsDone;
    }

    @Test
    void javaClientChatWaitsForThePersonAndTheAgentsAnswer() throws Exception {
        String id =
                client.startChat(
                        List.of("owl", "fox"), "moths", 5, "steve", Duration.ofMinutes(5), false);
        await(id, "awaits steve", awaiting("steve", 0));
        Thread.sleep(1000);
        assertEquals(0, client.messages(id).path("messages").size(), "nobody speaks for steve");

        client.sendMessage(id, "steve", "Why do moths love lamps?");
        await(id, "awaits steve again", awaiting("steve", 3));
        JsonNode messages = client.messages(id).path("messages");
        assertEquals(3, messages.size(), messages.toString());
        assertEquals("steve", messages.get(0).path("agent_id").asText());
        assertEquals(0, messages.get(0).path("turn_number").asInt());
        assertEquals("owl", messages.get(1).path("agent_id").asText());
        assertEquals("fox", messages.get(2).path("agent_id").asText());
    }

    @Test
    void cliChatStartWithHumanTurnsSkipsAnUnansweredTurn() throws Exception {
        String started =
                ams(
                        0,
                        "chat",
                        "start",
                        "--agents",
                        "owl,fox",
                        "--topic",
                        "rain",
                        "--turns",
                        "4",
                        "--as",
                        "ada",
                        "--human-turns",
                        "--human-timeout-ms",
                        "60000",
                        "--on-human-timeout",
                        "skip",
                        "--json");
        String id = JSON.readTree(started).path("conversation_id").asText();
        JsonNode waiting = await(id, "awaits ada", awaiting("ada", 0));
        assertTrue(
                ams(0, "conversation", "show", id)
                        .contains("waiting for ada: ams chat send " + id + " MESSAGE --as ada"));
        assertEquals("skip", waiting.path("human_turns").path("on_timeout").asText());
        assertEquals(60_000, waiting.path("human_turns").path("timeout_ms").asLong());
        ams(0, "chat", "send", id, "Is rain coming?", "--as", "ada");
        await(id, "awaits ada at turn 3", awaiting("ada", 3));
        assertTrue(ams(0, "chat", "history", id).contains("ada (user): Is rain coming?"));

        String refused =
                ams(
                        1,
                        "chat",
                        "start",
                        "--agents",
                        "owl",
                        "--topic",
                        "x",
                        "--as",
                        "owl",
                        "--human-turns");
        assertTrue(refused.contains("also agent ids"), refused);
    }
}
