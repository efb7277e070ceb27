package ams.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.http.BearerToken;
import ams.testkit.FreePorts;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ForwardPort} in front of a real server built by {@link ServiceHttp#create}: the same
 * answers as the HTTP port (routes, token check, error map, framing, bodies), each request run on
 * the thread of its connection, and the port gone with the server.
 */
class ForwardPortTest {

    private static final String TOKEN = "forward-token";

    private final ForwardClient client = new ForwardClient(5_000);
    private final Set<String> routeThreads = ConcurrentHashMap.newKeySet();
    private Javalin server;
    private int httpPort;
    private int forwardPort;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private void start() {
        forwardPort = FreePorts.next();
        server =
                ServiceHttp.create(
                        ServiceHttp.Options.of(BearerToken.of(TOKEN)).withForwardPort(forwardPort));
        server.get(
                "/echo/{id}",
                ctx -> {
                    routeThreads.add(Thread.currentThread().getName());
                    ServiceHttp.ok(
                            ctx,
                            Map.of(
                                    "id",
                                    ctx.pathParam("id"),
                                    "q",
                                    String.valueOf(ctx.queryParam("q")),
                                    "forwarded",
                                    String.valueOf(ctx.header(InstanceRouter.FORWARDED_HEADER))));
                });
        server.get("/large", ctx -> ctx.result("x".repeat(200_000)));
        server.get(
                "/missing",
                ctx -> {
                    throw new NotFoundException("no agent 'ghost'");
                });
        httpPort = server.start("127.0.0.1", 0).port();
    }

    private static Map<String, String> headers() {
        return Map.of(InstanceRouter.FORWARDED_HEADER, "1", "Authorization", "Bearer " + TOKEN);
    }

    @Test
    void answersAsTheHttpPortDoes() throws IOException {
        start();
        for (String path :
                new String[] {"/echo/agent%20%C3%A9?q=a%26b", "/missing", "/nowhere", "/large"}) {
            ForwardClient.Response viaHttp = client.get("127.0.0.1", httpPort, path, headers());
            // Two listeners of one server: both answer every request.
            ForwardClient.Response viaForward =
                    client.get("127.0.0.1", forwardPort, path, headers());
            assertEquals(viaHttp.status(), viaForward.status(), path);
            assertEquals(viaHttp.text(), viaForward.text(), path);
        }
        ForwardClient.Response echo =
                client.get("127.0.0.1", forwardPort, "/echo/a?q=b", headers());
        assertTrue(echo.text().contains("\"forwarded\":\"1\""), echo.text());
    }

    @Test
    void refusesARequestWithoutTheToken() throws IOException {
        start();
        Map<String, String> noToken = Map.of(InstanceRouter.FORWARDED_HEADER, "1");
        ForwardClient.Response viaHttp = client.get("127.0.0.1", httpPort, "/echo/a", noToken);
        ForwardClient.Response viaForward =
                client.get("127.0.0.1", forwardPort, "/echo/a", noToken);
        assertEquals(401, viaForward.status(), viaForward.text());
        assertEquals(viaHttp.text(), viaForward.text());
        ForwardClient.Response wrong =
                client.get(
                        "127.0.0.1",
                        forwardPort,
                        "/echo/a",
                        Map.of("Authorization", "Bearer wrong"));
        assertEquals(401, wrong.status());
    }

    @Test
    void runsEachRequestOnItsConnectionsThreadAndKeepsTheConnection() throws IOException {
        start();
        for (int i = 0; i < 20; i++) {
            ForwardClient.Response response =
                    client.get("127.0.0.1", forwardPort, "/echo/a" + i, headers());
            assertEquals(200, response.status(), response.text());
        }
        // Twenty sequential GETs over one pooled connection: one connection thread, no hand-off to
        // Jetty's pool.
        assertEquals(1, routeThreads.size(), routeThreads.toString());
        assertTrue(
                routeThreads.iterator().next().startsWith("ams-http-" + forwardPort),
                routeThreads.toString());
    }

    @Test
    void answersConcurrentForwardsEachWithItsOwnAnswer() throws Exception {
        start();
        int threads = 16;
        int each = 50;
        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<Integer>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(
                        pool.submit(
                                () -> {
                                    int answered = 0;
                                    for (int i = 0; i < each; i++) {
                                        String id = "t" + thread + "-" + i;
                                        ForwardClient.Response response =
                                                client.get(
                                                        "127.0.0.1",
                                                        forwardPort,
                                                        "/echo/" + id,
                                                        headers());
                                        assertEquals(200, response.status(), response.text());
                                        assertTrue(
                                                response.text().contains("\"id\":\"" + id + "\""),
                                                id + ": " + response.text());
                                        answered++;
                                    }
                                    return answered;
                                }));
            }
            int answered = 0;
            for (java.util.concurrent.Future<Integer> f : done) {
                answered += f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertEquals(threads * each, answered);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void takesWhatTheHttpPortTakes() throws IOException {
        start();
        String auth = "Authorization: Bearer " + TOKEN + "\r\nConnection: close\r\n";
        for (String request :
                new String[] {
                    "POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n" + auth + "\r\n{}",
                    "GET /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n" + auth + "\r\nabc",
                    "GET /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                            + auth
                            + "\r\n0\r\n\r\n"
                }) {
            String viaForward = withoutDate(exchange(forwardPort, request));
            assertEquals(withoutDate(exchange(httpPort, request)), viaForward, request);
            assertTrue(viaForward.startsWith("HTTP/1.1 "), viaForward);
        }
    }

    private static String withoutDate(String response) {
        return response.replaceAll("(?m)^Date: [^\r\n]*\r\n", "");
    }

    @Test
    void closesWithTheServer() throws IOException {
        start();
        assertEquals(200, client.get("127.0.0.1", forwardPort, "/echo/a", headers()).status());
        server.stop();
        server = null;
        assertThrows(
                IOException.class,
                () -> new ForwardClient(2_000).get("127.0.0.1", forwardPort, "/echo/a", headers()));
    }

    @Test
    void aPortInUseFailsTheStart() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
            Javalin failing =
                    ServiceHttp.create(
                            ServiceHttp.Options.of(BearerToken.of(TOKEN))
                                    .withForwardPort(taken.getLocalPort()));
            RuntimeException e =
                    assertThrows(RuntimeException.class, () -> failing.start("127.0.0.1", 0));
            assertTrue(
                    String.valueOf(e.getMessage()).contains("forward.port")
                            || String.valueOf(e.getCause()).contains("forward.port"),
                    String.valueOf(e));
        }
    }

    /** Sends raw bytes on a new connection and reads until the server closes it. */
    private static String exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
