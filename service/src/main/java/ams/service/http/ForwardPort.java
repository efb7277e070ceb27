package ams.service.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The port other instances forward interactive queries to: plain blocking sockets, one thread per
 * connection, each request run through the same Jetty server and routes as the HTTP port (a {@link
 * LocalConnector}), on the thread that read it.
 *
 * <p>Why a second port: on the HTTP port, Jetty 11 passes every request between its selector, a
 * reserved thread and a pool thread, about 5.6 context switches per request (bench/RESULTS.md,
 * 2026-12-05). A forwarded query crosses two servers, so it paid that twice, which is most of what
 * forwarding added at p99 on 2 cores. Forwards come from {@link ForwardClient}: a few long-lived
 * keep-alive connections, each used by one request at a time. Here the connection's thread wakes
 * once for a request and answers it itself: same routes, same token check, same error map, same
 * bytes.
 *
 * <p>It takes only what {@link ForwardClient} sends: GET and HEAD requests without a body. Anything
 * else is answered 400 and the connection closed.
 */
public final class ForwardPort implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ForwardPort.class);

    /** Connections served at once; a forward beyond them is refused (the caller answers 503). */
    private static final int MAX_CONNECTIONS = 256;

    private static final int MAX_HEAD_BYTES = 64 * 1024;

    /** How long a connection may sit idle before it is closed (the client reopens one). */
    private static final int IDLE_MILLIS = 120_000;

    private final ServerSocket socket;
    private final LocalConnector connector;
    private final long timeoutMillis;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threads = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closing;

    private ForwardPort(ServerSocket socket, LocalConnector connector, Duration timeout) {
        this.socket = socket;
        this.connector = connector;
        this.timeoutMillis = timeout.toMillis();
        this.acceptor = new Thread(this::accept, "ams-forward-accept-" + socket.getLocalPort());
        acceptor.setDaemon(true);
    }

    /**
     * Opens the port on {@code host:port} (0: any free port) for {@code server}, which must be
     * started: its routes answer what arrives here.
     */
    public static ForwardPort open(Server server, String host, int port, Duration timeout)
            throws IOException {
        LocalConnector connector = localConnector(server);
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port), 128);
        } catch (IOException e) {
            socket.close();
            stop(connector);
            throw new IOException(
                    "cannot listen on " + host + ":" + port + " (forward.port): " + e.getMessage(),
                    e);
        }
        ForwardPort forwardPort = new ForwardPort(socket, connector, timeout);
        forwardPort.acceptor.start();
        return forwardPort;
    }

    /** A connector of {@code server} that runs each request on the thread that hands it in. */
    private static LocalConnector localConnector(Server server) throws IOException {
        HttpConnectionFactory http = null;
        for (Connector c : server.getConnectors()) {
            if (c instanceof ServerConnector served) {
                http = served.getConnectionFactory(HttpConnectionFactory.class);
                break;
            }
        }
        if (http == null) {
            throw new IllegalStateException("the HTTP server has no HTTP port yet: start it first");
        }
        // The same HTTP configuration as the HTTP port: same header limits, same answers.
        LocalConnector connector =
                new LocalConnector(server, new HttpConnectionFactory(http.getHttpConfiguration()));
        // Idle connections are closed by this class (IDLE_MILLIS); Jetty must not close an
        // endpoint between two requests of a connection that is still open here.
        connector.setIdleTimeout(2L * IDLE_MILLIS);
        server.addConnector(connector);
        try {
            connector.start();
        } catch (Exception e) {
            server.removeConnector(connector);
            throw new IOException("cannot start the forward connector: " + e.getMessage(), e);
        }
        return connector;
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void accept() {
        while (!closing) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                if (!closing) {
                    log.warn("Forward port {}: accept failed", port(), e);
                }
                return;
            }
            if (!slots.tryAcquire()) {
                log.warn(
                        "Forward port {}: {} connections open, refusing one more",
                        port(),
                        MAX_CONNECTIONS);
                closeQuietly(client);
                continue;
            }
            open.add(client);
            Thread thread =
                    new Thread(
                            () -> serve(client),
                            "ams-forward-" + port() + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void serve(Socket client) {
        LocalConnector.LocalEndPoint endpoint = null;
        try {
            client.setTcpNoDelay(true);
            client.setSoTimeout(IDLE_MILLIS);
            InputStream in = new BufferedInputStream(client.getInputStream(), 8 * 1024);
            OutputStream out = client.getOutputStream();
            endpoint = opened(connector.connect());
            while (!closing) {
                Head head = Head.read(in);
                if (head == null) {
                    return;
                }
                if (head.refusal() != null) {
                    out.write(refusal(head.refusal()));
                    out.flush();
                    return;
                }
                endpoint.addInput(ByteBuffer.wrap(head.bytes()));
                ByteBuffer response =
                        endpoint.waitForResponse(
                                head.isHead(), timeoutMillis, TimeUnit.MILLISECONDS);
                if (response == null) {
                    return;
                }
                out.write(
                        response.array(),
                        response.arrayOffset() + response.position(),
                        response.remaining());
                out.flush();
                if (!endpoint.isOpen() || endpoint.isOutputShutdown()) {
                    return;
                }
            }
        } catch (SocketTimeoutException | SocketException idleOrGone) {
            // Idle too long, or the other side closed: it reopens a connection when it needs one.
        } catch (Exception e) {
            if (!closing) {
                log.warn("Forward port {}: connection failed", port(), e);
            }
        } finally {
            if (endpoint != null) {
                endpoint.close();
            }
            open.remove(client);
            closeQuietly(client);
            slots.release();
        }
    }

    /**
     * {@code endpoint} once Jetty's acceptor has opened its connection and it waits for input:
     * input added before that is run on Jetty's pool instead of the thread that adds it (correct,
     * only slower). Once per connection.
     */
    private static LocalConnector.LocalEndPoint opened(LocalConnector.LocalEndPoint endpoint)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!endpoint.isFillInterested() && System.nanoTime() < deadline) {
            Thread.sleep(0, 100_000);
        }
        return endpoint;
    }

    /** A request's head (request line and headers), or why it is refused. */
    @SuppressWarnings("ArrayRecordComponent") // handed on to Jetty, never compared
    private record Head(byte[] bytes, boolean isHead, String refusal) {

        /** The next request's head; null at a clean end of the connection. */
        static Head read(InputStream in) throws IOException {
            byte[] buffer = new byte[512];
            int length = 0;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    if (length == 0) {
                        return null;
                    }
                    throw new SocketException("connection closed mid-request");
                }
                if (length == buffer.length) {
                    if (length >= MAX_HEAD_BYTES) {
                        return new Head(null, false, "request head longer than " + MAX_HEAD_BYTES);
                    }
                    buffer = Arrays.copyOf(buffer, length * 2);
                }
                buffer[length++] = (byte) b;
                if (b == '\n' && endsHead(buffer, length)) {
                    byte[] bytes = Arrays.copyOf(buffer, length);
                    return check(bytes);
                }
            }
        }

        private static boolean endsHead(byte[] b, int n) {
            return (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r')
                    || (n >= 2 && b[n - 2] == '\n');
        }

        private static Head check(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            boolean head = text.startsWith("HEAD ");
            if (!head && !text.startsWith("GET ")) {
                return new Head(null, false, "the forward port takes GET and HEAD requests only");
            }
            for (int line = text.indexOf('\n') + 1; line < text.length(); ) {
                int end = text.indexOf('\n', line);
                String field = text.substring(line, end < 0 ? text.length() : end).trim();
                if (startsWithIgnoringCase(field, "transfer-encoding:")
                        || (startsWithIgnoringCase(field, "content-length:")
                                && !field.substring("content-length:".length())
                                        .trim()
                                        .equals("0"))) {
                    return new Head(null, false, "the forward port takes requests without a body");
                }
                line = end < 0 ? text.length() : end + 1;
            }
            return new Head(bytes, head, null);
        }

        private static boolean startsWithIgnoringCase(String text, String prefix) {
            return text.regionMatches(true, 0, prefix, 0, prefix.length());
        }
    }

    private static byte[] refusal(String reason) {
        byte[] body = ServiceJson.writeBytes(new ApiError(reason, 400));
        String head =
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length
                        + "\r\nConnection: close\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    @Override
    public void close() {
        closing = true;
        closeQuietly(socket);
        open.forEach(ForwardPort::closeQuietly);
        stop(connector);
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void stop(LocalConnector connector) {
        try {
            connector.stop();
        } catch (Exception e) {
            log.debug("Stopping the forward connector failed", e);
        }
        if (connector.getServer() != null) {
            connector.getServer().removeConnector(connector);
        }
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // Being dropped.
        }
    }
}
