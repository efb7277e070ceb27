package ams.service.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's HTTP port with plain blocking sockets and one thread per connection: the thread reads a
 * whole request ({@link WholeRequests}), runs it through Jetty's HTTP connection and the routes
 * itself, and writes the answer to the socket ({@link BlockingEndPoint}). Same parser, routes,
 * token check and error map as Jetty's own connector; what it leaves out is the selector.
 *
 * <p>Why: on Jetty 11's selector connector every request passes from the selector to a reserved
 * thread and a pool thread, about 5.6 context switches per request, half the CPU of a {@code GET
 * /agents/{id}} on 2 cores (bench/RESULTS.md, "The same route behind a thread per connection").
 * Here a request wakes its connection's thread once. Query clients keep their connections open
 * (ForwardClient, HTTP client pools), so a thread per connection is few threads.
 *
 * <p>Connections past {@link #maxConnections} are answered 503 at once; idle ones are closed after
 * the connector's idle timeout, as on Jetty's own connector. Streamed answers (SSE) and
 * asynchronous routes work as there: their writes go to the socket from whichever thread writes.
 */
public final class ThreadPerConnectionConnector extends ServerConnector {

    private static final Logger log = LoggerFactory.getLogger(ThreadPerConnectionConnector.class);

    /** Connections served at once when not told otherwise. */
    public static final int DEFAULT_MAX_CONNECTIONS = 512;

    private final int maxConnections;
    private final Semaphore slots;
    private final AtomicInteger threads = new AtomicInteger();
    private final AtomicInteger refusing = new AtomicInteger();

    /** Connections being refused at once; past them, a connection is closed without an answer. */
    private static final int MAX_REFUSING = 16;

    private static final int REFUSAL_DRAIN_MILLIS = 2_000;

    /**
     * One acceptor thread and one (idle) selector: Jetty's connector still owns the listening
     * socket and its life cycle, so {@code Javalin.port()} and start and stop work as they did.
     */
    public ThreadPerConnectionConnector(
            Server server, int maxConnections, ConnectionFactory... factories) {
        super(server, 1, 1, factories);
        this.maxConnections = maxConnections;
        this.slots = new Semaphore(maxConnections);
    }

    @Override
    public void accept(int acceptorId) throws IOException {
        ServerSocketChannel server = (ServerSocketChannel) getTransport();
        if (server == null || !server.isOpen()) {
            return;
        }
        SocketChannel channel = server.accept();
        channel.configureBlocking(true);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, getAcceptedTcpNoDelay());
        if (!slots.tryAcquire()) {
            refuseBusy(channel);
            return;
        }
        Thread thread;
        try {
            thread =
                    new Thread(
                            () -> serve(channel),
                            "ams-http-" + getLocalPort() + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        } catch (RuntimeException | Error e) {
            slots.release();
            closeQuietly(channel);
            throw e;
        }
    }

    /** Connections open now. */
    public int connections() {
        return maxConnections - slots.availablePermits();
    }

    private void serve(SocketChannel channel) {
        BlockingEndPoint endpoint =
                new BlockingEndPoint(
                        getScheduler(), getIdleTimeout(), channel, getExecutor(), this::closed);
        try {
            Connection connection = getDefaultConnectionFactory().newConnection(this, endpoint);
            endpoint.setConnection(connection);
            endpoint.onOpen();
            onEndPointOpened(endpoint);
            connection.onOpen();
        } catch (RuntimeException e) {
            log.warn("HTTP port {}: cannot open a connection", getLocalPort(), e);
            endpoint.close();
            return;
        }
        WholeRequests requests = new WholeRequests(channel, endpoint::receiving);
        WholeRequests.Jetty jetty =
                new WholeRequests.Jetty() {
                    @Override
                    public void whole(byte[] request) {
                        // Jetty parses and answers it here, on this thread, unless an earlier
                        // answer is still being streamed: then it waits in the endpoint's queue.
                        endpoint.hand(ByteBuffer.wrap(request), true);
                    }

                    @Override
                    public void start(byte[] headAndFirstBytes) {
                        endpoint.hand(ByteBuffer.wrap(headAndFirstBytes), false);
                    }

                    @Override
                    public void more(byte[] bytes) throws IOException {
                        endpoint.give(ByteBuffer.wrap(bytes));
                    }
                };
        try {
            while (endpoint.isOpen() && !endpoint.isOutputShutdown()) {
                WholeRequests.Next next = requests.next(jetty);
                if (next != WholeRequests.Next.HANDED) {
                    endpoint.addInputEOF();
                    return;
                }
            }
            // Jetty answered and closes the connection (Connection: close, a body it did not
            // read): what the client still sends is read and dropped until it closes its side
            // too, so that it reads the answer instead of a reset.
            drain(channel);
            endpoint.close();
        } catch (IOException e) {
            // The client went away, or Jetty closed the connection (idle, Connection: close, stop).
            endpoint.close();
        } catch (RuntimeException e) {
            if (endpoint.isOpen() && isRunning()) {
                log.warn("HTTP port {}: connection failed", getLocalPort(), e);
            }
            endpoint.close();
        }
    }

    /** Reads and drops until the client closes, or {@link #DRAIN_MILLIS} pass without a byte. */
    private static void drain(SocketChannel channel) throws IOException {
        Socket socket = channel.socket();
        socket.setSoTimeout(DRAIN_MILLIS);
        InputStream in = socket.getInputStream();
        byte[] dropped = new byte[16 * 1024];
        try {
            while (in.read(dropped) >= 0) {
                // until the client closes
            }
        } catch (java.net.SocketTimeoutException e) {
            // A client that neither sends nor closes: closed now.
        }
    }

    private static final int DRAIN_MILLIS = 2_000;

    private void closed(EndPoint endpoint) {
        onEndPointClosed(endpoint);
        slots.release();
    }

    /**
     * Answers 503 on a thread of its own: it reads what the client sent before closing (closing
     * with unread bytes would reset the connection, and the client might never read the answer),
     * which must not hold up the acceptor. Past {@link #MAX_REFUSING} refusals at once, closes.
     */
    private void refuseBusy(SocketChannel channel) {
        log.warn(
                "HTTP port {}: {} connections open, refusing one more",
                getLocalPort(),
                maxConnections);
        if (refusing.incrementAndGet() > MAX_REFUSING) {
            refusing.decrementAndGet();
            closeQuietly(channel);
            return;
        }
        Thread thread =
                new Thread(
                        () -> {
                            try {
                                write(
                                        channel,
                                        busy(
                                                "this server has "
                                                        + maxConnections
                                                        + " connections open, its limit: retry,"
                                                        + " or reuse a connection"));
                                channel.shutdownOutput();
                                Socket socket = channel.socket();
                                socket.setSoTimeout(REFUSAL_DRAIN_MILLIS);
                                InputStream in = socket.getInputStream();
                                byte[] drained = new byte[4096];
                                while (in.read(drained) >= 0) {
                                    // until the client closes, or the timeout
                                }
                            } catch (IOException e) {
                                // Gone, or too slow to close: closed below either way.
                            } finally {
                                closeQuietly(channel);
                                refusing.decrementAndGet();
                            }
                        },
                        "ams-http-" + getLocalPort() + "-refusal");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Stops accepting, then ends every connection after the request it is answering (as if the
     * client had closed it: idle ones close at once), and closes what is still open after {@link
     * #STOP_GRACE_MILLIS} (streams, slow routes). A selector closes its connections when it stops;
     * these have none.
     */
    @Override
    protected void doStop() throws Exception {
        super.doStop();
        for (EndPoint endpoint : getConnectedEndPoints().toArray(EndPoint[]::new)) {
            try {
                ((BlockingEndPoint) endpoint).addInputEOF();
            } catch (RuntimeException ended) {
                // Its input had ended already.
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_GRACE_MILLIS);
        while (!getConnectedEndPoints().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        for (EndPoint endpoint : getConnectedEndPoints().toArray(EndPoint[]::new)) {
            endpoint.close();
        }
    }

    /** How long a stop waits for the requests being answered. */
    private static final long STOP_GRACE_MILLIS = 2_000;

    /** A 503 {@link ApiError} answer written here, before Jetty saw the request; closes. */
    private static byte[] busy(String message) {
        byte[] body = ServiceJson.writeBytes(new ApiError(message, 503));
        String head =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                        + "Content-Length: "
                        + body.length
                        + "\r\nRetry-After: "
                        + ServiceHttp.RETRY_AFTER_SECONDS
                        + "\r\nConnection: close\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    private static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Being dropped.
        }
    }
}
