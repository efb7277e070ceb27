package ams.app.chaos.badinput;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Malformed requests for every write and query route of the REST API (see {@code
 * ams/openapi.json}): malformed JSON, wrong types, missing fields, bad path and query parameters,
 * unknown ids, oversize bodies, other content types, wrong methods and paths. Each one is wrong in
 * at least one way the API must answer with a 4xx, whatever else about it is right.
 */
final class MalformedRequestCatalogue {

    /**
     * One request. {@code path} is already percent-encoded; a {@code raw} request goes over a plain
     * socket because no HTTP client library would send it (an invalid percent-encoding, a broken
     * header).
     */
    record Request(
            String route,
            String method,
            String path,
            String contentType,
            String body,
            boolean raw) {

        static Request json(String route, String method, String path, String body) {
            return new Request(route, method, path, "application/json", body, false);
        }

        @Override
        public String toString() {
            String shown =
                    body == null
                            ? ""
                            : body.length() > 200
                                    ? " "
                                            + body.substring(0, 200)
                                            + "… ("
                                            + body.length()
                                            + " chars)"
                                    : " " + body;
            return method
                    + " "
                    + path
                    + (contentType == null ? "" : " [" + contentType + "]")
                    + shown;
        }
    }

    /**
     * Larger than the API's default request limit (2 MiB, {@code
     * RestConfig.DEFAULT_MAX_REQUEST_BYTES}).
     */
    private static final int OVERSIZE = 2 * 1024 * 1024 + 1024;

    /**
     * Within the request limit but more than a knowledge document may hold (1,000,000 characters).
     */
    private static final int OVERSIZE_DOCUMENT = 1_000_001;

    private static final String VALID_CONFIG =
            "{\"prompt_config\":{\"agent\":{\"llmSystem\":\"Hi.\"}},\"command_flags\":{}}";

    private final List<Function<Random, Request>> makers = new ArrayList<>();

    /**
     * @param knownAgent an agent that exists, or null; with it, requests that are wrong only in a
     *     field's type are also made (without it an unknown agent would be the only thing wrong)
     */
    MalformedRequestCatalogue(String knownAgent) {
        writes();
        conversations(knownAgent);
        queries();
        routing();
    }

    Request next(Random random) {
        return makers.get(random.nextInt(makers.size())).apply(random);
    }

    // --- writes --------------------------------------------------------------------------------

