package ams.app.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.Ams;
import ams.app.system.AmsSystem;
import ams.app.system.TestSystemSettings;
import ams.events.Envelopes;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.KnowledgeEvent;
import ams.service.fate.FateRoute;
import ams.service.http.ServiceHttp;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * The same bad request gets the same answer (status and body) from the three front doors of the
 * system: {@code ams up} (every route on one server), a processor's own port (what its standalone
 * {@code *Main} serves: its routes on {@link ServiceHttp}), and {@code ams api} (the REST API
 * passing queries on to the processors' ports). Table-driven: add a row per refusal a user meets.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SameAnswerIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One bad request, the processor whose port also serves it, and the status all must give. */
    private record Row(String owner, String method, String path, String body, int status) {}

    private static final List<Row> ROWS =
            List.of(
                    new Row("agents", "GET", "/agents?limit=abc", null, 400),
                    new Row("agents", "GET", "/agents?limit=0", null, 400),
                    new Row("agents", "GET", "/agents?active=maybe", null, 400),
                    new Row("agents", "GET", "/agents/ghost", null, 404),
                    new Row("agents", "GET", "/agents/ghost/config", null, 400),
                    new Row("agents", "GET", "/agents/ghost/config?asOf=yesterday", null, 400),
                    new Row("agents", "GET", "/agents/ghost/history", null, 404),
                    new Row("agents", "GET", "/events/no-such-event", null, 404),
                    new Row("agents", "GET", "/no/such/route", null, 404),
                    new Row("knowledge", "GET", "/agents/ghost/knowledge/search", null, 400),
                    new Row(
                            "knowledge",
                            "GET",
                            "/agents/ghost/knowledge/search?q=x&k=0",
                            null,
                            400),
                    new Row("knowledge", "GET", "/agents/ghost/knowledge?limit=x", null, 400),
                    new Row("knowledge", "GET", "/agents/ghost/knowledge/as-of", null, 400),
                    new Row("conversations", "GET", "/conversations/ghost", null, 404),
                    new Row("conversations", "GET", "/conversations/ghost/messages", null, 404),
                    new Row("conversations", "POST", "/conversations/generate", "", 400),
                    new Row("conversations", "POST", "/conversations/generate", "[1]", 400),
                    new Row(
                            "conversations",
                            "POST",
                            "/conversations/generate",
                            "{\"topic\":\"t\"},",
                            400),
                    new Row(
                            "conversations",
                            "POST",
                            "/conversations/generate",
                            "{\"topic\":\"t\",\"agents\":\"a\"}",
                            400),
                    new Row(
                            "conversations",
                            "POST",
                            "/conversations/generate",
                            "{\"topic\":\"t\",\"agents\":[\"a\",\"b\"],\"max_turns\":\"5\"}",
                            400),
                    new Row("conversations", "POST", "/conversations/ghost/resume", "{}", 404),
                    new Row("exporter", "GET", "/exporter/conversations/ghost/export", null, 404),
                    // No processor has settled it: each says so alike, and ams api, having asked
                    // them all, too.
                    new Row("agents", "GET", "/events/ghost-event", null, 404),
                    new Row("knowledge", "GET", "/events/ghost-event", null, 404),
                    new Row("conversations", "GET", "/events/ghost-event", null, 404));

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private AmsSystem system;
    private final List<Javalin> standalone = new ArrayList<>();
    private Map<String, String> processorPorts;
    private RestServer api;
    private Admin admin;

    @BeforeAll
    void start(TestKafka kafka) throws Exception {
        int port = FreePorts.next();
        system =
                AmsSystem.start(
                        TestSystemSettings.scripted(
                                kafka.bootstrapServers(),
                                "same-" + UUID.randomUUID().toString().substring(0, 8) + ".",
                                Files.createTempDirectory("ams-same-answer"),
                                port));
        system.awaitReady(Duration.ofMinutes(1));
        // Each processor's routes on a server of its own, as its standalone main serves them.
        processorPorts =
                Map.of(
                        "agents",
                        serve(
                                app -> {
                                    system.agents().registerRoutes(app);
                                    FateRoute.register(app, List.of(system.agents().fates()));
                                }),
                        "knowledge",
                        serve(
                                app -> {
                                    system.knowledge().registerRoutes(app);
                                    FateRoute.register(app, List.of(system.knowledge().fates()));
                                }),
                        "conversations",
                        serve(
                                app -> {
                                    system.conversations().registerRoutes(app);
                                    FateRoute.register(
                                            app, List.of(system.conversations().fates()));
                                }),
                        "exporter",
                        serve(system.exporter()::registerRoutes));
        admin = kafka.admin();
        ProxyRoutes proxy =
                new ProxyRoutes(
                        new ProxyRoutes.Upstreams(
                                processorPorts.get("agents"),
                                processorPorts.get("knowledge"),
                                processorPorts.get("conversations"),
                                processorPorts.get("exporter")));
        api =
                RestServer.start(
                        RestConfig.loopback(0),
                        system.publisher(),
                        admin,
                        List.of(),
                        List.of(proxy::register),
                        null,
                        proxy.knownAgents());
    }

    private String serve(Consumer<Javalin> routes) {
        Javalin app = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        routes.accept(app);
        app.start("127.0.0.1", 0);
        standalone.add(app);
        return "http://127.0.0.1:" + app.port();
    }

    @AfterAll
    void stop() {
        if (api != null) {
            api.close();
        }
        standalone.forEach(Javalin::stop);
        if (admin != null) {
            admin.close();
        }
        if (system != null) {
            system.close();
        }
    }

    @Test
    void everyFrontDoorGivesTheSameRefusal() throws Exception {
        List<String> differences = new ArrayList<>();
        for (Row row : ROWS) {
            Map<String, String> doors =
                    Map.of(
                            "ams up",
                            "http://127.0.0.1:" + system.httpPort(),
                            "standalone " + row.owner(),
                            processorPorts.get(row.owner()),
                            "ams api",
                            "http://127.0.0.1:" + api.port());
            JsonNode reference = null;
            String referenceDoor = null;
            for (Map.Entry<String, String> door : doors.entrySet()) {
                HttpResponse<String> answer = send(door.getValue(), row);
                String what = door.getKey() + " " + row.method() + " " + row.path();
                if (answer.statusCode() != row.status()) {
                    differences.add(
                            what + " answered " + answer.statusCode() + ": " + answer.body());
                    continue;
                }
                JsonNode body = JSON.readTree(answer.body());
                assertEquals(row.status(), body.path("status").asInt(), what + ": " + body);
                assertTrue(body.path("error").isTextual(), what + ": " + body);
                if (reference == null) {
                    reference = body;
                    referenceDoor = door.getKey();
                } else if (!reference.equals(body)) {
                    differences.add(
                            what
                                    + " answered "
                                    + body
                                    + " but "
                                    + referenceDoor
                                    + " answered "
                                    + reference);
                }
            }
        }
        assertEquals(List.of(), differences, "answers that differ between front doors");
    }

    /**
     * The fate of a write, through {@code ams up}: {@code --wait} says applied (exit 0) or rejected
     * with the reason (exit 1), so a script learns at once that a write it sent was refused.
     */
    @Test
    void theCliWaitsForTheFateOfAnAgentWrite() {
        String api = "http://127.0.0.1:" + system.httpPort();
        StringWriter out = new StringWriter();
        CommandLine cli = Ams.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        assertEquals(
                0,
                cli.execute("agent", "create", "--id", "waiter", "--wait=60", "--api", api),
                out.toString());
        assertTrue(out.toString().contains("Applied: agent waiter at version 1"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(
                1,
                cli.execute(
                        "agent",
                        "set-flag",
                        "nobody",
                        "TTS_FLAG",
                        "true",
                        "--wait=60",
                        "--api",
                        api),
                out.toString());
        assertTrue(out.toString().contains("Rejected ("), out.toString());
    }

    /**
     * Knowledge and conversation writes through {@code ams api}: a knowledge write on an unknown
     * agent is refused before publishing; the CLI's {@code --wait} says what became of an accepted
     * one; and the fate of each write, applied or rejected with the dead letter's reason, is the
     * same answer on every front door.
     */
    @Test
    void knowledgeAndConversationWritesHaveTheirFateOnEveryDoor() throws Exception {
        String apiDoor = "http://127.0.0.1:" + api.port();
        StringWriter out = new StringWriter();
        CommandLine cli = Ams.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        assertEquals(
                0,
                cli.execute("agent", "create", "--id", "fate-owl", "--wait=60", "--api", apiDoor),
                out.toString());

        out.getBuffer().setLength(0);
        int refused =
                cli.execute(
                        "knowledge",
                        "add",
                        "ghost-agent",
                        "--title",
                        "T",
                        "--content",
                        "c",
                        "--api",
                        apiDoor);
        assertTrue(refused != 0, out.toString());
        assertTrue(out.toString().contains("no agent 'ghost-agent'"), out.toString());

        out.getBuffer().setLength(0);
        assertEquals(
                0,
                cli.execute(
                        "knowledge",
                        "add",
                        "fate-owl",
                        "--id",
                        "night",
                        "--title",
                        "Night",
                        "--content",
                        "Owls hunt at night.",
                        "--wait=60",
                        "--api",
                        apiDoor),
                out.toString());
        assertTrue(
                out.toString().contains("Applied: document night of agent fate-owl indexed (1"),
                out.toString());

        // Past the REST checks (another client publishing): the embedding worker refuses it.
        KnowledgeEvent empty =
                KnowledgeEvent.newBuilder()
                        .setEnvelope(Envelopes.create("test"))
                        .setAgentId("fate-owl")
                        .setPayload(
                                DocumentAdded.newBuilder()
                                        .setKbId("kb_fate-owl")
                                        .setDocumentId("empty")
                                        .setTitle(" ")
                                        .setContent(" ")
                                        .setContentType("text")
                                        .setSource("test")
                                        .setTags(List.of())
                                        .setMetadataJson("{}")
                                        .setCreatedAt(java.time.Instant.now())
                                        .build())
                        .build();
        system.publisher().publish(empty);
        JsonNode rejected =
                sameFateOnEveryDoor("knowledge", empty.getEnvelope().getEventId().toString());
        assertEquals("rejected", rejected.path("status").asText(), rejected.toString());
        assertEquals("INVALID_EVENT", rejected.path("reason").asText(), rejected.toString());
        assertTrue(
                rejected.path("detail").asText().contains("nothing to index"), rejected.toString());

        HttpResponse<String> generated =
                send(
                        apiDoor,
                        new Row(
                                "conversations",
                                "POST",
                                "/conversations/generate",
                                "{\"conversation_id\":\"fate-chat\",\"agents\":[\"fate-owl\"],"
                                        + "\"topic\":\"night\",\"num_turns\":1}",
                                202));
        assertEquals(202, generated.statusCode(), generated.body());
        JsonNode started =
                sameFateOnEveryDoor(
                        "conversations", JSON.readTree(generated.body()).path("event_id").asText());
        assertEquals("applied", started.path("status").asText(), started.toString());
        assertEquals("conversation", started.path("kind").asText(), started.toString());
        assertEquals("fate-chat", started.path("conversation_id").asText(), started.toString());

        String orphan =
                system.conversations()
                        .commands()
                        .humanMessage("no-such-chat", "ann", "hello", 0, null, List.of())
                        .eventId();
        JsonNode orphaned = sameFateOnEveryDoor("conversations", orphan);
        assertEquals("rejected", orphaned.path("status").asText(), orphaned.toString());
        assertEquals("INVALID_EVENT", orphaned.path("reason").asText(), orphaned.toString());
    }

    /**
     * The fate of {@code eventId} once settled, asserted identical from {@code ams up}, the owner's
     * own port and {@code ams api}.
     */
    private JsonNode sameFateOnEveryDoor(String owner, String eventId) throws Exception {
        Row row = new Row(owner, "GET", "/events/" + eventId, null, 200);
        JsonNode up =
                Wait.untilValue(
                        "the fate of " + eventId,
                        Duration.ofSeconds(90),
                        () -> {
                            try {
                                HttpResponse<String> r =
                                        send("http://127.0.0.1:" + system.httpPort(), row);
                                return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
        for (String door : List.of(processorPorts.get(owner), "http://127.0.0.1:" + api.port())) {
            HttpResponse<String> answer = send(door, row);
            assertEquals(200, answer.statusCode(), door + ": " + answer.body());
            assertEquals(up, JSON.readTree(answer.body()), door);
        }
        return up;
    }

    private HttpResponse<String> send(String base, Row row) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + row.path()))
                        .timeout(Duration.ofSeconds(30));
        if (row.body() == null) {
            request.method(row.method(), HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(row.method(), HttpRequest.BodyPublishers.ofString(row.body()));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
