package ams.knowledge;

import ams.events.streams.StoreUnavailableException;
import ams.knowledge.avro.DocumentRecord;
import ams.knowledge.avro.Interval;
import ams.knowledge.graph.GraphNodes;
import ams.knowledge.search.DimensionMismatchException;
import ams.knowledge.search.SearchFilters;
import ams.knowledge.search.SearchMode;
import ams.service.http.InstanceRouter;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The knowledge routes (JSON). A request for an agent or node this instance does not host is
 * forwarded once to the instance that does; errors are 400 with what to fix, 503 while stores are
 * unavailable.
 */
final class KnowledgeHttp {

    private static final Logger log = LoggerFactory.getLogger(KnowledgeHttp.class);

    private static final int MAX_K = 100;
    private static final int MAX_LIMIT = 1000;

    private final KnowledgeQueries queries;
    private final InstanceRouter router;
    private final ObjectMapper json = new ObjectMapper();

    public KnowledgeHttp(KnowledgeQueries queries, InstanceRouter router) {
        this.queries = queries;
        this.router = router;
    }

    public void register(Javalin app) {
        app.get(
                "/agents/{id}/knowledge",
                ctx ->
                        handle(
                                ctx,
                                KnowledgeTopology.DOCUMENTS_STORE,
                                ctx.pathParam("id"),
                                this::documents));
        app.get(
                "/agents/{id}/knowledge/search",
                ctx ->
                        handle(
                                ctx,
                                KnowledgeTopology.DOCUMENTS_STORE,
                                ctx.pathParam("id"),
                                this::search));
        app.get(
                "/agents/{id}/knowledge/as-of",
                ctx ->
                        handle(
                                ctx,
                                KnowledgeTopology.GRAPH_STORE,
                                GraphNodes.agent(ctx.pathParam("id")),
                                this::knowledgeAsOf));
        app.get(
                "/graph/neighbours",
                ctx -> {
                    String node = ctx.queryParam("node");
                    try {
                        GraphNodes.validate(node);
                    } catch (IllegalArgumentException e) {
                        error(ctx, 400, e.getMessage());
                        return;
                    }
                    handle(ctx, KnowledgeTopology.GRAPH_STORE, node, this::neighbours);
                });
    }

    @FunctionalInterface
    private interface LocalHandler {
        void handle(Context ctx) throws Exception;
    }

    private void handle(Context ctx, String store, String key, LocalHandler local) {
        try {
            if (ctx.header(InstanceRouter.FORWARDED_HEADER) == null
                    && router.ownerOf(store, key, new StringSerializer())
                            instanceof InstanceRouter.Remote remote) {
                String query = ctx.queryString();
                InstanceRouter.ForwardedResponse response =
                        router.forward(
                                remote.host(),
                                ctx.req().getRequestURI() + (query == null ? "" : "?" + query));
                ctx.status(response.status())
                        .contentType("application/json")
                        .result(response.body());
                return;
            }
            local.handle(ctx);
        } catch (IllegalArgumentException | DateTimeParseException | DimensionMismatchException e) {
            error(ctx, 400, e.getMessage());
        } catch (StoreUnavailableException e) {
            error(ctx, 503, e.getMessage());
        } catch (Exception e) {
            // A bug, not the caller's fault: the details go to the log, not to the caller.
            String incident = java.util.UUID.randomUUID().toString();
            log.error("{} {} failed (incident {})", ctx.method(), ctx.path(), incident, e);
            error(
                    ctx,
                    500,
                    "internal error (incident "
                            + incident
                            + "): the knowledge-indexer's log has the details");
        }
    }

    private void documents(Context ctx) throws JsonProcessingException {
        String agentId = ctx.pathParam("id");
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = intParam(ctx, "limit", 50, 1, MAX_LIMIT);
        KnowledgeQueries.DocumentPage page = queries.documents(agentId, offset, limit);
        ObjectNode body = json.createObjectNode();
        body.put("agent_id", agentId);
        ArrayNode documents = body.putArray("documents");
        for (DocumentRecord document : page.documents()) {
            documents.add(documentJson(document));
        }
        body.put("total", page.total());
        body.put("offset", offset);
        body.put("limit", limit);
        send(ctx, body);
    }

    private void search(Context ctx) throws JsonProcessingException {
        String agentId = ctx.pathParam("id");
        String q = ctx.queryParam("q");
        if (q == null || q.isBlank()) {
            throw new IllegalArgumentException(
                    "q is required: the text to search the agent's knowledge for");
        }
        int k = intParam(ctx, "k", 5, 1, MAX_K);
        SearchMode mode = SearchMode.parse(ctx.queryParam("mode"));
        SearchFilters filters =
                new SearchFilters(
                        tags(ctx.queryParam("tags")),
                        ctx.queryParam("source"),
                        ctx.queryParam("content_type"),
                        doubleParam(ctx, "min_similarity"));
        List<KnowledgeQueries.SearchHit> hits = queries.search(agentId, q, k, mode, filters);
        ObjectNode body = json.createObjectNode();
        body.put("agent_id", agentId);
        body.put("query", q);
        body.put("mode", mode.wireName());
        ArrayNode results = body.putArray("results");
        for (KnowledgeQueries.SearchHit hit : hits) {
            DocumentRecord document = hit.document();
            ObjectNode result = results.addObject();
            result.put("document_id", document.getDocumentId());
            result.put("title", document.getTitle());
            result.put("content", hit.chunkText());
            result.put("similarity", hit.similarity());
            result.put("score", hit.score());
            result.set("metadata", metadata(document.getMetadataJson()));
            result.put("chunk_id", hit.chunkId());
            result.put("source", document.getSource());
            result.put("content_type", document.getContentType());
            ArrayNode tags = result.putArray("tags");
            document.getTags().forEach(tags::add);
        }
        send(ctx, body);
    }