    private void writes() {
        add(
                r ->
                        Request.json(
                                "POST /agents",
                                "POST",
                                "/agents",
                                pick(
                                        r,
                                        "",
                                        "   ",
                                        "{not json",
                                        truncatedJson(
                                                r,
                                                "{\"agent_id\":\"a\",\"config\":"
                                                        + VALID_CONFIG
                                                        + "}"),
                                        "[1,2]",
                                        "\"agent\"",
                                        "42",
                                        "null",
                                        "{\"agent_id\":\"a\",\"description\":5}",
                                        // no agent_id is fine since seed compatibility (an id is
                                        // generated); two names that differ are not
                                        "{\"name\":\"x\",\"agent_name\":\"y\",\"config\":{}}",
                                        "{\"agent_id\":5,\"config\":{}}",
                                        "{\"agent_id\":{\"x\":1},\"config\":{}}",
                                        "{\"agent_id\":\"" + badId(r) + "\",\"config\":{}}",
                                        "{\"agent_id\":\"a\",\"config\":true}",
                                        "{\"agent_id\":\"a\",\"config\":\"x\"}",
                                        "{\"agent_id\":\"a\",\"config\":[1]}",
                                        "{\"agent_id\":\"a\",\"config\":{\"agent_id\":\"b\"}}",
                                        "{\"agent_id\":\"a\",\"name\":7,\"config\":{}}",
                                        "{\"agent_id\":\"a\",\"tags\":\"x\",\"config\":{}}",
                                        "{\"agent_id\":\"a\",\"tags\":[1,2],\"config\":{}}",
                                        "{\"agent_id\":\"a\",\"agent_name\":5,\"config\":{}}",
                                        "{\"agent_id\":\"a\",\"description\":[],\"config\":{}}",
                                        "{\"agent_id\":\"a\",\"config\":{\"x\":NaN}}",
                                        "{\"agent_id\":'a',\"config\":{}}",
                                        "{\"agent_id\":\"a\",\"config\":{}}}",
                                        "{\"agent_id\":\"a\",\"config\":{}},",
                                        "[".repeat(3000) + "]".repeat(3000))));
        add(
                r ->
                        new Request(
                                "POST /agents",
                                "POST",
                                "/agents",
                                pick(
                                        r,
                                        "text/plain",
                                        "application/x-www-form-urlencoded",
                                        "application/xml",
                                        "multipart/form-data; boundary=x"),
                                pick(
                                        r,
                                        "agent_id=a&config=%7B%7D",
                                        "<agent><agent_id>a</agent_id></agent>",
                                        "--x\r\nContent-Disposition: form-data; name=\"agent_id\"\r\n\r\na\r\n--x--",
                                        "agent_id: a"),
                                false));
        add(
                r ->
                        Request.json(
                                "PATCH /agents/{id}",
                                "PATCH",
                                "/agents/" + unknownId(r),
                                pick(
                                        r,
                                        "",
                                        "{bad",
                                        "[]",
                                        "5",
                                        "null",
                                        "\"x\"",
                                        "[{\"description\":\"x\"}]",
                                        truncatedJson(r, "{\"description\":\"new\"}"))));
        add(
                r ->
                        Request.json(
                                "PATCH /agents/{id}",
                                "PATCH",
                                "/agents/" + badId(r),
                                "{\"description\":\"x\"}"));
        add(
                r ->
                        Request.json(
                                "PUT /agents/{id}/prompts/{type}",
                                "PUT",
                                "/agents/"
                                        + unknownId(r)
                                        + "/prompts/"
                                        + pick(
                                                r,
                                                "llmWhatever",
                                                "system",
                                                "LLMSYSTEM",
                                                "%20",
                                                "llmSystem%00"),
                                "{\"text\":\"Be brief.\"}"));
        add(
                r ->
                        Request.json(
                                "PUT /agents/{id}/prompts/{type}",
                                "PUT",
                                "/agents/" + unknownId(r) + "/prompts/llmSystem",
                                pick(
                                        r,
                                        "{\"text\":5}",
                                        "{}",
                                        "{\"text\":null}",
                                        "{\"text\":[\"a\"]}",
                                        "{bad",
                                        "",
                                        "[\"text\"]")));
        add(
                r ->
                        Request.json(
                                "PUT /agents/{id}/prompts/{type}",
                                "PUT",
                                "/agents/" + badId(r) + "/prompts/llmSystem",
                                "{\"text\":\"Be brief.\"}"));
        add(
                r ->
                        Request.json(
                                "PUT /agents/{id}/flags/{flag}",
                                "PUT",
                                "/agents/" + unknownId(r) + "/flags/TTS_FLAG",
                                pick(
                                        r,
                                        "{\"value\":\"yes\"}",
                                        "{\"value\":1}",
                                        "{}",
                                        "{\"value\":null}",
                                        "[true]",
                                        "true",
                                        "{\"value\":\"true\"}",
                                        "{bad")));
        add(
                r ->
                        Request.json(
                                "PUT /agents/{id}/flags/{flag}",
                                "PUT",
                                r.nextBoolean()
                                        ? "/agents/" + badId(r) + "/flags/TTS_FLAG"
                                        : "/agents/" + unknownId(r) + "/flags/%20",
                                "{\"value\":true}"));
        add(
                r -> {
                    String action = pick(r, "deactivate", "reactivate");
                    return r.nextBoolean()
                            ? Request.json(
                                    "POST /agents/{id}/" + action,
                                    "POST",
                                    "/agents/" + badId(r) + "/" + action,
                                    null)
                            : Request.json(
                                    "POST /agents/{id}/" + action,
                                    "POST",
                                    "/agents/" + unknownId(r) + "/" + action,
                                    pick(
                                            r,
                                            "{bad",
                                            "{\"reason\":5}",
                                            "[1]",
                                            "\"because\"",
                                            "{\"reason\":{}}"));
                });
        add(
                r ->
                        Request.json(
                                "POST /agents/{id}/knowledge",
                                "POST",
                                "/agents/" + unknownId(r) + "/knowledge",
                                pick(
                                        r,
                                        "",
                                        "{bad",
                                        "[]",
                                        "{}",
                                        "{\"content\":\"\"}",
                                        "{\"content\":\"   \"}",
                                        "{\"content\":5}",
                                        "{\"content\":null}",
                                        "{\"content\":\"c\",\"metadata\":[1]}",
                                        "{\"content\":\"c\",\"metadata\":\"m\"}",
                                        "{\"content\":\"c\",\"tags\":\"t\"}",
                                        "{\"content\":\"c\",\"tags\":[1]}",
                                        "{\"content\":\"c\",\"title\":5}",
                                        "{\"content\":\"c\",\"document_id\":7}",
                                        "{\"content\":\"c\",\"source\":[]}",
                                        "{\"content\":\"c\",\"content_type\":{}}",
                                        "{\"title\":\"only a title\"}")));
        add(
                r ->
                        new Request(
                                "POST /agents/{id}/knowledge",
                                "POST",
                                "/agents/" + unknownId(r) + "/knowledge",
                                pick(r, "application/x-www-form-urlencoded", "text/plain"),
                                pick(r, "content=hello&title=x", "hello, world"),
                                false));
        add(
                r ->
                        Request.json(
                                "POST /agents/{id}/knowledge",
                                "POST",
                                "/agents/" + badId(r) + "/knowledge",
                                "{\"content\":\"Owls hunt at night.\"}"));
        // Built only when chosen: a pick() among them would build every one of these strings on
        // every call.
        add(
                r ->
                        switch (r.nextInt(5)) {
                            case 0 ->
                                    Request.json(
                                            "POST /agents",
                                            "POST",
                                            "/agents",
                                            "{\"agent_id\":\"a\",\"config\":{},\"pad\":\""
                                                    + "x".repeat(OVERSIZE)
                                                    + "\"}");
                            case 1 ->
                                    Request.json(
                                            "POST /agents/{id}/knowledge",
                                            "POST",
                                            "/agents/" + unknownId(r) + "/knowledge",
                                            "{\"content\":\"" + "x".repeat(OVERSIZE) + "\"}");
                            case 2 ->
                                    Request.json(
                                            "POST /agents/{id}/knowledge",
                                            "POST",
                                            "/agents/" + unknownId(r) + "/knowledge",
                                            "{\"content\":\""
                                                    + "x".repeat(OVERSIZE_DOCUMENT)
                                                    + "\"}");
                            case 3 ->
                                    Request.json(
                                            "PATCH /agents/{id}",
                                            "PATCH",
                                            "/agents/" + unknownId(r),
                                            "{\"description\":\"" + "x".repeat(OVERSIZE) + "\"}");
                            default ->
                                    Request.json(
                                            "POST /conversations/generate",
                                            "POST",
                                            "/conversations/generate",
                                            "{\"agents\":[\""
                                                    + unknownId(r)
                                                    + "\"],\"topic\":\""
                                                    + "x".repeat(OVERSIZE)
                                                    + "\"}");
                        });
        add(
                r ->
                        Request.json(
                                "DELETE /agents/{id}/knowledge/{documentId}",
                                "DELETE",
                                r.nextBoolean()
                                        ? "/agents/" + badId(r) + "/knowledge/doc-1"
                                        : "/agents/" + unknownId(r) + "/knowledge/%20",
                                null));
    }

