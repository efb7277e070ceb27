package ams.testkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class OpenLoopLoadTest {

    private static final long S = 1_000_000_000L;

    @Test
    void shouldGiveEachAlternatingPathTheTimeOfItsOwnSlices() {
        // Slices of 2 s from 0: [0,2) first, [2,4) second, [4,6) first, [6,8) second.
        assertEquals(2 * S, OpenLoopLoad.sliceNanos(0, 3 * S, 8 * S, 0, 2 * S));
        assertEquals(3 * S, OpenLoopLoad.sliceNanos(1, 3 * S, 8 * S, 0, 2 * S));
        // Whole slices: an even split.
        assertEquals(30 * S, OpenLoopLoad.sliceNanos(0, 20 * S, 80 * S, 0, 2 * S));
        assertEquals(30 * S, OpenLoopLoad.sliceNanos(1, 20 * S, 80 * S, 0, 2 * S));
        // An origin after the window's start (slices before it count backwards).
        assertEquals(S, OpenLoopLoad.sliceNanos(1, 0, 2 * S, S, 2 * S));
    }

    @Test
    void shouldMeasureTwoAlternatingPathsOnOneSchedule() throws Exception {
        try (TinyHttpServer server = TinyHttpServer.start()) {
            OpenLoopLoad.Options options =
                    new OpenLoopLoad.Options(
                                    "127.0.0.1",
                                    server.port(),
                                    "/a/%d",
                                    10,
                                    400,
                                    Duration.ofMillis(200),
                                    Duration.ofMillis(1_000),
                                    2)
                            .alternatingWith("/b", Duration.ofMillis(100));
            List<OpenLoopLoad.Result> results = OpenLoopLoad.runAll(options);
            assertEquals(2, results.size());
            // 400 req/s for 1 s, half the slices each.
            assertEquals(200, results.get(0).requests(), 3);
            assertEquals(200, results.get(1).requests(), 3);
            assertEquals(400, results.get(0).achievedRate(), 40);
            // Warm-up included: 1.2 s of 100 ms slices, six of them the first path's.
            assertEquals(240, server.paths("/a/"), 4, "the first path in its slices only");
        }
    }

    @Test
    void shouldRefuseAlternatingPathsWithoutASlice() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new OpenLoopLoad.Options(
                                "h", 1, "/a", 1, 1, Duration.ZERO, Duration.ZERO, 1, "/b", 0));
    }

    /**
     * A raw HTTP server answering {@code {}} to every GET, keeping the paths asked (the JDK's
     * HttpServer answers keep-alive requests without TCP_NODELAY: 40 ms each here).
     */
    private static final class TinyHttpServer implements AutoCloseable {
        private static final byte[] ANSWER =
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
                        .getBytes(StandardCharsets.US_ASCII);

        private final ServerSocket listener;
        private final Queue<String> paths = new ConcurrentLinkedQueue<>();

        private TinyHttpServer(ServerSocket listener) {
            this.listener = listener;
        }

        static TinyHttpServer start() throws IOException {
            TinyHttpServer tiny =
                    new TinyHttpServer(new ServerSocket(0, 16, InetAddress.getLoopbackAddress()));
            Thread acceptor = new Thread(tiny::accept, "tiny-http-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            return tiny;
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket socket = listener.accept();
                    socket.setTcpNoDelay(true);
                    Thread connection = new Thread(() -> serve(socket), "tiny-http");
                    connection.setDaemon(true);
                    connection.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                BufferedReader in =
                        new BufferedReader(
                                new InputStreamReader(
                                        socket.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = socket.getOutputStream();
                String line;
                while ((line = in.readLine()) != null) {
                    paths.add(line.split(" ")[1]);
                    while ((line = in.readLine()) != null && !line.isEmpty()) {
                        // headers
                    }
                    out.write(ANSWER);
                    out.flush();
                }
            } catch (IOException e) {
                // the generator closed the connection
            }
        }

        int port() {
            return listener.getLocalPort();
        }

        /** Requests whose path starts with {@code prefix} (warm-up included). */
        long paths(String prefix) {
            return paths.stream().filter(p -> p.startsWith(prefix)).count();
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
