package ams.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.http.BearerToken;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ForwardClient} against a real server built by {@link ServiceHttp#create}: answers of every
 * framing Jetty uses (length-delimited, chunked), statuses passed on, headers sent, connections
 * reused, a connection the server dropped replaced.
 */
class ForwardClientTest {

    private static final String TOKEN = "forward-token";

    private final ForwardClient client = new ForwardClient(5_000);
    private final Set<String> remotePorts = ConcurrentHashMap.newKeySet();
    private Javalin server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private int start(int port) {
        server = ServiceHttp.create(ServiceHttp.Options.of(BearerToken.of(TOKEN)));
        server.before(
                ctx ->
                        remotePorts.add(
                                ctx.req().getRemoteAddr() + ":" + ctx.req().getRemotePort()));
        server.get(
                "/echo/{id}",
                ctx ->
                        ServiceHttp.ok(
                                ctx,
                                Map.of(
                                        "id",
                                        ctx.pathParam("id"),
                                        "q",
                                        String.valueOf(ctx.queryParam("q")),
                                        "forwarded",
                                        String.valueOf(
                                                ctx.header(InstanceRouter.FORWARDED_HEADER)))));
        server.get("/large", ctx -> ctx.result("x".repeat(200_000)));
        server.get(
                "/missing",
                ctx -> {
                    throw new NotFoundException("no agent 'ghost'");
                });
        return server.start("127.0.0.1", port).port();
    }

    private Map<String, String> headers() {
        return Map.of(InstanceRouter.FORWARDED_HEADER, "1", "Authorization", "Bearer " + TOKEN);
    }

    @Test
    void forwardsPathQueryAndHeadersAndReusesTheConnection() throws IOException {
        int port = start(0);
        for (int i = 0; i < 20; i++) {
            ForwardClient.Response response =
                    client.get("127.0.0.1", port, "/echo/agent%20" + i + "?q=a%26b", headers());
            assertEquals(200, response.status(), response.text());
            assertTrue(response.text().contains("\"id\":\"agent " + i + "\""), response.text());
            assertTrue(response.text().contains("\"q\":\"a&b\""), response.text());
            assertTrue(response.text().contains("\"forwarded\":\"1\""), response.text());
        }
        assertEquals(1, remotePorts.size(), "twenty sequential GETs over one connection");
    }

    @Test
    void encodesCharactersThatMayNotAppearInARequestTarget() throws IOException {
        int port = start(0);
        ForwardClient.Response response =
                client.get("127.0.0.1", port, "/echo/agent é 😀", headers());
        assertEquals(200, response.status(), response.text());
        assertEquals(
                "agent é 😀",
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(response.text())
                        .path("id")
                        .asText(),
                response.text());
    }

    @Test
    void readsAChunkedAnswerWhole() throws IOException {
        int port = start(0);
        ForwardClient.Response response = client.get("127.0.0.1", port, "/large", headers());
        assertEquals(200, response.status());
        assertEquals(200_000, response.text().length());
        // and the connection is still usable after it
        assertEquals(200, client.get("127.0.0.1", port, "/echo/a", headers()).status());
    }

    @Test
    void passesErrorStatusesAndBodiesOn() throws IOException {
        int port = start(0);
        ForwardClient.Response missing = client.get("127.0.0.1", port, "/missing", headers());
        assertEquals(404, missing.status());
        assertTrue(missing.text().contains("no agent 'ghost'"), missing.text());
        ForwardClient.Response unauthorized =
                client.get(
                        "127.0.0.1", port, "/echo/a", Map.of(InstanceRouter.FORWARDED_HEADER, "1"));
        assertEquals(401, unauthorized.status());
    }

    @Test
    void replacesAPooledConnectionTheServerClosed() throws IOException {
        int port = start(0);
        assertEquals(200, client.get("127.0.0.1", port, "/echo/a", headers()).status());
        // The server goes away and comes back on the same port: the pooled connection is dead.
        server.stop();
        start(port);
        assertEquals(200, client.get("127.0.0.1", port, "/echo/b", headers()).status());
    }

    @Test
    void aHostThatDoesNotListenIsAnIoError() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        int closed = port;
        assertThrows(
                IOException.class, () -> client.get("127.0.0.1", closed, "/echo/a", headers()));
    }
}