    // --- conversations -------------------------------------------------------------------------

    private void conversations(String knownAgent) {
        add(
                r -> {
                    String ghost = "\"" + unknownId(r) + "\"";
                    return Request.json(
                            "POST /conversations/generate",
                            "POST",
                            "/conversations/generate",
                            pick(
                                    r,
                                    "",
                                    "{bad",
                                    "[]",
                                    "{}",
                                    "null",
                                    "{\"agents\":[],\"topic\":\"t\"}",
                                    "{\"agents\":" + ghost + ",\"topic\":\"t\"}",
                                    "{\"agents\":[1,2],\"topic\":\"t\"}",
                                    "{\"agents\":[\"\"],\"topic\":\"t\"}",
                                    "{\"agents\":[" + ghost + "],\"topic\":\"\"}",
                                    "{\"agents\":[" + ghost + "]}",
                                    "{\"agents\":[" + ghost + "],\"topic\":\"t\",\"num_turns\":0}",
                                    "{\"agents\":[" + ghost + "],\"topic\":\"t\",\"num_turns\":-3}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"num_turns\":\"many\"}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"num_turns\":10001}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"num_turns\":99999999999}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"speaker_policy\":\"loudest\"}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"speaker_policy\":\"explicit\"}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"speaker_order\":[\"someone-else\"]}",
                                    "{\"agents\":[" + ghost + "," + ghost + "],\"topic\":\"t\"}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"provider\":\"gpt\"}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"token_budget\":0}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"token_budget\":\"lots\"}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"timeout_ms\":-5}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"stop_phrases\":\"bye\"}",
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"t\",\"human_participants\":[1]}",
                                    // Right in every way but one: the agent does not exist.
                                    "{\"agents\":["
                                            + ghost
                                            + "],\"topic\":\"night\",\"num_turns\":2}"));
                });
        if (knownAgent != null) {
            // The agent exists, so a field of the wrong type is the only thing wrong: it must not
            // be coerced and accepted.
            String agents = "{\"agents\":[\"" + knownAgent + "\"],";
            String rest = "\"topic\":\"t\",\"num_turns\":1,";
            add(
                    r ->
                            Request.json(
                                    "POST /conversations/generate",
                                    "POST",
                                    "/conversations/generate",
                                    agents
                                            + pick(
                                                    r,
                                                    rest + "\"temperature\":\"hot\"}",
                                                    rest + "\"top_p\":\"x\"}",
                                                    rest + "\"max_tokens\":\"many\"}",
                                                    rest + "\"max_tokens\":1.5}",
                                                    rest + "\"seed\":\"abc\"}",
                                                    rest + "\"seed\":{}}",
                                                    rest + "\"model\":5}",
                                                    rest + "\"model\":{}}",
                                                    rest + "\"conversation_id\":5}",
                                                    rest + "\"conversation_id\":{\"id\":1}}",
                                                    rest + "\"session_id\":[]}",
                                                    rest + "\"provider\":7}",
                                                    rest + "\"speaker_policy\":5}",
                                                    "\"topic\":5,\"num_turns\":1}",
                                                    "\"topic\":\"t\",\"num_turns\":true}",
                                                    "\"topic\":\"t\",\"num_turns\":1.5}")));
        }
        add(
                r ->
                        Request.json(
                                "POST /conversations/{id}/messages",
                                "POST",
                                "/conversations/" + unknownId(r) + "/messages",
                                pick(
                                        r,
                                        "{bad",
                                        "{\"author\":\"steve\"}",
                                        "{\"content\":\"hi\"}",
                                        "{\"author\":\"\",\"content\":\"hi\"}",
                                        "[]",
                                        "",
                                        "{\"author\":\"steve\",\"content\":\"hi\"}")));
        add(
                r ->
                        Request.json(
                                "POST /conversations/{id}/cancel",
                                "POST",
                                "/conversations/" + unknownId(r) + "/cancel",
                                pick(r, null, "{\"reason\":\"done\"}", "{bad")));
    }

