package ams.agents;

import ams.agents.AgentQueries.Here;
import ams.agents.AgentQueries.Location;
import ams.agents.AgentQueries.There;
import ams.agents.AgentViews.AgentFilter;
import ams.service.http.InstanceRouter;
import ams.service.http.NotFoundException;
import ams.service.http.Params;
import ams.service.http.ServiceHttp;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Optional;

/**
 * The agent query routes. A request for a key another instance owns is relayed to that instance and
 * its answer returned as it came; a forwarded request ({@value InstanceRouter#FORWARDED_HEADER}) is
 * answered from this instance only, so a request is forwarded at most once. Errors are thrown and
 * answered by {@link ServiceHttp}'s one exception map.
 */
final class AgentHttp {

    private static final int MAX_LIMIT = 1000;
    private static final int MAX_OFFSET = 1_000_000;

    private final AgentQueries queries;
    private final InstanceRouter router;

    AgentHttp(AgentQueries queries, InstanceRouter router) {
        this.queries = queries;
        this.router = router;
    }

    void register(Javalin app) {
        app.get("/agents", this::list);
        app.get(
                "/agents/{id}",
                ctx ->
                        byKey(
                                ctx,
                                AgentTopology.AGENTS_STORE,
                                "",
                                (id, partition) ->
                                        queries.localAgentJson(id, partition).map(RawJson::new)));
        app.get(
                "/agents/{id}/activity",
                ctx ->
                        byKey(
                                ctx,
                                AgentTopology.ACTIVITY_STORE,
                                "",
                                (id, partition) ->
                                        Optional.of(queries.localActivity(id, partition))));
        app.get(
                "/agents/{id}/config",
                ctx -> {
                    Instant asOf = Params.instantParam(ctx, "asOf", "as_of");
                    byKey(
                            ctx,
                            AgentTopology.HISTORY_STORE,
                            " existed at " + asOf,
                            (id, partition) -> queries.localAsOf(id, asOf, partition));
                });
        app.get(
                "/agents/{id}/history",
                ctx -> byKey(ctx, AgentTopology.HISTORY_STORE, "", queries::localHistory));
    }

    /** The answer of this instance's partition of an agent's key; empty: no such agent. */
    private interface LocalQuery {
        Optional<?> answer(String agentId, int partition);
    }

    private void byKey(Context ctx, String store, String notFoundDetail, LocalQuery local) {
        String id = Params.path(ctx, "id", "agent id");
        Location location = queries.locate(store, id);
        if (location instanceof There there && !ServiceHttp.forwarded(ctx)) {
            ServiceHttp.relay(ctx, router, there.host());
            return;
        }
        // Forwarded here, or here by our own metadata: answer from this instance's partition of
        // the key (the query waits while that partition is moving here, then 503).
        int partition =
                location instanceof Here here
                        ? here.partition()
                        : queries.awaitLocalPartition(store, id);
        Object answer =
                local.answer(id, partition)
                        .orElseThrow(
                                () ->
                                        new NotFoundException(
                                                "no agent '" + id + "'" + notFoundDetail));
        if (answer instanceof RawJson raw) {
            ServiceHttp.raw(ctx, 200, raw.json());
        } else {
            ServiceHttp.ok(ctx, answer);
        }
    }

    /**
     * An answer that is JSON text already: the agent with its stored configuration copied as
     * stored, not parsed and written again (the most asked route).
     */
    // Handed from the query to the response, never compared or kept: the array's identity
    // semantics cannot surprise anyone.
    @SuppressWarnings("ArrayRecordComponent")
    private record RawJson(byte[] json) {}

    private void list(Context ctx) {
        boolean forwarded = ServiceHttp.forwarded(ctx);
        int offset = Params.intParam(ctx, "offset", 0, 0, MAX_OFFSET);
        // A fan-out from another instance asks for offset+limit of the caller's page.
        int limit =
                Params.intParam(
                        ctx, "limit", 50, 1, forwarded ? MAX_OFFSET + MAX_LIMIT : MAX_LIMIT);
        AgentFilter filter =
                new AgentFilter(Params.textParam(ctx, "tag"), Params.booleanParam(ctx, "active"));
        ServiceHttp.ok(
                ctx,
                forwarded
                        ? queries.localAgents(filter, offset, limit)
                        : queries.agents(filter, offset, limit));
    }
}
