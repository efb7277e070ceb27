package ams.service.http;

import java.io.IOException;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The port other instances forward interactive queries to ({@code forward.port}): a second listener
 * of the same server, a thread per connection like the HTTP port ({@link
 * ThreadPerConnectionConnector}), with the same routes, token check, error map and bytes. What it
 * adds over the HTTP port: its own connection limit and a longer idle time, sized for {@link
 * ForwardClient}'s few long-lived keep-alive connections, and a port that can stay on the internal
 * network of a deployment while the HTTP port is reached by other clients.
 */
public final class ForwardPort implements AutoCloseable {

    /** Connections served at once; a forward beyond them is answered 503 (the caller retries). */
    private static final int MAX_CONNECTIONS = 256;

    /** How long a connection may sit idle before it is closed (the client reopens one). */
    private static final long IDLE_MILLIS = 120_000;

    private final ThreadPerConnectionConnector connector;

    private ForwardPort(ThreadPerConnectionConnector connector) {
        this.connector = connector;
    }

    /**
     * Opens the port on {@code host:port} (0: any free port) for {@code server}, which must be
     * started: its routes answer what arrives here.
     */
    public static ForwardPort open(Server server, String host, int port) throws IOException {
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
        ThreadPerConnectionConnector connector =
                new ThreadPerConnectionConnector(
                        server,
                        MAX_CONNECTIONS,
                        new HttpConnectionFactory(http.getHttpConfiguration()));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_MILLIS);
        server.addConnector(connector);
        try {
            connector.start();
        } catch (Exception e) {
            stop(connector);
            throw new IOException(
                    "cannot listen on " + host + ":" + port + " (forward.port): " + e.getMessage(),
                    e);
        }
        return new ForwardPort(connector);
    }

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        stop(connector);
    }

    private static void stop(ThreadPerConnectionConnector connector) {
        try {
            connector.stop();
        } catch (Exception e) {
            // Stopping anyway: its connections are closed by the stop.
        }
        if (connector.getServer() != null) {
            connector.getServer().removeConnector(connector);
        }
    }
}
