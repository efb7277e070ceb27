package ams.app.rest;

import ams.agents.AgentCommands;
import ams.app.client.EventPublisher;
import ams.events.InvalidRequestException;
import ams.events.agent.AgentEvent;
import ams.events.knowledge.KnowledgeEvent;
import ams.knowledge.KnowledgeCommands;
import ams.service.http.JsonFields;
import ams.service.http.ServiceHttp;
import ams.service.http.ServiceJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Routes that change the system: each validates the request, publishes one event and answers 202
 * with the event's id and position in the log. The processors apply it asynchronously.
 */
final class WriteRoutes {

    private final EventPublisher publisher;
    private final AgentCommands agents = new AgentCommands("rest");
    private final KnowledgeCommands knowledge = new KnowledgeCommands("rest");
    private final KnowledgeImages images;
    private final KnownAgents knownAgents;

    /**
     * @param images turns an image in the media store into a knowledge document; null when this
     *     server has no media store
     * @param knownAgents asked before a knowledge write is published: an unknown agent is 404
     */
    WriteRoutes(EventPublisher publisher, KnowledgeImages images, KnownAgents knownAgents) {
        this.publisher = publisher;
        this.images = images;
        this.knownAgents = knownAgents;
    }

    void register(Javalin app) {
        app.post("/agents", this::createAgent);
        app.patch(
                "/agents/{id}",
                ctx ->
                        accepted(
                                ctx,
                                agents.changeConfig(
                                        ctx.pathParam("id"), ServiceJson.object(ctx.body()))));
        app.put(
                "/agents/{id}/prompts/{type}",
                ctx ->
                        accepted(
                                ctx,
                                agents.setPrompt(
                                        ctx.pathParam("id"),
                                        ctx.pathParam("type"),
                                        JsonFields.requiredText(
                                                ServiceJson.object(ctx.body()), "text"))));
        app.put("/agents/{id}/flags/{flag}", this::setFlag);
        app.post(
                "/agents/{id}/deactivate",
                ctx -> accepted(ctx, agents.deactivate(ctx.pathParam("id"), reason(ctx))));
        app.post(
                "/agents/{id}/reactivate",
                ctx -> accepted(ctx, agents.reactivate(ctx.pathParam("id"), reason(ctx))));
        app.post("/agents/{id}/knowledge", this::addDocument);
        app.delete(
                "/agents/{id}/knowledge/{documentId}",
                ctx ->
                        accepted(
                                ctx,
                                knowledge.remove(
                                        ctx.pathParam("id"), ctx.pathParam("documentId"), null)));
    }

    /**
     * The original's request ({@code name}) and ours ({@code agent_name}); no id: the config's,
     * else a generated one, and the answer says so ({@code agent_id_generated}); no config: the
     * original's default skeleton.
     */
    private void createAgent(Context ctx) {
        AgentCommands.Creation creation = agents.create(ServiceJson.object(ctx.body()));
        AgentEvent event = creation.event();
        Map<String, Object> ids = new LinkedHashMap<>();
        ids.put("agent_id", event.getAgentId());
        ids.put("agent_id_generated", creation.idGenerated());
        answer(ctx, publisher.publish(event), event.getEnvelope().getEventId().toString(), ids);
    }

    private void setFlag(Context ctx) {
        JsonNode value = ServiceJson.object(ctx.body()).get("value");
        if (value == null || !value.isBoolean()) {
            throw new InvalidRequestException("field 'value' must be true or false");
        }
        accepted(
                ctx,
                agents.setFlag(ctx.pathParam("id"), ctx.pathParam("flag"), value.booleanValue()));
    }

    private void addDocument(Context ctx) {
        JsonNode body = ServiceJson.object(ctx.body());
        JsonNode metadata = body.get("metadata");
        if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
            throw new InvalidRequestException("field 'metadata' must be a JSON object");
        }
        String media = JsonFields.optionalText(body, "media");
        String content;
        String contentType = JsonFields.optionalText(body, "content_type");
        String metadataJson = metadata == null || metadata.isNull() ? "{}" : metadata.toString();
        if (media == null) {
            content = JsonFields.requiredText(body, "content");
        } else {
            if (images == null) {
                throw new InvalidRequestException(
                        "this server has no media store: add the image's caption as text");
            }
            // An image document: its text is the caption (given, or the vision model's); the
            // document keeps the link to the media object in its metadata.
            KnowledgeImages.Document image =
                    images.describe(
                            media,
                            JsonFields.optionalText(body, "content"),
                            metadata == null || metadata.isNull()
                                    ? null
                                    : (ObjectNode) metadata.deepCopy());
            content = image.content();
            contentType = image.contentType();
            metadataJson = image.metadataJson();
        }
        accepted(
                ctx,
                knowledge.add(
                        ctx.pathParam("id"),
                        JsonFields.optionalText(body, "document_id"),
                        JsonFields.optionalText(body, "title"),
                        content,
                        contentType,
                        JsonFields.optionalText(body, "source"),
                        JsonFields.stringList(body, "tags"),
                        metadataJson));
    }

    private static String reason(Context ctx) {
        return ctx.body().isBlank()
                ? null
                : JsonFields.optionalText(ServiceJson.object(ctx.body()), "reason");
    }

    private void accepted(Context ctx, AgentEvent event) {
        answer(
                ctx,
                publisher.publish(event),
                event.getEnvelope().getEventId().toString(),
                Map.of("agent_id", event.getAgentId()));
    }

    private void accepted(Context ctx, KnowledgeEvent event) {
        // A knowledge write on an unknown agent would be indexed for nobody: refused, after the
        // request's own checks (a bad request is 400 whether or not the agent exists).
        knownAgents.require(event.getAgentId());
        Object payload = event.getPayload();
        String documentId =
                payload instanceof ams.events.knowledge.DocumentAdded added
                        ? added.getDocumentId()
                        : payload instanceof ams.events.knowledge.DocumentRemoved removed
                                ? removed.getDocumentId()
                                : "";
        answer(
                ctx,
                publisher.publish(event),
                event.getEnvelope().getEventId().toString(),
                Map.of("agent_id", event.getAgentId(), "document_id", documentId));
    }

    private static void answer(
            Context ctx, RecordMetadata meta, String eventId, Map<String, ?> ids) {
        Map<String, Object> body = new LinkedHashMap<>(ids);
        body.put("event_id", eventId);
        body.put("topic", meta.topic());
        body.put("partition", meta.partition());
        body.put("offset", meta.offset());
        ServiceHttp.reply(ctx, 202, body);
    }
}
