package ams.app.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.http.BearerToken;
import ams.service.http.ServiceHttp;
import ams.service.http.ServiceUnavailableException;
import ams.testkit.FreePorts;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code ams api} passes on from a processor, against a real server standing in for it (no
 * broker needed): status, body, content type and retry advice unchanged, the query string as sent,
 * the system's token carried, and a processor that does not answer told as such.
 */
class ProxyRoutesTest {

    private static final String TOKEN = "proxy-token";

    private final HttpClient client = HttpClient.newHttpClient();
    private Javalin processor;
    private Javalin api;

    @AfterEach
    void stop() {
        if (api != null) {
            api.stop();
        }
        if (processor != null) {
            processor.stop();
        }
    }

    private int start(String agentsBase) {
        api = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        new ProxyRoutes(
                        new ProxyRoutes.Upstreams(agentsBase, null, null, agentsBase),
                        BearerToken.of(TOKEN))
                .register(api);
        return api.start("127.0.0.1", 0).port();
    }

    private String processor() {
        // The processor requires the token: every answer below proves the proxy carried it.
        processor = ServiceHttp.create(ServiceHttp.Options.of(BearerToken.of(TOKEN)));
        processor.get(
                "/agents/{id}",
                ctx -> {
                    if (ctx.pathParam("id").equals("moving")) {
                        throw new ServiceUnavailableException("store migrating", null);
                    }
                    ServiceHttp.ok(
                            ctx, Map.of("id", ctx.pathParam("id"), "q", "" + ctx.queryParam("q")));
                });
        processor.get(
                "/exporter/status", ctx -> ctx.contentType("text/csv").result("rows,files\n1,2\n"));
        return "http://127.0.0.1:" + processor.start("127.0.0.1", 0).port();
    }

    private HttpResponse<String> get(int port, String pathAndQuery) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void passesAnswersOnUnchanged() throws Exception {
        int port = start(processor());
        HttpResponse<String> agent = get(port, "/agents/a%20b?q=x%26y");
        assertEquals(200, agent.statusCode(), agent.body());
        assertTrue(agent.body().contains("\"id\":\"a b\""), agent.body());
        assertTrue(agent.body().contains("\"q\":\"x&y\""), agent.body());
        assertEquals("application/json", agent.headers().firstValue("Content-Type").orElse(""));

        HttpResponse<String> moving = get(port, "/agents/moving");
        assertEquals(503, moving.statusCode());
        assertEquals("1", moving.headers().firstValue("Retry-After").orElse(""));
        assertTrue(moving.body().contains("store migrating"), moving.body());

        HttpResponse<String> status = get(port, "/exporter/status");
        assertEquals(200, status.statusCode());
        assertEquals("rows,files\n1,2\n", status.body());
        assertTrue(
                status.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"),
                status.headers().toString());
    }

    @Test
    void saysWhichProcessorDoesNotAnswer() throws Exception {
        String nowhere = "http://127.0.0.1:" + FreePorts.next();
        int port = start(nowhere);
        HttpResponse<String> answer = get(port, "/agents/a");
        assertEquals(503, answer.statusCode());
        assertTrue(answer.body().contains("the processor at " + nowhere), answer.body());
        assertEquals("1", answer.headers().firstValue("Retry-After").orElse(""));
    }
}
