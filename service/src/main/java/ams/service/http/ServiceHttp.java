package ams.service.http;

import ams.events.InvalidRequestException;
import ams.events.http.BearerToken;
import ams.events.streams.StoreUnavailableException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.UnauthorizedResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.state.HostInfo;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP server setup of every AMS port (the REST API and each processor's own port): the
 * bearer token check, query-string validation, and one exception map, so the same request gets the
 * same answer from {@code ams up}, a standalone processor and {@code ams api}. Routes throw; this
 * class turns what they throw into an {@link ApiError}:
 *
 * <ul>
 *   <li>{@link InvalidRequestException}, {@link IllegalArgumentException} → 400 with the message
 *   <li>{@link NotFoundException} → 404, {@link ConflictException} → 409
 *   <li>{@link StoreUnavailableException} (a store migrating or restoring) → 503 with Retry-After
 *   <li>anything else → 500 with an incident id, logged with its stack under that id
 * </ul>
 */
public final class ServiceHttp {

    private static final Logger log = LoggerFactory.getLogger(ServiceHttp.class);

    /** Seconds a client should wait before retrying a 503 (a store moving between instances). */
    public static final String RETRY_AFTER_SECONDS = "1";

    /**
     * What every server of the system is built with. {@code forwardPort}: where other instances
     * forward queries to this one ({@link ForwardPort}), opened with the server on its host; 0:
     * none, they forward to the HTTP port. {@code threadPerConnection}: the HTTP port serves each
     * connection on its own thread ({@link ThreadPerConnectionConnector}, the default); false:
     * Jetty's selector connector, kept as the benchmarks' anchor.
     */
    public record Options(
            long maxRequestBytes,
            Optional<BearerToken> token,
            int forwardPort,
            boolean threadPerConnection) {

        public static Options of(Optional<BearerToken> token) {
            return new Options(DEFAULT_MAX_REQUEST_BYTES, token, 0, true);
        }

        /** These options with a forward port ({@link ForwardPort}; 0: none). */
        public Options withForwardPort(int port) {
            return new Options(maxRequestBytes, token, port, threadPerConnection);
        }

        /** These options with the HTTP port on Jetty's selector connector. */
        public Options withSelector() {
            return new Options(maxRequestBytes, token, forwardPort, false);
        }
    }

    public static final long DEFAULT_MAX_REQUEST_BYTES = 8L * 1024 * 1024;

    private ServiceHttp() {}

    /** A server with the token check, parameter validation and error map; routes still to add. */
    public static Javalin create(Options options) {
        Javalin app =
                Javalin.create(
                        javalin -> {
                            javalin.http.maxRequestSize = options.maxRequestBytes();
                            javalin.showJavalinBanner = false;
                            javalin.useVirtualThreads = false;
                        });
        // The token of the whole system guards every port: a processor's port reachable without it
        // would bypass the API's check.
        options.token()
                .ifPresent(
                        token ->
                                app.before(
                                        ctx -> {
                                            if (!token.admits(
                                                    ctx.path(), ctx.header("Authorization"))) {
                                                throw new UnauthorizedResponse(BearerToken.REFUSAL);
                                            }
                                        }));
        // Jetty drops parameters it cannot decode, so '?limit=%%%' would be answered as if no limit
        // had been given.
        app.before(
                ctx -> {
                    String query = ctx.queryString();
                    if (query != null) {
                        try {
                            URLDecoder.decode(query, StandardCharsets.UTF_8);
                        } catch (IllegalArgumentException e) {
                            throw new InvalidRequestException(
                                    "the query string is not valid percent-encoding ("
                                            + e.getMessage()
                                            + "): write '%' as %25");
                        }
                    }
                });
        errors(app);
        if (options.threadPerConnection()) {
            threadPerConnection(app);
        }
        if (options.forwardPort() != 0) {
            openForwardPort(app, options.forwardPort());
        }
        return app;
    }

    /**
     * Puts a {@link ThreadPerConnectionConnector} in place of the connector Javalin made for the
     * HTTP port, on the same host and port and with the same HTTP configuration, just before the
     * server starts.
     */
    private static void threadPerConnection(Javalin app) {
        app.events(
                events ->
                        events.serverStarting(
                                () -> {
                                    Server server = app.jettyServer().server();
                                    Connector[] connectors = server.getConnectors();
                                    if (connectors.length != 1
                                            || connectors[0].getClass() != ServerConnector.class) {
                                        // A server someone set up otherwise: left as it is.
                                        return;
                                    }
                                    ServerConnector made = (ServerConnector) connectors[0];
                                    ThreadPerConnectionConnector connector =
                                            new ThreadPerConnectionConnector(
                                                    server,
                                                    ThreadPerConnectionConnector
                                                            .DEFAULT_MAX_CONNECTIONS,
                                                    made.getConnectionFactories()
                                                            .toArray(ConnectionFactory[]::new));
                                    connector.setHost(made.getHost());
                                    connector.setPort(made.getPort());
                                    connector.setIdleTimeout(made.getIdleTimeout());
                                    server.setConnectors(new Connector[] {connector});
                                }));
    }

    /**
     * Opens the forward port once the server has started (on the HTTP port's host: the same
     * interfaces) and closes it before the server stops. A port that cannot be opened fails the
     * start.
     */
    private static void openForwardPort(Javalin app, int port) {
        AtomicReference<ForwardPort> opened = new AtomicReference<>();
        app.events(
                events -> {
                    events.serverStarted(
                            () -> {
                                Server server = app.jettyServer().server();
                                String host =
                                        ((ServerConnector) server.getConnectors()[0]).getHost();
                                try {
                                    opened.set(
                                            ForwardPort.open(
                                                    server, host == null ? "0.0.0.0" : host, port));
                                } catch (IOException e) {
                                    // A server without the port it advertises to the other
                                    // instances would be unreachable for them: not started.
                                    app.stop();
                                    throw new UncheckedIOException(e);
                                }
                                log.info("Forwarded queries taken on {}:{}", host, port);
                            });
                    events.serverStopping(
                            () -> {
                                ForwardPort open = opened.getAndSet(null);
                                if (open != null) {
                                    open.close();
                                }
                            });
                });
    }

    private static final String SPECIFIC_413 = "ams.payload-too-large";

    private static void errors(Javalin app) {
        app.exception(InvalidRequestException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        app.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        app.exception(NotFoundException.class, (e, ctx) -> error(ctx, 404, e.getMessage()));
        app.exception(ConflictException.class, (e, ctx) -> error(ctx, 409, e.getMessage()));
        app.exception(
                PayloadTooLargeException.class,
                (e, ctx) -> {
                    // Says which limit: the generic 413 body below must not replace it.
                    ctx.attribute(SPECIFIC_413, true);
                    error(ctx, 413, e.getMessage());
                });
        app.exception(
                UnsupportedMediaTypeException.class, (e, ctx) -> error(ctx, 415, e.getMessage()));
        app.exception(
                StoreUnavailableException.class,
                (e, ctx) -> {
                    ctx.header("Retry-After", RETRY_AFTER_SECONDS);
                    error(ctx, 503, e.getMessage());
                });
        app.exception(
                ServiceUnavailableException.class,
                (e, ctx) -> {
                    ctx.header("Retry-After", RETRY_AFTER_SECONDS);
                    error(ctx, 503, e.getMessage());
                });
        app.exception(
                HttpResponseException.class,
                (e, ctx) ->
                        error(
                                ctx,
                                e.getStatus(),
                                e.getStatus() == 404
                                        ? e.getMessage() + ": see /openapi.json for the API"
                                        : e.getMessage()));
        app.exception(
                Exception.class,
                (e, ctx) -> {
                    String incident = UUID.randomUUID().toString();
                    log.error(
                            "Unexpected error on {} {} (incident {})",
                            ctx.method(),
                            ctx.path(),
                            incident,
                            e);
                    ctx.status(500)
                            .json(
                                    new ApiError(
                                            "internal error ("
                                                    + e.getClass().getSimpleName()
                                                    + "): reported under incident "
                                                    + incident,
                                            500,
                                            incident));
                });
        app.error(
                404,
                ctx -> {
                    if (ctx.resultInputStream() == null) {
                        error(
                                ctx,
                                404,
                                "no route "
                                        + ctx.method()
                                        + " "
                                        + ctx.path()
                                        + ": see /openapi.json for the API");
                    }
                });
        app.error(
                405,
                ctx ->
                        error(
                                ctx,
                                405,
                                "method " + ctx.method() + " is not allowed on " + ctx.path()));
        app.error(
                413,
                ctx -> {
                    if (ctx.attribute(SPECIFIC_413) == null) {
                        error(ctx, 413, "request body too large");
                    }
                });
    }

    /** Answers {@code status} with an {@link ApiError} body. */
    public static void error(Context ctx, int status, String message) {
        ctx.status(status)
                .contentType("application/json")
                .result(ServiceJson.write(new ApiError(message, status)));
    }

    /** Answers 200 with {@code value} as JSON. */
    public static void ok(Context ctx, Object value) {
        reply(ctx, 200, value);
    }

    /** Answers {@code status} with {@code value} as JSON. */
    public static void reply(Context ctx, int status, Object value) {
        send(ctx, status, ServiceJson.writeBytes(value));
    }

    /**
     * Answers {@code status} with a body that is JSON already (a forwarded answer, a stored
     * document).
     */
    public static void raw(Context ctx, int status, String json) {
        send(ctx, status, json.getBytes(StandardCharsets.UTF_8));
    }

    /** Answers {@code status} with {@code json}, UTF-8 JSON the caller wrote. */
    public static void raw(Context ctx, int status, byte[] json) {
        send(ctx, status, json);
    }

    /**
     * Javalin compresses a result of this many bytes or more for a client that accepts it (its
     * default strategy's minimum).
     */
    static final int COMPRESSIBLE_BYTES = 1500;

    /**
     * Writes a 2xx answer straight to the servlet response with its Content-Length, unless Javalin
     * would compress it (a client that accepts gzip or brotli and a body of {@link
     * #COMPRESSIBLE_BYTES} or more): then, and for other statuses, through Javalin's result.
     * Javalin copies a result out through a new 32 KiB buffer per response, the largest share of a
     * query server's allocation at 2,000 requests/s (JFR of the messages benchmark,
     * bench/RESULTS.md): young collections of 5-7 ms every half second there, about 1 % of the
     * time, where p99 sits. A first try at this (16:02 run) wrote only bodies under 1,400 bytes
     * directly and saw no gain; the messages answers (12.7 KB) still went through the buffer then.
     */
    private static void send(Context ctx, int status, byte[] body) {
        ctx.status(status).contentType("application/json");
        // Not an error status either: Javalin's error handlers (404, 405, 413 above) may still
        // write a result, which must not follow a body already written.
        if (status >= 300 || (body.length >= COMPRESSIBLE_BYTES && acceptsCompression(ctx))) {
            ctx.result(body);
            return;
        }
        HttpServletResponse response = ctx.res();
        response.setContentLength(body.length);
        try {
            response.getOutputStream().write(body);
        } catch (IOException e) {
            // The client went away: nobody to answer.
            throw new UncheckedIOException(e);
        }
    }

    private static boolean acceptsCompression(Context ctx) {
        String accepted = ctx.header("Accept-Encoding");
        return accepted != null && (accepted.contains("gzip") || accepted.contains("br"));
    }

    /**
     * Whether another instance passed this request on: it is answered here, never forwarded again,
     * so a request travels at most one hop.
     */
    public static boolean forwarded(Context ctx) {
        return ctx.header(InstanceRouter.FORWARDED_HEADER) != null;
    }

    /**
     * Passes the request on to {@code owner}, the instance that owns its key, and answers what it
     * answered (a 503 keeps its Retry-After: the owner's store is moving, the caller may retry).
     */
    public static void relay(Context ctx, InstanceRouter router, HostInfo owner) {
        String query = ctx.queryString();
        ForwardClient.Response response =
                router.forward(owner, ctx.path() + (query == null ? "" : "?" + query));
        if (response.status() == 503) {
            ctx.header("Retry-After", RETRY_AFTER_SECONDS);
        }
        raw(ctx, response.status(), response.body());
    }
}
