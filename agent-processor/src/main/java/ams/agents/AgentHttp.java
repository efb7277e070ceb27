package ams.agents;

import ams.agents.AgentQueries.Here;
import ams.agents.AgentQueries.Location;
import ams.agents.AgentQueries.There;
import ams.agents.AgentViews.AgentFilter;
import ams.events.streams.StoreUnavailableException;
import ams.service.http.InstanceRouter;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The agent query routes. A request for a key another instance owns is passed to that instance and
 * its answer returned as it came; a request marked {@value InstanceRouter#FORWARDED_HEADER} is
 * answered from this instance only, so a request is forwarded at most once.
 */
final class AgentHttp {

    private static final int MAX_LIMIT = 1000;
    private static final int MAX_OFFSET = 1_000_000;

    private final AgentQueries queries;
    private final InstanceRouter router;
    private final ObjectMapper mapper;

    public AgentHttp(AgentQueries queries, InstanceRouter router, ObjectMapper mapper) {
        this.queries = queries;
        this.router = router;
        this.mapper = mapper;
    }

    public void register(Javalin app) {
        app.get("/agents", ctx -> answer(ctx, () -> listAgents(ctx)));
        app.get(
                "/agents/{id}",
                ctx ->
                        answer(
                                ctx,
                                () ->
                                        byKey(
                                                ctx,
                                                AgentTopology.AGENTS_STORE,
                                                partition ->
                                                        queries.localAgent(id(ctx), partition))));
        app.get(
                "/agents/{id}/activity",
                ctx ->
                        answer(
                                ctx,
                                () ->
                                        byKey(
                                                ctx,
                                                AgentTopology.ACTIVITY_STORE,
                                                partition ->
                                                        Optional.of(
                                                                queries.localActivity(
                                                                        id(ctx), partition)))));
        app.get(
                "/agents/{id}/config",
                ctx ->
                        answer(
                                ctx,
                                () -> {
                                    Instant asOf = instantParam(ctx);
                                    return byKey(
                                            ctx,
                                            AgentTopology.HISTORY_STORE,
                                            partition ->
                                                    queries.localAsOf(id(ctx), asOf, partition));
                                }));
        app.get(
                "/agents/{id}/history",
                ctx ->
                        answer(
                                ctx,
                                () ->
                                        byKey(
                                                ctx,
                                                AgentTopology.HISTORY_STORE,
                                                partition ->
                                                        queries.localHistory(id(ctx), partition))));
    }

    /** An HTTP answer: status and JSON body. */
    private record Reply(int status, String body) {}

    private interface LocalQuery {
        Optional<?> answer(int partition);
    }

    private Reply byKey(Context ctx, String store, LocalQuery local) {
        String id = id(ctx);
        Location location = queries.locate(store, id);
        if (location instanceof There there && !forwarded(ctx)) {
            HostInfo host = there.host();
            InstanceRouter.ForwardedResponse response =
                    router.forward(
                            host,
                            ctx.path()
                                    + (ctx.queryString() == null ? "" : "?" + ctx.queryString()));
            return new Reply(response.status(), response.body());
        }
        // Forwarded here, or here by our own metadata: answer from this instance's partition of the
        // key
        // (the query waits while that partition is moving here, then 503).
        int partition =
                location instanceof Here here
                        ? here.partition()
                        : queries.awaitLocalPartition(store, id);
        return local.answer(partition)
                .map(this::ok)
                .orElseGet(
                        () ->
                                error(
                                        404,
                                        "no agent '"
                                                + id
                                                + "'"
                                                + (ctx.path().endsWith("/config")
                                                        ? " existed at " + ctx.queryParam("asOf")
                                                        : "")));
    }

    private Reply listAgents(Context ctx) {
        int offset = intParam(ctx, "offset", 0, 0, MAX_OFFSET);
        // A fan-out from another instance asks for offset+limit of the caller's page.
        int limit =
                intParam(ctx, "limit", 50, 1, forwarded(ctx) ? MAX_OFFSET + MAX_LIMIT : MAX_LIMIT);
        String activeParam = ctx.queryParam("active");
        Boolean active = null;
        if (activeParam != null && !activeParam.isBlank()) {
            if (!activeParam.equals("true") && !activeParam.equals("false")) {
                throw new BadRequest("active must be true or false, was '" + activeParam + "'");
            }
            active = Boolean.valueOf(activeParam);
        }
        String tag = ctx.queryParam("tag");
        AgentFilter filter = new AgentFilter(tag == null || tag.isBlank() ? null : tag, active);
        return ok(
                forwarded(ctx)
                        ? queries.localAgents(filter, offset, limit)
                        : queries.agents(filter, offset, limit));
    }

    private void answer(Context ctx, Supplier<Reply> handler) {
        Reply reply;
        try {
            reply = handler.get();
        } catch (BadRequest e) {
            reply = error(400, e.getMessage());
        } catch (StoreUnavailableException e) {
            reply = error(503, e.getMessage());
        }
        ctx.status(reply.status()).contentType("application/json").result(reply.body());
    }

    private Reply ok(Object value) {
        try {
            return new Reply(200, mapper.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "Cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private Reply error(int status, String message) {
        try {
            return new Reply(status, mapper.writeValueAsString(Map.of("error", message)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean forwarded(Context ctx) {
        return ctx.header(InstanceRouter.FORWARDED_HEADER) != null;
    }

    private static String id(Context ctx) {
        String id = ctx.pathParam("id");
        if (id.isBlank()) {
            throw new BadRequest("agent id must not be blank");
        }
        return id;
    }

    private static Instant instantParam(Context ctx) {
        String value = ctx.queryParam("asOf");
        if (value == null) {
            value = ctx.queryParam("as_of");
        }
        if (value == null || value.isBlank()) {
            throw new BadRequest(
                    "asOf is required: an ISO-8601 instant such as 2026-01-01T00:00:00Z");
        }
        Instant asOf;
        try {
            asOf = Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new BadRequest(
                    "asOf must be an ISO-8601 instant such as 2026-01-01T00:00:00Z, was '"
                            + value
                            + "'");
        }
        // The versioned store keys versions by epoch milliseconds; an instant past their range
        // overflows there.
        if (asOf.isBefore(Instant.ofEpochMilli(Long.MIN_VALUE))
                || asOf.isAfter(Instant.ofEpochMilli(Long.MAX_VALUE))) {
            throw new BadRequest(
                    "asOf must be an instant from "
                            + Instant.ofEpochMilli(Long.MIN_VALUE)
                            + " to "
                            + Instant.ofEpochMilli(Long.MAX_VALUE)
                            + ", was '"
                            + value
                            + "'");
        }
        return asOf;
    }

    private static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                throw new BadRequest(
                        name + " must be between " + min + " and " + max + ", was " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be an integer, was '" + value + "'");
        }
    }

    /** Input the caller must fix: answered 400 with the message. */
    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }
}
