package ams.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javalin.Javalin;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP port of every server ({@link ThreadPerConnectionConnector}), spoken to over raw sockets:
 * the same bytes as Jetty's selector connector for the same requests, good and bad; bodies of every
 * framing and size, pipelined requests, streamed answers, and the limits (connections, idle time,
 * stop).
 */
class ThreadPerConnectionConnectorTest {

    private static final long MAX_BODY = 4096;

    private final List<Javalin> servers = new ArrayList<>();
    private final CountDownLatch streamMayEnd = new CountDownLatch(1);

    @AfterEach
    void stop() {
        servers.forEach(Javalin::stop);
    }

    private int start(ServiceHttp.Options options) {
        Javalin server = ServiceHttp.create(options);
        routes(server);
        servers.add(server);
        return server.start("127.0.0.1", 0).port();
    }

    private int start() {
        return start(options());
    }

    private static ServiceHttp.Options options() {
        return new ServiceHttp.Options(MAX_BODY, Optional.empty(), 0, true);
    }

    record Echo(int length, String body) {}

    record Count(long bytes, long sum) {}

    private void routes(Javalin server) {
        server.get("/thread", ctx -> ctx.result(Thread.currentThread().getName()));
        server.get(
                "/agents/{id}",
                ctx ->
                        ServiceHttp.ok(
                                ctx,
                                Map.of("id", ctx.pathParam("id"), "q", "" + ctx.queryParam("q"))));
        server.get(
                "/missing",
                ctx -> {
                    throw new NotFoundException("no agent 'ghost'");
                });
        server.post(
                "/echo",
                ctx -> ServiceHttp.ok(ctx, new Echo(ctx.bodyAsBytes().length, ctx.body())));
        server.get("/large", ctx -> ctx.result("x".repeat(1_000_000)));
        server.post(
                "/count",
                ctx -> {
                    long bytes = 0;
                    long sum = 0;
                    byte[] read = new byte[8192];
                    try (InputStream body = ctx.bodyInputStream()) {
                        for (int n; (n = body.read(read)) >= 0; ) {
                            bytes += n;
                            for (int i = 0; i < n; i++) {
                                sum += read[i];
                            }
                        }
                    }
                    ServiceHttp.ok(ctx, new Count(bytes, sum));
                });
        server.get(
                "/stream",
                ctx -> {
                    // As the API's stream proxy does: headers now, the body from another thread.
                    ctx.status(200).contentType("text/plain");
                    ctx.res().flushBuffer();
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    ctx.future(() -> done);
                    Thread writer =
                            new Thread(
                                    () -> {
                                        try {
                                            var out = ctx.res().getOutputStream();
                                            out.write("first\n".getBytes(StandardCharsets.UTF_8));
                                            out.flush();
                                            streamMayEnd.await(10, TimeUnit.SECONDS);
                                            out.write("second\n".getBytes(StandardCharsets.UTF_8));
                                            out.flush();
                                        } catch (IOException | InterruptedException e) {
                                            // the test fails on what it reads
                                        } finally {
                                            done.complete(null);
                                        }
                                    });
                    writer.start();
                });
    }

    @Test
    void answersWithTheSameBytesAsJettysSelectorConnector() throws IOException {
        int threads = start();
        int selector = start(options().withSelector());
        String[] requests = {
            "GET /agents/a%20%C3%A9?q=x HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /missing HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /nowhere HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /agents/a?q=%%% HTTP/1.1\r\nHost: h\r\n\r\n",
            "HEAD /agents/a HTTP/1.1\r\nHost: h\r\n\r\n",
            "DELETE /agents/a HTTP/1.1\r\nHost: h\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
            "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 99999\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef",
            "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
            "GET /agents/a HTTP/1.0\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1001\r\n"
                    + "x".repeat(0x1001)
                    + "\r\n0\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
            "BREW /pot HTCPCP/1.0\r\n\r\n",
            "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: h\r\n\r\n",
        };
        for (String request : requests) {
            String viaThreads = withoutDate(exchangeUntilClosed(threads, request));
            String viaSelector = withoutDate(exchangeUntilClosed(selector, request));
            assertEquals(viaSelector, viaThreads, request);
            assertTrue(viaThreads.startsWith("HTTP/1.1 "), viaThreads);
        }
    }

