package ams.knowledge;

import ams.events.InvalidRequestException;
import ams.knowledge.KnowledgeViews.DocumentPage;
import ams.knowledge.KnowledgeViews.KnowledgeAsOf;
import ams.knowledge.KnowledgeViews.Neighbours;
import ams.knowledge.KnowledgeViews.SearchAnswer;
import ams.knowledge.graph.GraphNodes;
import ams.knowledge.search.DimensionMismatchException;
import ams.knowledge.search.SearchFilters;
import ams.knowledge.search.SearchMode;
import ams.service.http.InstanceRouter;
import ams.service.http.Params;
import ams.service.http.ServiceHttp;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The knowledge routes (JSON). A request for an agent or node this instance does not host is
 * relayed once to the instance that does. Errors are thrown and answered by {@link ServiceHttp}'s
 * one exception map: 400 with what to fix, 503 while stores are unavailable.
 */
final class KnowledgeHttp {

    private static final int MAX_K = 100;
    private static final int MAX_LIMIT = 1000;

    private final KnowledgeQueries queries;
    private final InstanceRouter router;

    KnowledgeHttp(KnowledgeQueries queries, InstanceRouter router) {
        this.queries = queries;
        this.router = router;
    }

    void register(Javalin app) {
        app.get(
                "/agents/{id}/knowledge",
                ctx ->
                        owned(
                                ctx,
                                KnowledgeTopology.DOCUMENTS_STORE,
                                agentId(ctx),
                                this::documents));
        app.get(
                "/agents/{id}/knowledge/search",
                ctx -> owned(ctx, KnowledgeTopology.DOCUMENTS_STORE, agentId(ctx), this::search));
        app.get(
                "/agents/{id}/knowledge/as-of",
                ctx ->
                        owned(
                                ctx,
                                KnowledgeTopology.GRAPH_STORE,
                                GraphNodes.agent(agentId(ctx)),
                                this::knowledgeAsOf));
        app.get(
                "/graph/neighbours",
                ctx ->
                        owned(
                                ctx,
                                KnowledgeTopology.GRAPH_STORE,
                                GraphNodes.validate(ctx.queryParam("node")),
                                this::neighbours));
    }

    /** Answers here when this instance owns {@code key} (or was forwarded to), else relays. */
    private void owned(Context ctx, String store, String key, Handler local) throws Exception {
        if (!ServiceHttp.forwarded(ctx)
                && router.ownerOf(store, key, new StringSerializer())
                        instanceof InstanceRouter.Remote remote) {
            ServiceHttp.relay(ctx, router, remote.host());
            return;
        }
        local.handle(ctx);
    }

    private void documents(Context ctx) {
        String agentId = agentId(ctx);
        int offset = Params.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = Params.intParam(ctx, "limit", 50, 1, MAX_LIMIT);
        KnowledgeQueries.DocumentPage page = queries.documents(agentId, offset, limit);
        ServiceHttp.ok(
                ctx,
                new DocumentPage(
                        agentId,
                        page.documents().stream().map(KnowledgeViews::document).toList(),
                        page.total(),
                        offset,
                        limit));
    }

    private void search(Context ctx) {
        String agentId = agentId(ctx);
        String q = Params.textParam(ctx, "q");
        if (q == null) {
            throw new InvalidRequestException(
                    "q is required: the text to search the agent's knowledge for");
        }
        int k = Params.intParam(ctx, "k", 5, 1, MAX_K);
        SearchMode mode = SearchMode.parse(ctx.queryParam("mode"));
        SearchFilters filters =
                new SearchFilters(
                        tags(ctx.queryParam("tags")),
                        ctx.queryParam("source"),
                        ctx.queryParam("content_type"),
                        Params.doubleParam(ctx, "min_similarity", Double.NEGATIVE_INFINITY));
        boolean exact = Boolean.TRUE.equals(Params.booleanParam(ctx, "exact"));
        Instant asOf = Params.optionalInstantParam(ctx, "as_of");
        List<KnowledgeQueries.SearchHit> hits;
        try {
            hits =
                    asOf == null
                            ? queries.search(agentId, q, k, mode, filters, exact)
                            : queries.searchAsOf(agentId, q, k, mode, filters, exact, asOf);
        } catch (DimensionMismatchException e) {
            // The agent's chunks came from another model than the query's: the caller's to fix.
            throw new InvalidRequestException(e.getMessage());
        }
        ServiceHttp.ok(
                ctx,
                new SearchAnswer(
                        agentId,
                        q,
                        mode.wireName(),
                        hits.stream().map(KnowledgeViews::searchResult).toList()));
    }

    private void knowledgeAsOf(Context ctx) {
        String agentId = agentId(ctx);
        Instant t = Params.instantParam(ctx, "t", null);
        ServiceHttp.ok(
                ctx,
                new KnowledgeAsOf(
                        agentId,
                        t.toString(),
                        queries.knowledgeAsOf(agentId, t).stream()
                                .map(neighbour -> KnowledgeViews.knownDocument(neighbour, t))
                                .toList()));
    }

    private void neighbours(Context ctx) {
        String node = ctx.queryParam("node");
        Instant asOf = Params.optionalInstantParam(ctx, "as_of");
        ServiceHttp.ok(
                ctx,
                new Neighbours(
                        node,
                        KnowledgeViews.iso(asOf),
                        queries.neighbours(node, asOf).stream()
                                .map(neighbour -> KnowledgeViews.neighbour(neighbour, asOf))
                                .toList()));
    }

    private static String agentId(Context ctx) {
        return Params.path(ctx, "id", "agent id");
    }

    /** A comma-separated list; blank entries dropped. */
    private static Set<String> tags(String value) {
        if (value == null || value.isBlank()) {
            return Set.of();
        }
        Set<String> tags = new LinkedHashSet<>();
        Arrays.stream(value.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .forEach(tags::add);
        return tags;
    }
}
