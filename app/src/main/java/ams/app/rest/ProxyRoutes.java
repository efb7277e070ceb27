package ams.app.rest;

import ams.app.client.RestClient;
import ams.events.http.BearerToken;
import ams.service.fate.FateRoute;
import ams.service.http.ForwardClient;
import ams.service.http.NotFoundException;
import ams.service.http.Params;
import ams.service.http.ServiceHttp;
import ams.service.http.ServiceUnavailableException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The query routes of processors that run as separate processes, served by an API-only process
 * ({@code ams api}): each request is passed to the processor that owns the route, which routes it
 * on to the instance owning the key. Answers come back as they are.
 */
public final class ProxyRoutes {

    /** Base URLs of the processes; a null one leaves its routes out. */
    public record Upstreams(
            String agents, String knowledge, String conversations, String exporter) {}

    private final Upstreams upstreams;

    /**
     * GETs, the queries, over pooled keep-alive connections on blocking sockets: the JDK HttpClient
     * hands every exchange between the calling thread, its selector and an executor, about 400 us
     * of CPU per request on 2 cores (the same finding as for forwards between instances, {@link
     * ForwardClient}). The rest (writes, the event stream, https upstreams) go through the JDK
     * client.
     */
    private final ForwardClient queries = new ForwardClient(TIMEOUT_MILLIS);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static final int TIMEOUT_MILLIS = 60_000;

    private final Optional<BearerToken> token;

    public ProxyRoutes(Upstreams upstreams) {
        this(upstreams, Optional.empty());
    }

    /** With the token the processors' ports require (the system's one token). */
    public ProxyRoutes(Upstreams upstreams, Optional<BearerToken> token) {
        this.upstreams = upstreams;
        this.token = token;
    }

    public void register(Javalin app) {
        if (upstreams.knowledge() != null) {
            get(
                    app,
                    upstreams.knowledge(),
                    "/agents/{id}/knowledge",
                    "/agents/{id}/knowledge/search",
                    "/agents/{id}/knowledge/as-of",
                    "/graph/neighbours");
        }
        if (upstreams.conversations() != null) {
            get(
                    app,
                    upstreams.conversations(),
                    "/agents/{id}/conversations",
                    "/conversations/{id}",
                    "/conversations/{id}/messages",
                    // The limiter counters of the orchestrator process this one talks to.
                    "/llm/endpoints",
                    "/jobs",
                    "/jobs/{id}");
            // Server-Sent Events: passed on as they come, not buffered.
            app.addHttpHandler(
                    HandlerType.GET,
                    "/conversations/{id}/stream",
                    ctx -> stream(ctx, upstreams.conversations()));
            post(
                    app,
                    upstreams.conversations(),
                    "/jobs",
                    "/jobs/{id}/cancel",
                    "/conversations/generate",
                    "/conversations/{id}/cancel",
                    "/conversations/{id}/resume",
                    "/conversations/{id}/messages");
        }
        if (upstreams.agents() != null) {
            get(
                    app,
                    upstreams.agents(),
                    "/agents",
                    "/agents/{id}",
                    "/agents/{id}/activity",
                    "/agents/{id}/config",
                    "/agents/{id}/history");
        }
        // The fate of a write: the processor that settled it has it, and the id does not say which.
        app.addHttpHandler(HandlerType.GET, "/events/{event_id}", this::fate);
        if (upstreams.exporter() != null) {
            get(
                    app,
                    upstreams.exporter(),
                    "/exporter/status",
                    "/exporter/conversations/{id}/export");
        }
    }

