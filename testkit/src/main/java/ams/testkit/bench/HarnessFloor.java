package ams.testkit.bench;

import ams.testkit.ChildJvm;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The floor of the query benchmarks on this machine: a raw HTTP server (a blocking thread per
 * connection that answers {@code {}} to every request, no Kafka, no Jetty) in its own small JVM,
 * under the same open-loop load as the routes. What it shows is the generator, the loopback and the
 * machine's own stalls: no route of a real server can be measured below it, so a latency goal is
 * judged beside it, in the same run.
 */
public final class HarnessFloor {

    /** The server's first line on standard output: {@code FLOOR_PORT=<port>}. */
    static final String PORT_LINE = "FLOOR_PORT=";

    private static final byte[] ANSWER =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                    .getBytes(StandardCharsets.US_ASCII);

    private HarnessFloor() {}

    /**
     * Starts the floor server in its own JVM, runs {@code load} against it (its host, port and path
     * are replaced) and stops the server.
     */
    public static OpenLoopLoad.Result measure(OpenLoopLoad.Options load)
            throws IOException, InterruptedException {
        Process server =
                new ProcessBuilder(
                                ChildJvm.command(
                                        List.of("-Xmx64m", "-XX:+UseSerialGC"),
                                        HarnessFloor.class.getName(),
                                        List.of()))
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        try {
            BufferedReader out =
                    new BufferedReader(
                            new InputStreamReader(
                                    server.getInputStream(), StandardCharsets.US_ASCII));
            String line = out.readLine();
            if (line == null || !line.startsWith(PORT_LINE)) {
                throw new IllegalStateException("the floor server did not start: " + line);
            }
            int port = Integer.parseInt(line.substring(PORT_LINE.length()));
            return OpenLoopLoad.runInOwnJvm(
                    new OpenLoopLoad.Options(
                            "127.0.0.1",
                            port,
                            "/floor/%d",
                            1000,
                            load.rate(),
                            load.warmUp(),
                            load.measured(),
                            load.connections()),
                    () -> {},
                    () -> {});
        } finally {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    /** The server: prints its port, then answers until it is stopped. */
    public static void main(String[] args) throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress())) {
            System.out.println(PORT_LINE + listener.getLocalPort());
            System.out.flush();
            while (true) {
                Socket socket = listener.accept();
                socket.setTcpNoDelay(true);
                Thread connection = new Thread(() -> serve(socket), "floor-connection");
                connection.setDaemon(true);
                connection.start();
            }
        }
    }

    /** Answers each request once its header has ended (GETs: no body to read). */
    private static void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            int matched = 0;
            int c;
            while ((c = in.read()) >= 0) {
                // Counts through "\r\n\r\n", the end of a request's header.
                boolean expected = matched % 2 == 0 ? c == '\r' : c == '\n';
                matched = expected ? matched + 1 : (c == '\r' ? 1 : 0);
                if (matched == 4) {
                    out.write(ANSWER);
                    out.flush();
                    matched = 0;
                }
            }
        } catch (IOException e) {
            // The generator closed the connection.
        }
    }
}