    private void knowledgeAsOf(Context ctx) throws JsonProcessingException {
        String agentId = ctx.pathParam("id");
        Instant t = instantParam(ctx, "t");
        if (t == null) {
            throw new IllegalArgumentException(
                    "t is required: an ISO-8601 time such as 2026-01-31T12:00:00Z");
        }
        ObjectNode body = json.createObjectNode();
        body.put("agent_id", agentId);
        body.put("as_of", t.toString());
        ArrayNode documents = body.putArray("documents");
        for (KnowledgeQueries.Neighbour neighbour : queries.knowledgeAsOf(agentId, t)) {
            ObjectNode item = documents.addObject();
            String documentId = neighbour.node().substring("document:".length());
            item.put("document_id", documentId);
            putValidity(item, neighbour, t);
        }
        send(ctx, body);
    }

    private void neighbours(Context ctx) throws JsonProcessingException {
        String node = ctx.queryParam("node");
        Instant asOf = instantParam(ctx, "as_of");
        ObjectNode body = json.createObjectNode();
        body.put("node", node);
        body.put("as_of", asOf == null ? null : asOf.toString());
        ArrayNode list = body.putArray("neighbours");
        for (KnowledgeQueries.Neighbour neighbour : queries.neighbours(node, asOf)) {
            ObjectNode item = list.addObject();
            item.put("node", neighbour.node());
            item.put("relation", neighbour.relation());
            item.put("direction", neighbour.direction());
            putValidity(item, neighbour, asOf);
            item.put("current", neighbour.current());
            ArrayNode intervals = item.putArray("intervals");
            for (Interval interval : neighbour.intervals()) {
                ObjectNode i = intervals.addObject();
                i.put("valid_from", interval.getValidFrom().toString());
                i.put(
                        "valid_to",
                        interval.getValidTo() == null ? null : interval.getValidTo().toString());
            }
        }
        send(ctx, body);
    }

    /** valid_from/valid_to of the interval in effect at {@code t}, or of the latest interval. */
    private static void putValidity(
            ObjectNode item, KnowledgeQueries.Neighbour neighbour, Instant t) {
        Interval chosen =
                neighbour.intervals().isEmpty()
                        ? null
                        : neighbour.intervals().get(neighbour.intervals().size() - 1);
        if (t != null) {
            for (Interval interval : neighbour.intervals()) {
                if (!t.isBefore(interval.getValidFrom())
                        && (interval.getValidTo() == null || t.isBefore(interval.getValidTo()))) {
                    chosen = interval;
                }
            }
        }
        item.put("valid_from", chosen == null ? null : chosen.getValidFrom().toString());
        item.put(
                "valid_to",
                chosen == null || chosen.getValidTo() == null
                        ? null
                        : chosen.getValidTo().toString());
    }

    ObjectNode documentJson(DocumentRecord document) {
        ObjectNode node = json.createObjectNode();
        node.put("kb_id", document.getKbId());
        node.put("agent_id", document.getAgentId());
        node.put("document_id", document.getDocumentId());
        node.put("title", document.getTitle());
        node.put("content", document.getContent());
        node.put("content_type", document.getContentType());
        node.put("source", document.getSource());
        ArrayNode tags = node.putArray("tags");
        document.getTags().forEach(tags::add);
        node.set("metadata", metadata(document.getMetadataJson()));
        node.put(
                "created_at",
                document.getCreatedAt() == null ? null : document.getCreatedAt().toString());
        node.put("updated_at", document.getUpdatedAt().toString());
        node.put("embedding_model", document.getModel());
        node.put("dimension", document.getDimension());
        node.put("chunk_count", document.getChunkCount());
        return node;
    }

    private JsonNode metadata(String metadataJson) {
        try {
            JsonNode parsed =
                    json.readTree(
                            metadataJson == null || metadataJson.isBlank() ? "{}" : metadataJson);
            return parsed == null ? json.createObjectNode() : parsed;
        } catch (JsonProcessingException e) {
            // Kept as given rather than dropped: the original stored metadata as free text.
            ObjectNode raw = json.createObjectNode();
            raw.put("raw", metadataJson);
            return raw;
        }
    }

    private void send(Context ctx, JsonNode body) throws JsonProcessingException {
        ctx.status(200).contentType("application/json").result(json.writeValueAsString(body));
    }

    private void error(Context ctx, int status, String message) {
        ObjectNode body = json.createObjectNode();
        body.put("error", message);
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    private static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < min || parsed > max) {
                throw new IllegalArgumentException(
                        name + " must be between " + min + " and " + max + "; was " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer; was '" + value + "'");
        }
    }

    private static double doubleParam(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return Double.NEGATIVE_INFINITY;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    name + " must be a number such as 0.3; was '" + value + "'");
        }
    }

    static Instant instantParam(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(value.trim()).toInstant();
            } catch (DateTimeParseException again) {
                throw new IllegalArgumentException(
                        name
                                + " must be an ISO-8601 time such as 2026-01-31T12:00:00Z; was '"
                                + value
                                + "'");
            }
        }
    }

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