    /**
     * Asks each processor in turn for the fate of an event and answers the first that has it; 404
     * (the processors' own answer) when none has it yet, 503 when one that may have it does not
     * answer.
     */
    private void fate(Context ctx) throws InterruptedException {
        String eventId = Params.path(ctx, "event_id", "event id");
        ServiceUnavailableException unavailable = null;
        for (String base :
                java.util.Arrays.asList(
                        upstreams.agents(), upstreams.knowledge(), upstreams.conversations())) {
            if (base == null) {
                continue;
            }
            Answer answer;
            try {
                answer = ask(ctx, base);
            } catch (ServiceUnavailableException e) {
                unavailable = e;
                continue;
            }
            if (answer.status() != 404) {
                pass(ctx, answer);
                return;
            }
        }
        if (unavailable != null) {
            throw unavailable;
        }
        throw new NotFoundException(FateRoute.notSettled(eventId));
    }

    /**
     * Whether the agent processor has an agent, asked before a knowledge write is published; with
     * no agent processor configured, nothing is checked.
     */
    public KnownAgents knownAgents() {
        if (upstreams.agents() == null) {
            return KnownAgents.UNCHECKED;
        }
        return agentId -> {
            int status;
            try {
                status = get(upstreams.agents(), "/agents/" + RestClient.encode(agentId)).status();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ServiceUnavailableException("interrupted asking for an agent", e);
            }
            if (status == 200 || status == 404) {
                return status == 200;
            }
            throw new ServiceUnavailableException(
                    "the agent processor answered " + status + " for agent '" + agentId + "'",
                    null);
        };
    }

    private void get(Javalin app, String base, String... paths) {
        for (String path : paths) {
            app.addHttpHandler(HandlerType.GET, path, ctx -> forward(ctx, base));
        }
    }

    private void post(Javalin app, String base, String... paths) {
        for (String path : paths) {
            app.addHttpHandler(HandlerType.POST, path, ctx -> forward(ctx, base));
        }
    }

