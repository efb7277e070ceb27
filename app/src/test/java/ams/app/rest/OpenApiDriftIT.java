package ams.app.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.EventPublisher;
import ams.app.system.AmsSystem;
import ams.app.system.TestSystemSettings;
import ams.service.media.LocalMediaStore;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The OpenAPI document against the API {@code ams up} really serves: the routes the server
 * registered (its own {@code /docs/routes}, read from Javalin's router), the parameters and body
 * fields each route reads (probed with a bad value each: a route that reads it answers 400 naming
 * it), and a real schema for every answer. A route added without documentation, or documented
 * without a route, fails here.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiDriftIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A value no parameter or field accepts; every refusal quotes it or names the field. */
    private static final String BOGUS = "bogus-probe";

    /**
     * Documented before the route is wired (GET /events/{event_id} arrives with the agent event
     * fates' route): tolerated while unregistered, and checked like any other once registered.
     */
    private static final Set<String> DOCUMENTED_AHEAD = Set.of();

    /**
     * Routes only {@code ams up} serves: they read the views in-process (exports) or the in-process
     * Streams clients (metrics), so the API-only process ({@code ams api}) has no upstream for
     * them.
     */
    private static final Set<String> IN_PROCESS_ONLY =
            Set.of(
                    "GET /metrics",
                    "GET /export/agents",
                    "GET /export/knowledge",
                    "GET /export/conversations",
                    "GET /export/conversations/{id}",
                    "POST /export/snapshots");

    /**
     * The body fields each write route reads. The routes parse bodies field by field (no typed
     * request records yet), so this table is the list; {@link
     * #everyDocumentedFieldIsReadByItsRoute} shows each listed field is really read. When a route
     * reads a typed record, compare the record's components instead.
     */
    private static final Map<String, Set<String>> BODY_FIELDS =
            Map.ofEntries(
                    Map.entry(
                            "POST /agents",
                            Set.of(
                                    "agent_id",
                                    "agent_name",
                                    "name",
                                    "description",
                                    "tags",
                                    "config")),
                    Map.entry(
                            "POST /agents/import",
                            Set.of(
                                    "format",
                                    "format_version",
                                    "exported_at",
                                    "agent",
                                    "config",
                                    "knowledge")),
                    // A JSON Merge Patch: any object, no fields of its own.
                    Map.entry("PATCH /agents/{id}", Set.of()),
                    Map.entry("PUT /agents/{id}/prompts/{type}", Set.of("text")),
                    Map.entry("PUT /agents/{id}/flags/{flag}", Set.of("value")),
                    Map.entry("POST /agents/{id}/deactivate", Set.of("reason")),
                    Map.entry("POST /agents/{id}/reactivate", Set.of("reason")),
                    Map.entry(
                            "POST /agents/{id}/knowledge",
                            Set.of(
                                    "document_id",
                                    "title",
                                    "content",
                                    "media",
                                    "content_type",
                                    "source",
                                    "tags",
                                    "metadata")),
                    Map.entry(
                            "POST /conversations/generate",
                            Set.of(
                                    "agents",
                                    "topic",
                                    "num_turns",
                                    "speaker_policy",
                                    "speaker_order",
                                    "seed",
                                    "provider",
                                    "model",
                                    "temperature",
                                    "top_p",
                                    "max_tokens",
                                    "stop_phrases",
                                    "token_budget",
                                    "timeout_ms",
                                    "termination",
                                    "session_id",
                                    "human_participants",
                                    "human_turns",
                                    "conversation_id")),
                    Map.entry("POST /conversations/{id}/cancel", Set.of("reason", "requested_by")),
                    Map.entry(
                            "POST /conversations/{id}/messages",
                            Set.of("author", "content", "media")),
                    // The file's bytes, not JSON: no fields.
                    Map.entry("POST /media", Set.of()),
                    Map.entry(
                            "POST /jobs",
                            Set.of("job_id", "name", "concurrency", "conversations", "cartesian")),
                    Map.entry(
                            "POST /jobs/{id}/cancel",
                            Set.of("reason", "requested_by", "cancel_running")));

    /** The query parameters each route reads (string ones cannot be probed with a bad value). */
    private static final Map<String, Set<String>> QUERY_PARAMETERS =
            Map.ofEntries(
                    Map.entry("GET /agents", Set.of("tag", "active", "offset", "limit")),
                    Map.entry("GET /agents/{id}/config", Set.of("asOf", "as_of")),
                    Map.entry("GET /agents/{id}/knowledge", Set.of("offset", "limit")),
                    Map.entry(
                            "GET /agents/{id}/knowledge/search",
                            Set.of(
                                    "q",
                                    "k",
                                    "mode",
                                    "tags",
                                    "source",
                                    "content_type",
                                    "min_similarity",
                                    "exact",
                                    "as_of")),
                    Map.entry("GET /agents/{id}/knowledge/as-of", Set.of("t")),
                    Map.entry("GET /graph/neighbours", Set.of("node", "as_of")),
                    Map.entry("GET /export/agents", Set.of("format")),
                    Map.entry("GET /export/knowledge", Set.of("format")),
                    Map.entry("GET /export/conversations", Set.of("format")),
                    Map.entry("GET /export/conversations/{id}", Set.of("format")),
                    Map.entry("GET /exporter/conversations/{id}/export", Set.of("format")),
                    Map.entry("GET /conversations/{id}/stream", Set.of("after")),
                    Map.entry("POST /jobs", Set.of("job_id", "name", "concurrency")),
                    Map.entry("POST /media", Set.of("file_name", "uploaded_by")));

    /** What a probe of one parameter sends besides it, for the route's required parameters. */
    private static final Map<String, String> BASE_QUERY =
            Map.of(
                    "GET /agents/{id}/knowledge/search", "q=owl",
                    "GET /graph/neighbours", "node=agent:probe-owl");

    /**
     * Fields a route reads leniently (any JSON value becomes text), so no bad value shows they are
     * read; the table above is all there is for them.
     */
    private static final Set<String> LENIENT_FIELDS =
            Set.of(
                    "POST /conversations/{id}/cancel reason",
                    "POST /conversations/{id}/cancel requested_by");

    private final HttpClient http = HttpClient.newHttpClient();
    private TestKafka kafka;
    private AmsSystem system;
    private String api;
    private JsonNode document;

    @BeforeAll
    void start(TestKafka kafka) throws Exception {
        this.kafka = kafka;
        int port = FreePorts.next();
        system =
                AmsSystem.start(
                        TestSystemSettings.scripted(
                                kafka.bootstrapServers(),
                                "drift-" + UUID.randomUUID().toString().substring(0, 8) + ".",
                                Files.createTempDirectory("ams-openapi-drift"),
                                port));
        system.awaitReady(Duration.ofMinutes(1));
        api = "http://127.0.0.1:" + port;
        HttpResponse<String> served = call("GET", "/openapi.json", null);
        assertEquals(200, served.statusCode(), served.body());
        document = JSON.readTree(served.body());
    }

    @AfterAll
    void stop() {
        system.close();
    }

    @Test
    void theDocumentHasExactlyTheRoutesTheServerRegistered() throws Exception {
        Set<String> registered = registeredRoutes(api);
        Set<String> documented = documentedOperations();
        Set<String> expected = new TreeSet<>(documented);
        DOCUMENTED_AHEAD.stream().filter(op -> !registered.contains(op)).forEach(expected::remove);
        assertEquals(
                expected,
                registered,
                "registered but not in openapi.json: "
                        + difference(registered, expected)
                        + "; in openapi.json but not registered: "
                        + difference(expected, registered));
    }

    @Test
    void theApiProcessServesTheSameRoutesButTheInProcessOnes() throws Exception {
        String nowhere = "http://127.0.0.1:9";
        try (EventPublisher publisher =
                        new EventPublisher(kafka.bootstrapServers(), system.topics());
                Admin admin = kafka.admin()) {
            ProxyRoutes proxy =
                    new ProxyRoutes(new ProxyRoutes.Upstreams(nowhere, nowhere, nowhere, nowhere));
            RestServer apiOnly =
                    RestServer.start(
                            new RestConfig("127.0.0.1", 0, null, 64 * 1024),
                            publisher,
                            admin,
                            List.of(),
                            // As ApiCommand composes it: ams api stores media itself.
                            List.of(
                                    proxy::register,
                                    new MediaRoutes(
                                                    LocalMediaStore.reader(
                                                            Files.createTempDirectory("ams-media")),
                                                    publisher,
                                                    1024)
                                            ::register));
            try {
                Set<String> proxied = registeredRoutes("http://127.0.0.1:" + apiOnly.port());
                Set<String> expected = new TreeSet<>(registeredRoutes(api));
                expected.removeAll(IN_PROCESS_ONLY);
                assertEquals(
                        expected,
                        proxied,
                        "ams up but not ams api (add it to ProxyRoutes): "
                                + difference(expected, proxied)
                                + "; ams api but not ams up: "
                                + difference(proxied, expected));
            } finally {
                apiOnly.close();
            }
        }
    }

    @Test
    void everyOperationAnswersWithARealSchema() {
        List<String> problems = new ArrayList<>();
        forEachOperation(
                (op, operation) -> {
                    JsonNode responses = operation.path("responses");
                    boolean success = false;
                    for (Map.Entry<String, JsonNode> response : responses.properties()) {
                        JsonNode resolved = resolve(response.getValue());
                        JsonNode content = resolved.path("content");
                        if (response.getKey().startsWith("2") && !content.isEmpty()) {
                            success = true;
                        }
                        content.properties()
                                .forEach(
                                        media ->
                                                checkMedia(
                                                        op + " " + response.getKey(),
                                                        media.getKey(),
                                                        media.getValue().path("schema"),
                                                        problems));
                    }
                    if (!success) {
                        problems.add(op + ": no 2xx answer with content");
                    }
                    JsonNode body = operation.path("requestBody");
                    if (!body.isMissingNode()) {
                        JsonNode content = resolve(body).path("content");
                        if (content.isEmpty()) {
                            problems.add(op + " request: no type");
                        }
                        // JSON bodies have a real schema; a file upload (POST /media) is binary.
                        content.properties()
                                .forEach(
                                        media ->
                                                checkMedia(
                                                        op + " request",
                                                        media.getKey(),
                                                        media.getValue().path("schema"),
                                                        problems));
                    }
                });
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void pathParametersMatchThePathTemplates() {
        Pattern template = Pattern.compile("\\{([^}]+)}");
        List<String> problems = new ArrayList<>();
        forEachOperation(
                (op, operation) -> {
                    Set<String> inPath = new TreeSet<>();
                    Matcher m = template.matcher(op.substring(op.indexOf(' ') + 1));
                    while (m.find()) {
                        inPath.add(m.group(1));
                    }
                    Set<String> declared = parameters(operation, "path");
                    if (!inPath.equals(declared)) {
                        problems.add(op + ": path has " + inPath + ", declared " + declared);
                    }
                });
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void queryParametersAndBodyFieldsAreTheOnesTheRoutesRead() {
        List<String> problems = new ArrayList<>();
        forEachOperation(
                (op, operation) -> {
                    Set<String> query = parameters(operation, "query");
                    Set<String> expectedQuery = QUERY_PARAMETERS.getOrDefault(op, Set.of());
                    if (!query.equals(expectedQuery)) {
                        problems.add(
                                op + ": query parameters " + query + ", reads " + expectedQuery);
                    }
                    JsonNode body = operation.path("requestBody");
                    if (body.isMissingNode()) {
                        if (BODY_FIELDS.containsKey(op)) {
                            problems.add(op + ": reads a body that is not documented");
                        }
                        return;
                    }
                    Set<String> fields = bodyFields(operation);
                    if (!BODY_FIELDS.containsKey(op)) {
                        problems.add(op + ": documents a body the route does not read");
                    } else if (!fields.equals(BODY_FIELDS.get(op))) {
                        problems.add(
                                op + ": body fields " + fields + ", reads " + BODY_FIELDS.get(op));
                    }
                });
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everyTypedQueryParameterIsReadByItsRoute() throws Exception {
        List<String> problems = new ArrayList<>();
        for (String op : registeredRoutes(api)) {
            JsonNode operation = operation(op);
            for (JsonNode parameter : operation.path("parameters")) {
                String name = parameter.path("name").asText();
                JsonNode schema = parameter.path("schema");
                boolean typed =
                        !schema.path("type").asText().equals("string")
                                || schema.has("enum")
                                || schema.has("format");
                if (!parameter.path("in").asText().equals("query") || !typed) {
                    continue;
                }
                String base = BASE_QUERY.getOrDefault(op, "");
                String query = (base.isEmpty() ? "" : base + "&") + name + "=" + BOGUS;
                HttpResponse<String> response = call(method(op), concrete(op) + "?" + query, null);
                if (response.statusCode() != 400 || !response.body().contains(BOGUS)) {
                    problems.add(
                            op
                                    + " ?"
                                    + query
                                    + " answered "
                                    + response.statusCode()
                                    + " "
                                    + response.body());
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everyDocumentedFieldIsReadByItsRoute() throws Exception {
        createProbeAgent();
        List<String> problems = new ArrayList<>();
        for (String op : registeredRoutes(api)) {
            JsonNode operation = operation(op);
            if (operation.path("requestBody").isMissingNode()) {
                continue;
            }
            JsonNode schema = resolve(requestSchema(operation));
            Set<String> required = new TreeSet<>();
            schema.path("required").forEach(r -> required.add(r.asText()));
            for (Map.Entry<String, JsonNode> field : schema.path("properties").properties()) {
                String name = field.getKey();
                if (LENIENT_FIELDS.contains(op + " " + name)) {
                    continue;
                }
                ObjectNode body = validBody(op);
                if (required.contains(name)) {
                    body.remove(name);
                } else {
                    body.set(name, wrongValue(resolve(field.getValue())));
                }
                HttpResponse<String> response = call(method(op), concrete(op), body.toString());
                if (response.statusCode() != 400 || !response.body().contains(name)) {
                    problems.add(
                            op
                                    + " "
                                    + body
                                    + " answered "
                                    + response.statusCode()
                                    + " "
                                    + response.body());
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    // --- the probes ---------------------------------------------------------------------------

    private void createProbeAgent() throws Exception {
        HttpResponse<String> created =
                call(
                        "POST",
                        "/agents",
                        "{\"agent_id\":\"probe-owl\",\"config\":"
                                + TestEvents.minimalConfig("probe-owl")
                                + "}");
        assertEquals(202, created.statusCode(), created.body());
        Wait.until(
                "probe-owl is in the agent view",
                Duration.ofSeconds(60),
                () -> {
                    try {
                        return call("GET", "/agents/probe-owl", null).statusCode() == 200;
                    } catch (Exception e) {
                        return false;
                    }
                });
    }

    /** A body the route would accept (the probe then breaks one field of it). */
    private static ObjectNode validBody(String op) {
        ObjectNode body = JSON.createObjectNode();
        switch (op) {
            case "POST /agents" -> body.put("agent_id", "probe-new").putObject("config");
            case "POST /agents/import" -> {
                body.put("format", "ams-agent-export").put("format_version", 1);
                body.put("exported_at", "2026-01-01T00:00:00Z");
                body.putObject("agent").put("agent_id", "probe-imported");
                body.putObject("config");
                body.putArray("knowledge");
            }
            case "PUT /agents/{id}/prompts/{type}" -> body.put("text", "Hoot.");
            case "PUT /agents/{id}/flags/{flag}" -> body.put("value", true);
            case "POST /agents/{id}/knowledge" -> body.put("content", "Owls hunt at night.");
            case "POST /conversations/generate" -> {
                body.putArray("agents").add("probe-owl");
                body.put("topic", "night");
            }
            case "POST /conversations/{id}/messages" ->
                    body.put("author", "ann").put("content", "hello");
            case "POST /jobs" ->
                    body.putArray("conversations")
                            .addObject()
                            .put("topic", "night")
                            .putArray("agents")
                            .add("probe-owl");
            default -> {}
        }
        return body;
    }

    /** A value of another JSON type than the field's. */
    private static JsonNode wrongValue(JsonNode schema) {
        return schema.path("type").asText().equals("string")
                ? JSON.getNodeFactory().numberNode(12345)
                : JSON.getNodeFactory().textNode(BOGUS);
    }

    /** The route's path with a value for each parameter. */
    private static String concrete(String op) {
        String path = op.substring(op.indexOf(' ') + 1);
        return path.replace("{id}", "probe-owl")
                .replace("{type}", "llmSystem")
                .replace("{flag}", "TTS_FLAG")
                .replace("{documentId}", "probe-doc")
                .replace("{event_id}", UUID.randomUUID().toString())
                .replace("{file}", "swagger-ui.css");
    }

    private static String method(String op) {
        return op.substring(0, op.indexOf(' '));
    }

    // --- reading the document -----------------------------------------------------------------

    private interface OperationCheck {
        void check(String op, JsonNode operation);
    }

    private void forEachOperation(OperationCheck check) {
        document.path("paths")
                .properties()
                .forEach(
                        path ->
                                path.getValue()
                                        .properties()
                                        .forEach(
                                                operation ->
                                                        check.check(
                                                                operation
                                                                                .getKey()
                                                                                .toUpperCase(
                                                                                        Locale.ROOT)
                                                                        + " "
                                                                        + path.getKey(),
                                                                operation.getValue())));
    }

    private Set<String> documentedOperations() {
        Set<String> operations = new TreeSet<>();
        forEachOperation((op, operation) -> operations.add(op));
        return operations;
    }

    private JsonNode operation(String op) {
        return document.path("paths")
                .path(op.substring(op.indexOf(' ') + 1))
                .path(method(op).toLowerCase(Locale.ROOT));
    }

    private Set<String> parameters(JsonNode operation, String in) {
        Set<String> names = new TreeSet<>();
        for (JsonNode parameter : operation.path("parameters")) {
            JsonNode resolved = resolve(parameter);
            if (resolved.path("in").asText().equals(in)) {
                names.add(resolved.path("name").asText());
            }
        }
        return names;
    }

    private JsonNode requestSchema(JsonNode operation) {
        return resolve(operation.path("requestBody"))
                .path("content")
                .path("application/json")
                .path("schema");
    }

    private Set<String> bodyFields(JsonNode operation) {
        Set<String> names = new TreeSet<>();
        resolve(requestSchema(operation))
                .path("properties")
                .fieldNames()
                .forEachRemaining(names::add);
        return names;
    }

    /** A {@code $ref} followed (to its end); anything else as it is. */
    private JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        while (current.has("$ref")) {
            String ref = current.path("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new AssertionError("only local references are used: " + ref);
            }
            JsonNode target = document.at(ref.substring(1));
            if (target.isMissingNode()) {
                throw new AssertionError("dangling reference " + ref);
            }
            current = target;
        }
        return current;
    }

    private void checkMedia(String where, String media, JsonNode schema, List<String> problems) {
        if (schema.isMissingNode()) {
            problems.add(where + " " + media + ": no schema");
        } else if (media.equals("application/json")) {
            checkSchema(where + " " + media, schema, problems, new TreeSet<>());
        } else if (!resolve(schema).path("type").asText().equals("string")) {
            problems.add(where + " " + media + ": a non-JSON answer is a string (or binary)");
        }
    }

    /**
     * Every object has properties, a schema for its values, or says in its description that it is
     * free-form; every array says what it holds.
     */
    private void checkSchema(String where, JsonNode node, List<String> problems, Set<String> seen) {
        if (node.has("$ref")) {
            String ref = node.path("$ref").asText();
            if (seen.add(ref)) {
                checkSchema(where + " > " + ref, resolve(node), problems, seen);
            }
            return;
        }
        String type = node.path("type").asText();
        switch (type) {
            case "object" -> {
                JsonNode values = node.path("additionalProperties");
                boolean freeForm =
                        node.path("description")
                                .asText()
                                .toLowerCase(Locale.ROOT)
                                .contains("free-form");
                if (node.path("properties").isEmpty() && !values.isObject() && !freeForm) {
                    problems.add(where + ": an object without properties");
                }
                node.path("properties")
                        .properties()
                        .forEach(
                                p ->
                                        checkSchema(
                                                where + "." + p.getKey(),
                                                p.getValue(),
                                                problems,
                                                seen));
                if (values.isObject()) {
                    checkSchema(where + ".*", values, problems, seen);
                }
            }
            case "array" -> {
                if (node.path("items").isMissingNode()) {
                    problems.add(where + ": an array without items");
                } else {
                    checkSchema(where + "[]", node.path("items"), problems, seen);
                }
            }
            case "string", "integer", "number", "boolean" -> {}
            default -> problems.add(where + ": no type");
        }
    }

    // --- the server ---------------------------------------------------------------------------

    private Set<String> registeredRoutes(String base) throws Exception {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(base + "/docs/routes")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        Set<String> routes = new TreeSet<>();
        JSON.readTree(response.body())
                .path("routes")
                .forEach(
                        r -> routes.add(r.path("method").asText() + " " + r.path("path").asText()));
        return routes;
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(api + path))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(60))
                        .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> rest = new TreeSet<>(a);
        rest.removeAll(b);
        return rest;
    }
}