    // --- queries -------------------------------------------------------------------------------

    private void queries() {
        add(
                r ->
                        get(
                                "GET /agents",
                                "/agents?"
                                        + pick(
                                                r,
                                                "limit=abc",
                                                "limit=0",
                                                "limit=-1",
                                                "limit=100000",
                                                "limit=1e3",
                                                "limit=9999999999",
                                                "offset=-1",
                                                "offset=x",
                                                "offset=2000000",
                                                "active=maybe",
                                                "active=1",
                                                "active=TRUE",
                                                "offset=1.5")));
        add(
                r ->
                        get(
                                "GET /agents/{id}",
                                "/agents/"
                                        + unknownId(r)
                                        + pick(
                                                r,
                                                "",
                                                "/history",
                                                "/config?asOf=2026-01-01T00:00:00Z")));
        add(
                r ->
                        get(
                                "GET /agents/{id}/config",
                                "/agents/"
                                        + unknownId(r)
                                        + "/config"
                                        + pick(
                                                r,
                                                "",
                                                "?asOf=",
                                                "?asOf=yesterday",
                                                "?asOf=2026-13-01T00:00:00Z",
                                                "?asOf=1700000000000",
                                                "?asOf=%2B1000000000-12-31T23:59:59Z",
                                                "?asOf=-1000000000-01-01T00:00:00Z",
                                                "?as_of=2026-02-30T00:00:00Z")));
        add(
                r ->
                        get(
                                "GET /agents/{id}/knowledge",
                                "/agents/"
                                        + unknownId(r)
                                        + "/knowledge?"
                                        + pick(
                                                r,
                                                "limit=0",
                                                "limit=5000",
                                                "limit=x",
                                                "offset=-1",
                                                "offset=x",
                                                "limit=99999999999")));
        add(
                r ->
                        get(
                                "GET /agents/{id}/knowledge/search",
                                "/agents/"
                                        + unknownId(r)
                                        + "/knowledge/search"
                                        + pick(
                                                r,
                                                "",
                                                "?q=",
                                                "?q=%20",
                                                "?q=owls&k=0",
                                                "?q=owls&k=101",
                                                "?q=owls&k=x",
                                                "?q=owls&mode=fuzzy",
                                                "?q=owls&min_similarity=abc",
                                                "?k=3")));
        add(
                r ->
                        get(
                                "GET /agents/{id}/knowledge/as-of",
                                "/agents/"
                                        + unknownId(r)
                                        + "/knowledge/as-of"
                                        + pick(
                                                r,
                                                "",
                                                "?t=",
                                                "?t=garbage",
                                                "?t=2026-01-32T00:00:00Z",
                                                "?t=1700000000000")));
        add(
                r ->
                        get(
                                "GET /graph/neighbours",
                                "/graph/neighbours"
                                        + pick(
                                                r,
                                                "",
                                                "?node=",
                                                "?node=bogus",
                                                "?node=agent:",
                                                "?node=:x",
                                                "?node=agent:" + unknownId(r) + "&as_of=garbage")));
        add(
                r ->
                        get(
                                "GET /conversations/{id}",
                                "/conversations/" + unknownId(r) + pick(r, "", "/messages")));
        add(
                r ->
                        get(
                                "GET /export/*",
                                pick(
                                        r,
                                        "/export/agents?format=xml",
                                        "/export/knowledge?format=markdown",
                                        "/export/agents?format=",
                                        "/export/conversations?format=pdf",
                                        "/export/knowledge?format=%20",
                                        "/export/conversations/" + unknownId(r) + "?format=jsonl",
                                        "/exporter/conversations/"
                                                + unknownId(r)
                                                + "/export?format=parquet",
                                        "/exporter/conversations/"
                                                + unknownId(r)
                                                + "/export?format=docx")));
    }