    @Test
    void runsEveryRequestOfAConnectionOnThatConnectionsThread() throws IOException {
        int port = start();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            String first = null;
            for (int i = 0; i < 10; i++) {
                send(socket, "GET /thread HTTP/1.1\r\nHost: h\r\n\r\n");
                String body = body(readResponse(socket.getInputStream()));
                assertTrue(body.startsWith("ams-http-" + port + "-"), body);
                if (first == null) {
                    first = body;
                }
                assertEquals(first, body);
            }
        }
    }

    @Test
    void readsBodiesOfEveryFramingAndPipelinedRequests() throws IOException {
        int port = start();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            // Content-Length, sent in two pieces.
            send(socket, "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello");
            // A gap, not a wait for anything: the body's second part arrives in a later read.
            sleep(50);
            send(socket, " world");
            assertEquals("{\"length\":11,\"body\":\"hello world\"}", body(readResponse(in)));
            // Chunked, with an extension and a trailer.
            send(
                    socket,
                    "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
            assertEquals("{\"length\":11,\"body\":\"hello world\"}", body(readResponse(in)));
            // Two requests in one write.
            send(
                    socket,
                    "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\na"
                            + "GET /agents/b HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals("{\"length\":1,\"body\":\"a\"}", body(readResponse(in)));
            assertTrue(body(readResponse(in)).contains("\"id\":\"b\""));
            // Expect: 100-continue: the client hears 100 before it sends the body, and once only.
            send(
                    socket,
                    "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", readContinue(in));
            send(socket, "abc");
            String answer = readResponse(in);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertEquals("{\"length\":3,\"body\":\"abc\"}", body(answer));
        }
    }

    @Test
    void streamsLargeBodiesToTheRouteAsTheyArrive() throws IOException {
        int port = start();
        byte[] large = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) ('a' + i % 26);
        }
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            InputStream in = socket.getInputStream();
            // Content-Length: the route reads it as a stream, past the JSON body limit.
            send(
                    socket,
                    "POST /count HTTP/1.1\r\nHost: h\r\nContent-Length: "
                            + large.length
                            + "\r\n\r\n");
            socket.getOutputStream().write(large);
            assertEquals(
                    "{\"bytes\":" + large.length + ",\"sum\":" + sum(large) + "}",
                    body(readResponse(in)));
            // The head and the body in one write, as most clients send them.
            byte[] head =
                    ("POST /count HTTP/1.1\r\nHost: h\r\nContent-Length: 81920\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1);
            byte[] both = java.util.Arrays.copyOf(head, head.length + 81920);
            System.arraycopy(large, 0, both, head.length, 81920);
            socket.getOutputStream().write(both);
            assertEquals(
                    "{\"bytes\":81920,\"sum\":" + sum(java.util.Arrays.copyOf(large, 81920)) + "}",
                    body(readResponse(in)));
            // Chunked, in chunks of 100,000 bytes.
            send(socket, "POST /count HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int at = 0; at < large.length; at += 100_000) {
                int size = Math.min(100_000, large.length - at);
                send(socket, Integer.toHexString(size) + "\r\n");
                socket.getOutputStream().write(large, at, size);
                send(socket, "\r\n");
            }
            send(socket, "0\r\n\r\n");
            assertEquals(
                    "{\"bytes\":" + large.length + ",\"sum\":" + sum(large) + "}",
                    body(readResponse(in)));
            // And the connection goes on.
            send(socket, "GET /agents/d HTTP/1.1\r\nHost: h\r\n\r\n");
            assertTrue(body(readResponse(in)).contains("\"id\":\"d\""));
        }
    }

    @Test
    void streamsBodiesThatFollowTheirHeadOnTheJdkClient() throws Exception {
        int port = start();
        // The JDK client writes the head, then the body: Jetty puts the request off until its
        // body arrives, which must then not run it on the thread that reads the body (a hang).
        for (int i = 0; i < 40; i++) {
            HttpClient http = HttpClient.newHttpClient();
            byte[] body = new byte[70_000 + i * 997];
            body[body.length - 1] = 1;
            HttpResponse<String> answer =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + port + "/count"))
                                    .timeout(Duration.ofSeconds(10))
                                    .POST(
                                            i % 2 == 0
                                                    ? HttpRequest.BodyPublishers.ofByteArray(body)
                                                    : HttpRequest.BodyPublishers.ofInputStream(
                                                            () -> new ByteArrayInputStream(body)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(
                    "{\"bytes\":" + body.length + ",\"sum\":1}", answer.body(), "request " + i);
        }
    }

    @Test
    void answersALargeBodyTheRouteRefusesWithoutResettingTheClient() throws IOException {
        int port = start();
        byte[] large = new byte[2 * 1024 * 1024];
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            // The client sends all of it before it reads: the answer must still be there.
            send(
                    socket,
                    "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: "
                            + large.length
                            + "\r\n\r\n");
            socket.getOutputStream().write(large);
            String answer = readResponse(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
        }
    }

    private static long sum(byte[] bytes) {
        long sum = 0;
        for (byte b : bytes) {
            sum += b;
        }
        return sum;
    }

    @Test
    void streamsAnAnswerAsItIsWritten() throws IOException {
        int port = start();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            send(socket, "GET /stream HTTP/1.1\r\nHost: h\r\n\r\n");
            InputStream in = socket.getInputStream();
            // The first line arrives while the route still holds the second back.
            String seen = readUntil(in, "first\n");
            assertTrue(seen.startsWith("HTTP/1.1 200"), seen);
            streamMayEnd.countDown();
            assertTrue(readUntil(in, "second\n").endsWith("second\n"));
            // Then the answer ends (chunked framing), as on Jetty's own connector.
            readUntil(in, "0\r\n\r\n");
        }
    }

    @Test
    void writesLargeAnswersWhole() throws IOException {
        int port = start();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            send(socket, "GET /large HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals(1_000_000, body(readResponse(socket.getInputStream())).length());
        }
    }

    @Test
    void answersConnectionsPastItsLimit503() throws IOException {
        Javalin server =
                Javalin.create(
                        config -> {
                            config.showJavalinBanner = false;
                            config.jetty.addConnector(
                                    (jetty, http) -> {
                                        ThreadPerConnectionConnector connector =
                                                new ThreadPerConnectionConnector(
                                                        jetty, 2, new HttpConnectionFactory(http));
                                        connector.setHost("127.0.0.1");
                                        connector.setPort(0);
                                        return connector;
                                    });
                        });
        server.get("/thread", ctx -> ctx.result(Thread.currentThread().getName()));
        servers.add(server);
        int port = server.start().port();
        try (Socket one = new Socket("127.0.0.1", port);
                Socket two = new Socket("127.0.0.1", port)) {
            for (Socket socket : List.of(one, two)) {
                socket.setSoTimeout(10_000);
                send(socket, "GET /thread HTTP/1.1\r\nHost: h\r\n\r\n");
                assertTrue(readResponse(socket.getInputStream()).startsWith("HTTP/1.1 200"));
            }
            String third = exchangeUntilClosed(port, "GET /thread HTTP/1.1\r\nHost: h\r\n\r\n");
            assertTrue(third.startsWith("HTTP/1.1 503 "), third);
            assertTrue(third.contains("Retry-After: 1"), third);
        }
        // Closed connections give their slots back.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String again;
        do {
            again = exchangeUntilClosed(port, "GET /thread HTTP/1.1\r\nHost: h\r\n\r\n");
        } while (!again.startsWith("HTTP/1.1 200") && System.nanoTime() < deadline);
        assertTrue(again.startsWith("HTTP/1.1 200"), again);
    }

    @Test
    void closesIdleConnectionsAndAllConnectionsOnStop() throws IOException {
        Javalin server = ServiceHttp.create(options());
        routes(server);
        servers.add(server);
        int port = server.start("127.0.0.1", 0).port();
        ThreadPerConnectionConnector connector =
                (ThreadPerConnectionConnector) server.jettyServer().server().getConnectors()[0];
        connector.setIdleTimeout(300);
        try (Socket idle = new Socket("127.0.0.1", port)) {
            idle.setSoTimeout(10_000);
            send(idle, "GET /thread HTTP/1.1\r\nHost: h\r\n\r\n");
            readResponse(idle.getInputStream());
            long started = System.nanoTime();
            assertEquals(-1, idle.getInputStream().read());
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(8));
        }
        connector.setIdleTimeout(60_000);
        try (Socket open = new Socket("127.0.0.1", port)) {
            open.setSoTimeout(10_000);
            send(open, "GET /thread HTTP/1.1\r\nHost: h\r\n\r\n");
            readResponse(open.getInputStream());
            server.stop();
            assertEquals(-1, open.getInputStream().read());
        }
        assertEquals(0, connector.connections());
    }

    // Raw HTTP/1.1 over a socket.

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Sends {@code request} with the output then shut, and reads until the server closes. */
    private static String exchangeUntilClosed(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            send(socket, request);
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** One response (Content-Length or chunked framing), head and body. */
    private static String readResponse(InputStream in) throws IOException {
        String head = readUntil(in, "\r\n\r\n");
        String lower = head.toLowerCase(java.util.Locale.ROOT);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int lengthAt = lower.indexOf("content-length:");
        if (lengthAt >= 0) {
            int length =
                    Integer.parseInt(
                            lower.substring(lengthAt + 15, lower.indexOf('\r', lengthAt)).trim());
            body.write(in.readNBytes(length));
        } else if (lower.contains("transfer-encoding: chunked")) {
            while (true) {
                int size = Integer.parseInt(readUntil(in, "\r\n").strip(), 16);
                if (size == 0) {
                    readUntil(in, "\r\n");
                    break;
                }
                body.write(in.readNBytes(size));
                readUntil(in, "\r\n");
            }
        }
        return head + body.toString(StandardCharsets.UTF_8);
    }

    private static String readContinue(InputStream in) throws IOException {
        return readUntil(in, "\r\n\r\n");
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        StringBuilder read = new StringBuilder();
        while (!read.toString().endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after: " + read);
            }
            read.append((char) b);
        }
        return read.toString();
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    private static String withoutDate(String response) {
        return response.replaceAll("(?m)^Date: [^\r\n]*\r\n", "");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
