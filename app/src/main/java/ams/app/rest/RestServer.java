package ams.app.rest;

import ams.app.client.EventPublisher;
import ams.events.InvalidRequestException;
import ams.events.http.BearerToken;
import ams.events.streams.StoreUnavailableException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.UnauthorizedResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API: the app's own routes (writes, system, OpenAPI) plus the query routes each processor
 * module registers. Every failure a client can cause answers 4xx with what to fix.
 */
public final class RestServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RestServer.class);

    private final Javalin app;

    private RestServer(Javalin app) {
        this.app = app;
    }

    /**
     * Starts the REST API: the shared write routes and each processor's read routes.
     *
     * @param moduleRoutes each processor's {@code registerRoutes(Javalin)}, mounted on this server
     */
    public static RestServer start(
            RestConfig config,
            EventPublisher publisher,
            Admin admin,
            List<SystemComponent> components,
            List<Consumer<Javalin>> moduleRoutes) {
        Javalin app =
                Javalin.create(
                        javalin -> {
                            javalin.http.maxRequestSize = config.maxRequestBytes();
                            javalin.showJavalinBanner = false;
                            javalin.useVirtualThreads = false;
                        });
        BearerToken.of(config.bearerToken())
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
        new DocsRoutes().register(app);
        new SystemRoutes(admin, publisher.topics(), components).register(app);
        new WriteRoutes(publisher).register(app);
        moduleRoutes.forEach(routes -> routes.accept(app));
        errors(app);
        app.start(config.host(), config.port());
        log.info(
                "REST API on http://{}:{} (OpenAPI at /openapi.json{})",
                config.host(),
                app.port(),
                config.bearerToken() == null ? "" : ", bearer token required");
        return new RestServer(app);
    }

    private static void errors(Javalin app) {
        app.exception(InvalidRequestException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        app.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        app.exception(StoreUnavailableException.class, (e, ctx) -> error(ctx, 503, e.getMessage()));
        app.exception(
                EventPublisher.PublishException.class, (e, ctx) -> error(ctx, 503, e.getMessage()));
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
                    log.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
                    error(ctx, 500, "internal error: " + e.getClass().getSimpleName());
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
        app.error(413, ctx -> error(ctx, 413, "request body too large"));
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(new ApiError(message, status));
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
