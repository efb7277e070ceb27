package ams.app.rest;

import ams.app.client.EventPublisher;
import ams.app.client.RestClient;
import ams.events.http.BearerToken;
import ams.service.http.ServiceHttp;
import io.javalin.Javalin;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API: the app's own routes (writes, system, OpenAPI) plus the query routes each processor
 * module registers, on the shared {@link ServiceHttp} server (token, parameter checks, one error
 * map), so a route answers here as it does on its processor's own port. Every failure a client can
 * cause answers 4xx with what to fix.
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
        return start(config, publisher, admin, components, moduleRoutes, null);
    }

    /**
     * Starts the REST API; {@code POST /agents/{id}/knowledge} also takes image documents.
     *
     * @param images image documents for {@code POST /agents/{id}/knowledge} ({@code media}); null =
     *     this server has no media store
     */
    public static RestServer start(
            RestConfig config,
            EventPublisher publisher,
            Admin admin,
            List<SystemComponent> components,
            List<Consumer<Javalin>> moduleRoutes,
            KnowledgeImages images) {
        return start(
                config, publisher, admin, components, moduleRoutes, images, KnownAgents.UNCHECKED);
    }

    /**
     * Starts the REST API; a knowledge write on an agent {@code knownAgents} does not have is
     * refused (404) before it is published.
     */
    public static RestServer start(
            RestConfig config,
            EventPublisher publisher,
            Admin admin,
            List<SystemComponent> components,
            List<Consumer<Javalin>> moduleRoutes,
            KnowledgeImages images,
            KnownAgents knownAgents) {
        Javalin app =
                ServiceHttp.create(
                        new ServiceHttp.Options(
                                config.maxRequestBytes(),
                                BearerToken.of(config.bearerToken()),
                                // One instance of each processor runs here: nothing forwards.
                                0,
                                true));
        // The broker did not take a write: the client may send it again, as for any 503.
        app.exception(
                EventPublisher.PublishException.class,
                (e, ctx) -> {
                    ctx.header("Retry-After", ServiceHttp.RETRY_AFTER_SECONDS);
                    ServiceHttp.error(ctx, 503, e.getMessage());
                });
        new DocsRoutes().register(app);
        new SystemRoutes(admin, publisher.topics(), components).register(app);
        new WriteRoutes(publisher, images, knownAgents).register(app);
        String selfHost =
                config.host().equals("0.0.0.0") || config.host().equals("::")
                        ? "127.0.0.1"
                        : config.host();
        new AgentTransferRoutes(
                        publisher,
                        () ->
                                new RestClient(
                                        "http://" + selfHost + ":" + app.port(),
                                        config.bearerToken()))
                .register(app);
        moduleRoutes.forEach(routes -> routes.accept(app));
        app.start(config.host(), config.port());
        log.info(
                "REST API on http://{}:{} (OpenAPI at /openapi.json{})",
                config.host(),
                app.port(),
                config.bearerToken() == null ? "" : ", bearer token required");
        return new RestServer(app);
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
