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
        Process server = start(List.of());
        try {
            return OpenLoopLoad.runInOwnJvm(floor(load, port(server)), () -> {}, () -> {});
        } finally {
            stop(server);
        }
    }

    /**
     * The floor of forwarding: two floor servers in two JVMs, the first of which answers {@code
     * /floor/...} itself and passes {@code /forward/...} to the second over a keep-alive connection
     * of its own per connection, then answers. Measured interleaved like the routes (direct first,
     * forwarded second): what one hop between two processes costs on this machine with nothing else
     * in it, no Jetty, no Kafka, no store.
     */
    public static RouteLoad.Interleaved measureForwarding(
            OpenLoopLoad.Options load, java.time.Duration slice)
            throws IOException, InterruptedException {
        Process owner = start(List.of());
        try {
            int ownerPort = port(owner);
            Process asked = start(List.of(FORWARD_TO + ownerPort));
            try {
                return RouteLoad.interleaved(
                        "forwarding floor, answered by the server asked",
                        "forwarding floor, passed to a second raw server",
                        floor(load, port(asked)),
                        "/forward/%d",
                        slice);
            } finally {
                stop(asked);
            }
        } finally {
            stop(owner);
        }
    }

    /** {@code load}'s schedule against a floor server on this machine's loopback. */
    private static OpenLoopLoad.Options floor(OpenLoopLoad.Options load, int port) {
        return new OpenLoopLoad.Options(
                "127.0.0.1",
                port,
                "/floor/%d",
                1000,
                load.rate(),
                load.warmUp(),
                load.measured(),
                load.connections());
    }

    private static final String FORWARD_TO = "forward-to=";

    private static Process start(List<String> args) throws IOException {
        return new ProcessBuilder(
                        ChildJvm.command(
                                List.of("-Xmx64m", "-XX:+UseSerialGC"),
                                HarnessFloor.class.getName(),
                                args))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    private static int port(Process server) throws IOException {
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(server.getInputStream(), StandardCharsets.US_ASCII));
        String line = out.readLine();
        if (line == null || !line.startsWith(PORT_LINE)) {
            throw new IllegalStateException("the floor server did not start: " + line);
        }
        return Integer.parseInt(line.substring(PORT_LINE.length()));
    }

    private static void stop(Process server) throws InterruptedException {
        server.destroy();
        if (!server.waitFor(10, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
    }

    /**
     * The server: prints its port, then answers until it is stopped. With {@code
     * forward-to=<port>}, passes {@code /forward/...} requests to the floor server on that port.
     */
    public static void main(String[] args) throws IOException {
        int forwardTo =
                args.length > 0 && args[0].startsWith(FORWARD_TO)
                        ? Integer.parseInt(args[0].substring(FORWARD_TO.length()))
                        : -1;
        try (ServerSocket listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress())) {
            System.out.println(PORT_LINE + listener.getLocalPort());
            System.out.flush();
            while (true) {
                Socket socket = listener.accept();
                socket.setTcpNoDelay(true);
                Thread connection = new Thread(() -> serve(socket, forwardTo), "floor-connection");
                connection.setDaemon(true);
                connection.start();
            }
        }
    }

    private static final byte[] FORWARDED =
            "GET /floor/0 HTTP/1.1\r\nHost: floor\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * Answers each request once its header has ended (GETs: no body to read); a {@code /forward}
     * one after the owner answered it, over this connection's own connection to the owner.
     */
    private static void serve(Socket socket, int forwardTo) {
        Socket owner = null;
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            int matched = 0;
            int read = 0;
            boolean forward = false;
            int c;
            while ((c = in.read()) >= 0) {
                // "GET /floor/..." or "GET /forward/...": told apart by the seventh byte.
                if (read++ == 6) {
                    forward = c == 'o' && forwardTo > 0;
                }
                // Counts through "\r\n\r\n", the end of a request's header.
                boolean expected = matched % 2 == 0 ? c == '\r' : c == '\n';
                matched = expected ? matched + 1 : (c == '\r' ? 1 : 0);
                if (matched == 4) {
                    if (forward) {
                        if (owner == null) {
                            owner = new Socket(InetAddress.getLoopbackAddress(), forwardTo);
                            owner.setTcpNoDelay(true);
                        }
                        owner.getOutputStream().write(FORWARDED);
                        owner.getOutputStream().flush();
                        if (owner.getInputStream().readNBytes(ANSWER.length).length
                                != ANSWER.length) {
                            throw new IOException("the owner closed");
                        }
                    }
                    out.write(ANSWER);
                    out.flush();
                    matched = 0;
                    read = 0;
                    forward = false;
                }
            }
        } catch (IOException e) {
            // The generator closed the connection.
        } finally {
            if (owner != null) {
                try {
                    owner.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }
}
