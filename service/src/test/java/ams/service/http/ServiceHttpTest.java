package ams.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.InvalidRequestException;
import ams.events.http.BearerToken;
import ams.events.streams.StoreUnavailableException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One real server built by {@link ServiceHttp#create}, with a route per failure: every answer is
 * the one error body with the right status, whatever the route threw.
 */
class ServiceHttpTest {

    private static final String TOKEN = "s3cret-token";

    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private Javalin server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private int start(Optional<BearerToken> token) {
        server = ServiceHttp.create(ServiceHttp.Options.of(token));
        server.get("/health", ctx -> ServiceHttp.ok(ctx, java.util.Map.of("status", "UP")));
        server.get(
                "/invalid",
                ctx -> {
                    throw new InvalidRequestException("limit must be an integer, was 'x'");
                });
        server.get(
                "/illegal",
                ctx -> {
                    throw new IllegalArgumentException("mode must be one of hybrid, vector");
                });
        server.get(
                "/missing",
                ctx -> {
                    throw new NotFoundException("no agent 'ghost'");
                });
        server.get(
                "/conflict",
                ctx -> {
                    throw new ConflictException("the conversation has ended");
                });
        server.get(
                "/moving",
                ctx -> {
                    throw new StoreUnavailableException("store agents is migrating", null);
                });
        server.get(
                "/unreachable",
                ctx -> {
                    throw new ServiceUnavailableException("the broker did not answer", null);
                });
        server.get(
                "/bug",
                ctx -> {
                    throw new IllegalStateException("secret internals");
                });
        server.get("/limit", ctx -> ServiceHttp.ok(ctx, Params.intParam(ctx, "limit", 5, 1, 9)));
        server.get(
                "/sized/{bytes}",
                ctx ->
                        ServiceHttp.raw(
                                ctx,
                                200,
                                "\""
                                        + "x".repeat(Integer.parseInt(ctx.pathParam("bytes")) - 2)
                                        + "\""));
        server.start("127.0.0.1", 0);
        return server.port();
    }

    private HttpResponse<String> get(int port, String pathAndQuery, String authorization) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return client.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String rawGet(int port, String target) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream()
                    .write(
                            ("GET "
                                            + target
                                            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private JsonNode body(HttpResponse<String> response) throws IOException {
        return json.readTree(response.body());
    }

    /** The status, and a body of exactly {error, status} carrying the message. */
    private void assertError(HttpResponse<String> response, int status, String message)
            throws IOException {
        JsonNode body = body(response);
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(status, body.path("status").asInt(), response.body());
        assertEquals(message, body.path("error").asText(), response.body());
        assertEquals(2, body.size(), "only error and status: " + response.body());
        assertEquals(
                "application/json",
                response.headers().firstValue("Content-Type").orElse("").split(";")[0]);
    }

    @Test
    void shouldAnswerSmallAndLargeBodiesWhole() throws IOException {
        int port = start(Optional.empty());
        for (int bytes : new int[] {2, 1400, 1401, 200_000}) {
            HttpResponse<String> response = get(port, "/sized/" + bytes, null);
            assertEquals(200, response.statusCode());
            assertEquals(bytes, response.body().length(), "a body of " + bytes + " bytes");
            assertEquals(
                    "application/json",
                    response.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        }
    }

    @Test
    void shouldAnswerEachFailureWithItsStatusAndTheOneErrorBody() throws IOException {
        int port = start(Optional.empty());
        assertError(get(port, "/invalid", null), 400, "limit must be an integer, was 'x'");
        assertError(get(port, "/illegal", null), 400, "mode must be one of hybrid, vector");
        assertError(get(port, "/missing", null), 404, "no agent 'ghost'");
        assertError(get(port, "/conflict", null), 409, "the conversation has ended");
    }

    @Test
    void shouldAskToRetryAfterASecondWhenAStoreOrServiceIsUnavailable() throws IOException {
        int port = start(Optional.empty());
        HttpResponse<String> moving = get(port, "/moving", null);
        assertError(moving, 503, "store agents is migrating");
        assertEquals(Optional.of("1"), moving.headers().firstValue("Retry-After"));
        HttpResponse<String> unreachable = get(port, "/unreachable", null);
        assertError(unreachable, 503, "the broker did not answer");
        assertEquals(Optional.of("1"), unreachable.headers().firstValue("Retry-After"));
        assertFalse(
                get(port, "/missing", null).headers().firstValue("Retry-After").isPresent(),
                "only a 503 asks to retry");
    }

    @Test
    void shouldAnswerABugWithAnIncidentIdAndNotItsDetails() throws IOException {
        int port = start(Optional.empty());
        HttpResponse<String> response = get(port, "/bug", null);
        JsonNode body = body(response);
        assertEquals(500, response.statusCode());
        assertEquals(500, body.path("status").asInt());
        String incident = body.path("incident").asText();
        assertEquals(36, incident.length(), "a UUID: " + body);
        assertTrue(body.path("error").asText().contains(incident), body.toString());
        assertFalse(response.body().contains("secret internals"), "details stay in the log");
        assertFalse(
                incident.equals(body(get(port, "/bug", null)).path("incident").asText()),
                "one incident per failure");
    }

    @Test
    void shouldRequireTheTokenOnEveryRouteButHealth() throws IOException {
        int port = start(BearerToken.of(TOKEN));
        HttpResponse<String> without = get(port, "/limit", null);
        assertEquals(401, without.statusCode());
        assertEquals(401, body(without).path("status").asInt());
        assertEquals(BearerToken.REFUSAL, body(without).path("error").asText());
        assertEquals(401, get(port, "/limit", "Bearer wrong").statusCode());
        assertEquals(401, get(port, "/missing", null).statusCode(), "before the route runs");
        assertEquals(200, get(port, "/health", null).statusCode());
        HttpResponse<String> with = get(port, "/limit?limit=7", "Bearer " + TOKEN);
        assertEquals(200, with.statusCode(), with.body());
        assertEquals("7", with.body());
    }

    @Test
    void shouldRefuseAQueryStringThatIsNotValidPercentEncoding() throws IOException {
        int port = start(Optional.empty());
        // The JDK's HttpClient will not send a malformed URI: write the request by hand.
        String response = rawGet(port, "/limit?limit=%%%");
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        assertTrue(json.readTree(body).path("error").asText().contains("percent-encoding"), body);
        assertEquals(200, get(port, "/limit?limit=%33", null).statusCode(), "%33 is '3'");
    }

    @Test
    void shouldNameTheParameterThatDoesNotFit() throws IOException {
        int port = start(Optional.empty());
        assertError(get(port, "/limit?limit=x", null), 400, "limit must be an integer, was 'x'");
        assertError(
                get(port, "/limit?limit=10", null), 400, "limit must be between 1 and 9, was 10");
    }

    @Test
    void shouldAnswerAnUnknownRouteWithTheErrorBody() throws IOException {
        int port = start(Optional.empty());
        HttpResponse<String> response = get(port, "/no/such/route", null);
        assertEquals(404, response.statusCode());
        assertTrue(body(response).path("error").asText().contains("/no/such/route"));
        assertEquals(404, body(response).path("status").asInt());
    }
}
