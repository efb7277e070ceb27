package ams.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.Ams;
import ams.app.client.EventPublisher;
import ams.app.rest.RestConfig;
import ams.app.rest.RestServer;
import ams.events.agent.AgentConfigChanged;
import ams.events.agent.AgentCreated;
import ams.events.agent.AgentEvent;
import ams.events.agent.AgentFlagSet;
import ams.events.agent.AgentPromptSet;
import ams.events.knowledge.DocumentAdded;
import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** The CLI's write commands against a running REST API: each ends as the right event in the log. */
@ExtendWith(KafkaClusterExtension.class)
class WriteCliIT {

    private TestKafka kafka;
    private TopicCatalogue topics;
    private EventPublisher publisher;
    private Admin admin;
    private RestServer server;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start(TestKafka kafka) {
        this.kafka = kafka;
        topics = kafka.newCatalogue(1);
        publisher = new EventPublisher(kafka.bootstrapServers(), topics);
        admin = kafka.admin();
        server = RestServer.start(RestConfig.loopback(0), publisher, admin, List.of(), List.of());
    }

    @AfterEach
    void stop() {
        server.close();
        publisher.close();
        admin.close();
    }

    private int ams(String... args) {
        CommandLine cli = Ams.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--api";
        all[args.length + 1] = "http://127.0.0.1:" + server.port();
        return cli.execute(all);
    }

    @Test
    void agentCommandsPublishTheirEvents() throws Exception {
        Path template = Path.of("src/main/resources/ams/templates/wizard_agent_template.json");
        assertEquals(0, ams("agent", "import", template.toString()), err.toString());
        assertEquals(
                0,
                ams(
                        "agent",
                        "update",
                        "wizard_agent_001",
                        "--patch",
                        "{\"command_flags\":{\"TTS_FLAG\":true}}"),
                err.toString());
        assertEquals(
                0,
                ams("agent", "set-prompt", "wizard_agent_001", "llmBooster", "Think twice."),
                err.toString());
        assertEquals(
                0,
                ams("agent", "set-flag", "wizard_agent_001", "STT_FLAG", "true"),
                err.toString());

        List<AgentEvent> events =
                kafka.consume(topics.agentEvents(), 4, Duration.ofSeconds(60)).stream()
                        .map(r -> r.value())
                        .toList();
        AgentCreated created = (AgentCreated) events.get(0).getPayload();
        ObjectMapper json = new ObjectMapper();
        assertEquals(
                json.readTree(Files.readString(template)), json.readTree(created.getConfigJson()));
        assertEquals(
                "{\"command_flags\":{\"TTS_FLAG\":true}}",
                ((AgentConfigChanged) events.get(1).getPayload()).getMergePatchJson());
        assertEquals("Think twice.", ((AgentPromptSet) events.get(2).getPayload()).getText());
        assertEquals(Boolean.TRUE, ((AgentFlagSet) events.get(3).getPayload()).getValue());
    }

    @Test
    void knowledgeAddPublishesADocument() {
        assertEquals(
                0,
                ams(
                        "knowledge",
                        "add",
                        "wizard_agent_001",
                        "--title",
                        "Runes",
                        "--content",
                        "Runes hold power.",
                        "--id",
                        "runes"),
                err.toString());
        DocumentAdded added =
                (DocumentAdded)
                        kafka.consume(topics.knowledgeEvents(), 1, Duration.ofSeconds(60))
                                .get(0)
                                .value()
                                .getPayload();
        assertEquals("runes", added.getDocumentId());
        assertEquals("Runes hold power.", added.getContent());
    }

    @Test
    void importOfTheOriginalTemplatesIsIdempotent() {
        String dir = Path.of("src/main/resources/ams/templates").toAbsolutePath().toString();
        CommandLine first = Ams.commandLine();
        first.setOut(new PrintWriter(out, true));
        assertEquals(
                0,
                first.execute(
                        "import",
                        dir,
                        "--bootstrap",
                        kafka.bootstrapServers(),
                        "--topic-prefix",
                        topics.agentEvents().name().replace("agent-events", "")),
                err.toString());
        assertEquals(3, kafka.consume(topics.agentEvents(), 3, Duration.ofSeconds(60)).size());
        StringWriter second = new StringWriter();
        CommandLine again = Ams.commandLine();
        again.setOut(new PrintWriter(second, true));
        assertEquals(
                0,
                again.execute(
                        "import",
                        dir,
                        "--bootstrap",
                        kafka.bootstrapServers(),
                        "--topic-prefix",
                        topics.agentEvents().name().replace("agent-events", "")));
        assertTrue(
                second.toString().contains("published     0  already there     3"),
                second.toString());
    }

    @Test
    void refusalsPrintTheReasonAndExitWithMeaningfulCodes() {
        assertEquals(1, ams("agent", "set-prompt", "wizard", "llmNope", "x"));
        assertTrue(err.toString().contains("prompt type must be one of"), err.toString());
        assertEquals(2, ams("agent", "set-flag", "wizard", "TTS_FLAG", "maybe"));
        CommandLine cli = Ams.commandLine();
        cli.setErr(new PrintWriter(err, true));
        assertEquals(3, cli.execute("db", "stats", "--api", "http://127.0.0.1:1"));
        assertTrue(err.toString().contains("no AMS-DB API answers"), err.toString());
    }
}