    // --- methods, paths and broken HTTP --------------------------------------------------------

    private void routing() {
        add(
                r -> {
                    String[] methodAndPath =
                            pick(
                                            r,
                                            "DELETE /agents",
                                            "PUT /health",
                                            "POST /agents/x",
                                            "PATCH /conversations/generate",
                                            "DELETE /system/status",
                                            "POST /graph/neighbours",
                                            "GET /nope",
                                            "GET /agents/x/y/z/w",
                                            "GET /v2/agents",
                                            "POST /export/agents",
                                            "PUT /agents/x/knowledge")
                                    .split(" ");
                    return Request.json(
                            "wrong method or path",
                            methodAndPath[0],
                            methodAndPath[1],
                            r.nextBoolean() ? null : "{}");
                });
        add(
                r ->
                        new Request(
                                "raw HTTP",
                                pick(r, "GET", "POST"),
                                pick(r, "/agents/%zz", "/agents?limit=%%%", "/agents/%C0%AE%C0%AE"),
                                null,
                                null,
                                true));
        add(
                r ->
                        new Request(
                                "raw HTTP",
                                "POST",
                                "/agents",
                                "application/json",
                                pick(r, "CONTENT_LENGTH_NOT_A_NUMBER", "HEADER_WITHOUT_COLON"),
                                true));
    }

    // --- helpers -------------------------------------------------------------------------------

    private void add(Function<Random, Request> maker) {
        makers.add(maker);
    }

    private static Request get(String route, String path) {
        return new Request(route, "GET", path, null, null, false);
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** A well-formed agent id that no agent has. */
    private static String unknownId(Random random) {
        return "ghost-" + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
    }

    /** An agent id the API must refuse (percent-encoded for use in a path or a JSON string). */
    private static String badId(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> "a%20b";
            case 1 -> "-leading-dash";
            case 2 -> "x".repeat(129);
            case 3 -> URLEncoder.encode("été", StandardCharsets.UTF_8);
            case 4 -> "%2E%2E";
            default -> "semi%3Bcolon";
        };
    }

    private static String truncatedJson(Random random, String json) {
        return json.substring(0, 1 + random.nextInt(json.length() - 2));
    }
}
