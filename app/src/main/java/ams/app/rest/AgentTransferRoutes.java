package ams.app.rest;

import ams.agents.AgentCommands;
import ams.agents.AgentExport;
import ams.app.client.EventPublisher;
import ams.app.client.RestClient;
import ams.events.agent.AgentEvent;
import ams.service.http.NotFoundException;
import ams.service.http.Params;
import ams.service.http.ServiceHttp;
import ams.service.http.ServiceJson;
import ams.service.http.ServiceUnavailableException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Agent export and import as one portable file ({@link AgentExport}). The export is composed from
 * this API's own {@code GET /agents/{id}} and {@code GET /agents/{id}/knowledge}, asked over HTTP,
 * so it answers the same whether the views run in this process ({@code ams up}) or behind it (the
 * proxy of separate processes): which instance owns the agent is those routes' concern.
 */
final class AgentTransferRoutes {

    private static final int KNOWLEDGE_PAGE = 1000;

    private final EventPublisher publisher;
    private final Supplier<RestClient> self;
    private final AgentCommands agents = new AgentCommands("rest");

    /**
     * @param self a client of this API (its loopback address and token), known once it listens
     */
    AgentTransferRoutes(EventPublisher publisher, Supplier<RestClient> self) {
        this.publisher = publisher;
        this.self = self;
    }

    void register(Javalin app) {
        app.get("/agents/{id}/export", this::export);
        app.post("/agents/import", this::importFile);
    }

    private void export(Context ctx) {
        String id = Params.path(ctx, "id", "agent id");
        RestClient api = self.get();
        JsonNode agent = ask(() -> api.get("/agents/" + RestClient.encode(id)), "agent " + id);
        List<JsonNode> documents = new ArrayList<>();
        for (int offset = 0; ; offset += KNOWLEDGE_PAGE) {
            int from = offset;
            JsonNode page =
                    ask(
                            () ->
                                    api.get(
                                            "/agents/"
                                                    + RestClient.encode(id)
                                                    + "/knowledge?offset="
                                                    + from
                                                    + "&limit="
                                                    + KNOWLEDGE_PAGE),
                            "the knowledge of agent " + id);
            page.path("documents").forEach(documents::add);
            if (page.path("documents").size() < KNOWLEDGE_PAGE) {
                break;
            }
        }
        ServiceHttp.ok(ctx, AgentExport.document(agent, documents, Instant.now()));
    }

    /** An answer of this API, its 404 and its 503 passed on as such. */
    private static JsonNode ask(Supplier<JsonNode> query, String what) {
        try {
            return query.get();
        } catch (RestClient.ApiException e) {
            if (e.status() == 404) {
                throw new NotFoundException("no " + what + ": " + e.getMessage());
            }
            throw new ServiceUnavailableException(
                    "cannot read " + what + " now, retry shortly: " + e.getMessage(), e);
        }
    }

    private void importFile(Context ctx) {
        List<AgentEvent> events = AgentExport.events(agents, ServiceJson.object(ctx.body()));
        List<String> eventIds = new ArrayList<>();
        RecordMetadata first = null;
        for (AgentEvent event : events) {
            RecordMetadata meta = publisher.publish(event);
            first = first == null ? meta : first;
            eventIds.add(event.getEnvelope().getEventId().toString());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("agent_id", events.get(0).getAgentId());
        body.put("event_id", eventIds.get(0));
        body.put("topic", first.topic());
        body.put("partition", first.partition());
        body.put("offset", first.offset());
        body.put("event_ids", eventIds);
        ServiceHttp.reply(ctx, 202, body);
    }
}