    /**
     * Passes an event stream on as the processor writes it: an error answer (404, 400) comes back
     * as it is; a stream is copied chunk by chunk, flushed at once, until either side closes. The
     * client's {@code Last-Event-ID} goes along, so a reconnect through this process resumes.
     */
    private void stream(Context ctx, String base) throws InterruptedException {
        String query = ctx.queryString() == null ? "" : "?" + ctx.queryString();
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + ctx.path() + query)).GET();
        token.ifPresent(t -> request.header("Authorization", t.headerValue()));
        String lastEventId = ctx.header("Last-Event-ID");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<java.io.InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw notAnswering(base, e);
        }
        response.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
        response.headers().firstValue("Retry-After").ifPresent(v -> ctx.header("Retry-After", v));
        if (response.statusCode() != 200) {
            try (java.io.InputStream body = response.body()) {
                ctx.status(response.statusCode()).result(body.readAllBytes());
            } catch (IOException e) {
                throw new ServiceUnavailableException(
                        "the processor at " + base + " broke off its answer", e);
            }
            return;
        }
        ctx.status(200);
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        try {
            ctx.res().flushBuffer();
        } catch (IOException e) {
            // The client is gone already.
            try {
                response.body().close();
            } catch (IOException ignored) {
                // nothing more to release
            }
            return;
        }
        java.util.concurrent.CompletableFuture<Void> done =
                new java.util.concurrent.CompletableFuture<>();
        ctx.future(() -> done);
        Thread copier =
                new Thread(
                        () -> {
                            byte[] buffer = new byte[8192];
                            try (java.io.InputStream in = response.body()) {
                                var out = ctx.res().getOutputStream();
                                for (int n; (n = in.read(buffer)) >= 0; ) {
                                    out.write(buffer, 0, n);
                                    out.flush();
                                }
                            } catch (IOException | RuntimeException e) {
                                // Either side went away: the other is closed below.
                            } finally {
                                done.complete(null);
                            }
                        },
                        "stream-proxy");
        copier.setDaemon(true);
        copier.start();
    }

    private void forward(Context ctx, String base) throws InterruptedException {
        pass(ctx, ask(ctx, base));
    }

    /** What the processor at {@code base} answers to this request. */
    private Answer ask(Context ctx, String base) throws InterruptedException {
        String query = ctx.queryString() == null ? "" : "?" + ctx.queryString();
        if (ctx.method() == HandlerType.GET) {
            return get(base, ctx.path() + query);
        }
        // POST /jobs also takes JSON Lines: the caller's content type decides how it is read.
        String type = ctx.contentType();
        return viaJdk(
                base,
                HttpRequest.newBuilder(URI.create(base + ctx.path() + query))
                        .header("Content-Type", type == null ? "application/json" : type)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(ctx.bodyAsBytes())));
    }

    /** GETs {@code pathAndQuery} (percent-encoded) from the processor at {@code base}. */
    private Answer get(String base, String pathAndQuery) throws InterruptedException {
        Upstream upstream = Upstream.of(base);
        if (!upstream.plainHttp()) {
            return viaJdk(base, HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET());
        }
        try {
            return Answer.of(
                    queries.get(
                            upstream.host(),
                            upstream.port(),
                            pathAndQuery,
                            token.map(t -> Map.of("Authorization", t.headerValue()))
                                    .orElse(Map.of())));
        } catch (IOException e) {
            throw notAnswering(base, e);
        }
    }

    /** Sends {@code request} with the token and the timeout through the JDK client. */
    private Answer viaJdk(String base, HttpRequest.Builder request) throws InterruptedException {
        request.timeout(Duration.ofMillis(TIMEOUT_MILLIS));
        token.ifPresent(t -> request.header("Authorization", t.headerValue()));
        try {
            return Answer.of(http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray()));
        } catch (IOException e) {
            throw notAnswering(base, e);
        }
    }

    private static ServiceUnavailableException notAnswering(String base, IOException e) {
        return new ServiceUnavailableException(
                "the processor at "
                        + base
                        + " does not answer ("
                        + e.getClass().getSimpleName()
                        + "): is it running?",
                e);
    }

    private static void pass(Context ctx, Answer answer) {
        // The processor answers on the same service layer as this server: its status, body and
        // retry advice pass through unchanged.
        if (answer.retryAfter() != null) {
            ctx.header("Retry-After", answer.retryAfter());
        }
        if (answer.contentType() != null && answer.contentType().startsWith("application/json")) {
            ServiceHttp.raw(ctx, answer.status(), answer.body());
            return;
        }
        if (answer.contentType() != null) {
            ctx.contentType(answer.contentType());
        }
        ctx.status(answer.status()).result(answer.body());
    }

    /** A processor's answer, from either client. */
    @SuppressWarnings("ArrayRecordComponent") // a received body, passed on, never compared
    private record Answer(int status, byte[] body, String contentType, String retryAfter) {

        static Answer of(HttpResponse<byte[]> response) {
            return new Answer(
                    response.statusCode(),
                    response.body(),
                    response.headers().firstValue("Content-Type").orElse(null),
                    response.headers().firstValue("Retry-After").orElse(null));
        }

        static Answer of(ForwardClient.Response response) {
            return new Answer(
                    response.status(),
                    response.body(),
                    response.header("Content-Type"),
                    response.header("Retry-After"));
        }
    }

    /**
     * Where a base URL points; {@code plainHttp}: {@code http://host[:port]} without a path, which
     * {@link ForwardClient} can reach.
     */
    private record Upstream(String host, int port, boolean plainHttp) {

        private static final Map<String, Upstream> PARSED = new ConcurrentHashMap<>();

        static Upstream of(String base) {
            return PARSED.computeIfAbsent(base, Upstream::parse);
        }

        private static Upstream parse(String base) {
            URI uri = URI.create(base);
            String path = uri.getRawPath();
            boolean plain =
                    "http".equalsIgnoreCase(uri.getScheme())
                            && uri.getHost() != null
                            && (path == null || path.isEmpty())
                            && uri.getRawQuery() == null
                            && uri.getRawUserInfo() == null;
            return new Upstream(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort(), plain);
        }
    }
}
