package ams.app.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.EventPublisher;
import ams.events.agent.AgentCreated;
import ams.events.agent.AgentEvent;
import ams.events.knowledge.DocumentAdded;
import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(KafkaClusterExtension.class)
class RestServerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private TestKafka kafka;
    private TopicCatalogue topics;
    private EventPublisher publisher;
    private Admin admin;
    private RestServer server;

    @BeforeEach
    void start(TestKafka kafka) {
        this.kafka = kafka;
        topics = kafka.newCatalogue(1);
        publisher = new EventPublisher(kafka.bootstrapServers(), topics);
        admin = kafka.admin();
        server =
                RestServer.start(
                        new RestConfig("127.0.0.1", 0, null, 64 * 1024),
                        publisher,
                        admin,
                        List.of(),
                        List.of());
    }

    @AfterEach
    void stop() {
        server.close();
        publisher.close();
        admin.close();
    }

    private HttpResponse<String> call(String method, String path, String body, String token)
            throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void createAgentPublishesAgentCreatedWithTheConfigUnchanged() throws Exception {
        String config =
                "{\"agent_id\":\"owl\",\"prompt_config\":{\"agent\":{\"llmSystem\":\"Hoot.\"}},\"command_flags\":{}}";
        HttpResponse<String> response =
                call(
                        "POST",
                        "/agents",
                        "{\"agent_id\":\"owl\",\"agent_name\":\"Owl\",\"tags\":[\"bird\"],\"config\":"
                                + config
                                + "}",
                        null);
        assertEquals(202, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("owl", body.path("agent_id").asText());

        AgentEvent event =
                kafka.consume(topics.agentEvents(), 1, Duration.ofSeconds(60)).get(0).value();
        AgentCreated created = (AgentCreated) event.getPayload();
        assertEquals(body.path("event_id").asText(), event.getEnvelope().getEventId().toString());
        assertEquals("Owl", created.getAgentName());
        assertEquals(List.of("bird"), created.getTags());
        assertEquals(JSON.readTree(config), JSON.readTree(created.getConfigJson()));
        assertEquals("rest", event.getEnvelope().getSource());
    }

    @Test
    void addKnowledgePublishesDocumentAdded() throws Exception {
        HttpResponse<String> response =
                call(
                        "POST",
                        "/agents/owl/knowledge",
                        "{\"document_id\":\"d1\",\"title\":\"Night\",\"content\":\"Owls hunt at night.\",\"tags\":[\"owls\"],\"metadata\":{\"k\":1}}",
                        null);
        assertEquals(202, response.statusCode(), response.body());
        DocumentAdded added =
                (DocumentAdded)
                        kafka.consume(topics.knowledgeEvents(), 1, Duration.ofSeconds(60))
                                .get(0)
                                .value()
                                .getPayload();
        assertEquals("d1", added.getDocumentId());
        assertEquals("{\"k\":1}", added.getMetadataJson());
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("POST", "/agents", "", 400, "request body is empty"),
                Arguments.of("POST", "/agents", "{not json", 400, "not valid JSON"),
                Arguments.of("POST", "/agents", "[1,2]", 400, "must be a JSON object"),
                Arguments.of(
                        "POST",
                        "/agents",
                        "{\"agent_id\":\"a\",\"config\":{}},",
                        400,
                        "not valid JSON"),
                Arguments.of(
                        "POST",
                        "/agents",
                        "{\"agent_id\":\"a\",\"config\":{}}}",
                        400,
                        "not valid JSON"),
                Arguments.of(
                        "POST",
                        "/agents",
                        "[".repeat(3000) + "]".repeat(3000),
                        400,
                        "not valid JSON"),
                Arguments.of(
                        "POST",
                        "/agents",
                        "{\"agent_id\":\"a\",\"name\":\"A\",\"agent_name\":\"B\"}",
                        400,
                        "'name' ('A') and 'agent_name' ('B') differ"),
                Arguments.of(
                        "POST",
                        "/agents",
                        "{\"agent_id\":\"a b\",\"config\":{}}",
                        400,
                        "agent_id must be"),
                Arguments.of(
                        "POST", "/agents", "{\"agent_id\":7}", 400, "'agent_id' must be a string"),
                Arguments.of(
                        "POST",
                        "/agents",
                        "{\"agent_id\":\"a\",\"config\":\"x\"}",
                        400,
                        "config must be a JSON object"),
                Arguments.of(
                        "POST",
                        "/agents",
                        "{\"agent_id\":\"a\",\"config\":{\"agent_id\":\"b\"}}",
                        400,
                        "config.agent_id is 'b'"),
                Arguments.of(
                        "POST",
                        "/agents",
                        "{\"agent_id\":\"a\",\"tags\":\"x\",\"config\":{}}",
                        400,
                        "'tags' must be an array"),
                Arguments.of("PATCH", "/agents/a", "[]", 400, "must be a JSON object"),
                // Refused before publishing: the fold would dead-letter them whatever the agent is.
                Arguments.of(
                        "PATCH",
                        "/agents/a",
                        "{\"agent_id\":\"b\"}",
                        400,
                        "must not change agent_id"),
                Arguments.of(
                        "PATCH",
                        "/agents/a",
                        "{\"command_flags\":{\"TTS_FLAG\":\"on\"}}",
                        400,
                        "command_flags.TTS_FLAG must be a boolean"),
                Arguments.of(
                        "PUT",
                        "/agents/a/prompts/llmWhatever",
                        "{\"text\":\"x\"}",
                        400,
                        "prompt type must be one of"),
                Arguments.of(
                        "PUT",
                        "/agents/a/prompts/llmSystem",
                        "{\"text\":5}",
                        400,
                        "'text' must be a string"),
                Arguments.of(
                        "PUT",
                        "/agents/a/flags/TTS_FLAG",
                        "{\"value\":\"yes\"}",
                        400,
                        "must be true or false"),
                Arguments.of(
                        "POST",
                        "/agents/a/knowledge",
                        "{\"title\":\"t\"}",
                        400,
                        "'content' is required"),
                Arguments.of(
                        "POST",
                        "/agents/a/knowledge",
                        "{\"content\":\"c\",\"metadata\":[1]}",
                        400,
                        "'metadata' must be a JSON object"),
                Arguments.of(
                        "POST",
                        "/agents",
                        "{\"agent_id\":\"a\",\"config\":{},\"pad\":\"" + "x".repeat(70_000) + "\"}",
                        413,
                        "too large"),
                Arguments.of("GET", "/no/such/route", null, 404, "not found: see /openapi.json"),
                Arguments.of("DELETE", "/agents", null, 404, "not found: see /openapi.json"));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void badRequestsAreAnsweredWithA4xxThatSaysWhatToFix(
            String method, String path, String body, int status, String message) throws Exception {
        HttpResponse<String> response = call(method, path, body, null);
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body());
        assertTrue(error.path("error").asText().contains(message), response.body());
        assertEquals(status, error.path("status").asInt(), response.body());
    }

    @Test
    void aQueryStringThatIsNotPercentEncodedIsA400() throws Exception {
        // No HTTP client library sends this URI, so it goes over a socket as written.
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.getOutputStream()
                    .write(
                            "GET /system/stats?limit=%%% HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            String response =
                    new String(
                            socket.getInputStream().readAllBytes(),
                            java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 400"), response);
            assertTrue(response.contains("not valid percent-encoding"), response);
        }
    }

    @Test
    void healthAndStatsAnswer() throws Exception {
        assertEquals(200, call("GET", "/health", null, null).statusCode());
        JsonNode stats = JSON.readTree(call("GET", "/system/stats", null, null).body());
        assertEquals(
                6,
                stats.path("topics").size(),
                "agent, conversation, knowledge, job, media events and dead letters");
    }

    @Test
    void docsPageLoadsSwaggerUiFromTheWebJar() throws Exception {
        HttpResponse<String> page = call("GET", "/docs", null, null);
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(
                page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"),
                page.headers().toString());
        assertTrue(page.body().contains("url: \"/openapi.json\""), page.body());
        java.util.regex.Matcher assets =
                java.util.regex.Pattern.compile("\"(/docs/assets/[^\"]+)\"").matcher(page.body());
        int loaded = 0;
        while (assets.find()) {
            HttpResponse<byte[]> asset =
                    http.send(
                            java.net.http.HttpRequest.newBuilder(
                                            URI.create(
                                                    "http://127.0.0.1:"
                                                            + server.port()
                                                            + assets.group(1)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, asset.statusCode(), assets.group(1));
            assertTrue(asset.body().length > 100, assets.group(1) + " is empty");
            String type = asset.headers().firstValue("Content-Type").orElse("");
            String file = assets.group(1);
            assertTrue(
                    file.endsWith(".js")
                            ? type.startsWith("text/javascript")
                            : file.endsWith(".css")
                                    ? type.startsWith("text/css")
                                    : type.equals("image/png"),
                    file + " as " + type);
            loaded++;
        }
        assertEquals(6, loaded, "the page loads two scripts, two stylesheets and two icons");
        // Only the page's own files: nothing else from the classpath.
        HttpResponse<String> other = call("GET", "/docs/assets/oauth2-redirect.html", null, null);
        assertEquals(404, other.statusCode(), other.body());
        assertEquals(404, call("GET", "/docs/assets/..%2Fopenapi.json", null, null).statusCode());
    }

    @Test
    void aConfiguredTokenIsRequiredEverywhereButHealthAndTheDocumentation() throws Exception {
        server.close();
        server =
                RestServer.start(
                        new RestConfig("127.0.0.1", 0, "s3cret", 64 * 1024),
                        publisher,
                        admin,
                        List.of(),
                        List.of());
        assertEquals(401, call("GET", "/system/status", null, null).statusCode());
        assertEquals(401, call("GET", "/system/status", null, "wrong").statusCode());
        assertEquals(200, call("GET", "/system/status", null, "s3cret").statusCode());
        assertEquals(200, call("GET", "/health", null, null).statusCode());
        // Documentation holds no data, and a browser opening /docs cannot send a bearer header.
        assertEquals(200, call("GET", "/openapi.json", null, null).statusCode());
        assertEquals(200, call("GET", "/docs", null, null).statusCode());
        assertEquals(200, call("GET", "/docs/assets/swagger-ui.css", null, null).statusCode());
        assertEquals(401, call("GET", "/docs/../system/status", null, null).statusCode());
        assertEquals(401, call("GET", "/docs/%2e%2e/system/status", null, null).statusCode());
    }
}
