package ams.conversations.http;

import ams.conversations.AgentDirectory;
import ams.conversations.AgentProfile;
import ams.conversations.ConversationCommands;
import ams.conversations.media.MessageMedia;
import ams.conversations.statemachine.ConversationQueries;
import ams.conversations.statemachine.ConversationTopology;
import ams.conversations.statemachine.Status;
import ams.events.InvalidRequestException;
import ams.events.MediaRef;
import ams.events.conversation.ConversationRequested;
import ams.events.streams.StoreUnavailableException;
import ams.service.http.ConflictException;
import ams.service.http.ForwardClient;
import ams.service.http.InstanceRouter;
import ams.service.http.NotFoundException;
import ams.service.http.Params;
import ams.service.http.ServiceHttp;
import ams.service.http.ServiceJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The conversation routes of the cross-module contract. Reads answer locally for keys this instance
 * owns and are forwarded to the owner otherwise; the per-agent list fans out to every instance.
 * Routes throw what went wrong; the shared {@link ServiceHttp} setup answers it.
 */
public final class ConversationHttp {

    private final ConversationJson json = new ConversationJson();
    private final ConversationQueries queries;
    private final InstanceRouter router;
    private final ConversationCommands commands;
    private final AgentDirectory agents;
    private final MessageMedia media;

    public ConversationHttp(
            ConversationQueries queries,
            InstanceRouter router,
            ConversationCommands commands,
            AgentDirectory agents) {
        this(queries, router, commands, agents, new MessageMedia(Optional.empty()));
    }

    public ConversationHttp(
            ConversationQueries queries,
            InstanceRouter router,
            ConversationCommands commands,
            AgentDirectory agents,
            MessageMedia media) {
        this.media = media;
        this.queries = queries;
        this.router = router;
        this.commands = commands;
        this.agents = agents;
    }

    public void registerRoutes(Javalin app) {
        app.post("/conversations/generate", this::generate);
        app.get(
                "/conversations/{id}",
                ctx ->
                        routed(
                                ctx,
                                "",
                                id ->
                                        queries.conversation(id)
                                                .map(json::conversation)
                                                .map(ServiceJson::writeBytes)));
        app.get(
                "/conversations/{id}/messages",
                ctx ->
                        routed(
                                ctx,
                                "/messages",
                                id ->
                                        queries.conversation(id)
                                                .map(
                                                        s ->
                                                                json.messagesBytes(
                                                                        id,
                                                                        queries.messages(id)))));
        app.get("/agents/{id}/conversations", this::ofAgent);
        app.post("/conversations/{id}/cancel", this::cancel);
        app.post("/conversations/{id}/resume", this::resume);
        app.post("/conversations/{id}/messages", this::humanMessage);
    }

    /**
     * Answers from the local store when this instance owns the key, else passes the owner's answer
     * on as it is.
     */
    private void routed(Context ctx, String suffix, Function<String, Optional<byte[]>> local) {
        String id = conversationId(ctx);
        if (ctx.header(InstanceRouter.FORWARDED_HEADER) == null
                && owner(id) instanceof InstanceRouter.Remote remote) {
            ForwardClient.Response response =
                    router.forward(
                            remote.host(), "/conversations/" + ProcessorClient.encode(id) + suffix);
            if (response.status() == 503) {
                ctx.header("Retry-After", ServiceHttp.RETRY_AFTER_SECONDS);
            }
            ServiceHttp.raw(ctx, response.status(), response.body());
            return;
        }
        byte[] answer =
                local.apply(id)
                        .orElseThrow(
                                () ->
                                        new NotFoundException(
                                                "No conversation '"
                                                        + id
                                                        + "'; start one with POST /conversations/generate"));
        ServiceHttp.raw(ctx, 200, answer);
    }

    private void ofAgent(Context ctx) throws JsonProcessingException {
        String agentId = Params.path(ctx, "id", "agent id");
        Set<String> ids = new LinkedHashSet<>(queries.conversationsOfAgent(agentId));
        if (ctx.header(InstanceRouter.FORWARDED_HEADER) == null) {
            for (HostInfo host : router.hostsOf(ConversationTopology.CONVERSATIONS_STORE)) {
                if (host.equals(router.self())) {
                    continue;
                }
                ForwardClient.Response response =
                        router.forward(
                                host,
                                "/agents/" + ProcessorClient.encode(agentId) + "/conversations");
                if (response.status() != 200) {
                    throw new StoreUnavailableException(
                            "Instance " + host + " answered " + response.status(), null);
                }
                ServiceJson.mapper()
                        .readTree(response.text())
                        .path("conversations")
                        .forEach(n -> ids.add(n.asText()));
            }
        }
        var body = json.object().put("agent_id", agentId);
        var list = body.putArray("conversations");
        ids.stream().sorted().forEach(list::add);
        ServiceHttp.ok(ctx, body);
    }

    private void generate(Context ctx) throws JsonProcessingException {
        GenerateRequest request = ServiceJson.read(ctx.body(), GenerateRequest.class);
        List<String> inactive = new ArrayList<>();
        for (String agent : request.agents()) {
            Optional<AgentProfile> profile = AgentLookup.find(agents, agent);
            if (profile.isEmpty()) {
                throw new InvalidRequestException(
                        "Unknown agent '" + agent + "'; create it first (POST /agents)");
            }
            profile.get().inactiveReason().ifPresent(inactive::add);
        }
        ConversationRequested event = request.toEvent();
        String id = request.requestedId();
        if (id == null) {
            id = UUID.randomUUID().toString();
        } else {
            // Idempotent on conversation_id: a client that lost our answer sends the same request
            // again and gets the same answer; a different request under a taken id is a conflict.
            JsonNode existing = lookup(id);
            if (existing != null) {
                String difference = json.differenceFrom(existing, event);
                if (difference != null) {
                    throw new ConflictException(
                            "Conversation '"
                                    + id
                                    + "' already exists with another '"
                                    + difference
                                    + "'; send the same request to retry it, or leave 'conversation_id' out for a new conversation");
                }
                ServiceHttp.reply(
                        ctx,
                        202,
                        json.object()
                                .put("conversation_id", id)
                                .put("status", existing.path("status").asText())
                                .put("already_requested", true));
                return;
            }
        }
        if (!inactive.isEmpty()) {
            // A deactivated agent does not join a new conversation (a retry of one already taken
            // was answered above: it started while the agent was active).
            throw new ConflictException(
                    "Inactive agent"
                            + (inactive.size() == 1 ? " " : "s: ")
                            + String.join("; ", inactive)
                            + "; or leave "
                            + (inactive.size() == 1 ? "it" : "them")
                            + " out of 'agents'");
        }
        String eventId = commands.request(id, event);
        ServiceHttp.reply(
                ctx, 202, json.object().put("conversation_id", id).put("event_id", eventId));
    }

    private void cancel(Context ctx) throws JsonProcessingException {
        String id = conversationId(ctx);
        requireState(id);
        CancelRequest request =
                ctx.body().isBlank()
                        ? CancelRequest.byDefault()
                        : ServiceJson.read(ctx.body(), CancelRequest.class);
        String eventId = commands.cancel(id, request.reason(), request.requestedBy());
        ServiceHttp.reply(
                ctx,
                202,
                json.object()
                        .put("conversation_id", id)
                        .put("status", "CANCEL_REQUESTED")
                        .put("event_id", eventId));
    }

    private void resume(Context ctx) throws JsonProcessingException {
        String id = conversationId(ctx);
        JsonNode state = requireState(id);
        String status = state.path("status").asText();
        if (status.equals(Status.COMPLETED.name()) || status.equals(Status.CANCELLED.name())) {
            throw new ConflictException(
                    "conversation "
                            + id
                            + " is "
                            + status
                            + "; only FAILED or RUNNING conversations can be resumed");
        }
        int turn = state.path("turns_done").asInt();
        // Informative only: the state machine chooses the speaker of the resumed turn itself.
        String speaker = state.path("next_speaker").asText("");
        String eventId = commands.resume(id, turn, speaker);
        ServiceHttp.reply(
                ctx,
                202,
                json.object()
                        .put("conversation_id", id)
                        .put("status", "RESUME_REQUESTED")
                        .put("previous_status", status)
                        .put("turn", turn)
                        .put("event_id", eventId));
    }

    private void humanMessage(Context ctx) throws JsonProcessingException {
        String id = conversationId(ctx);
        HumanMessageRequest message = ServiceJson.read(ctx.body(), HumanMessageRequest.class);
        List<MediaRef> attached = media.resolve(message.media());
        JsonNode state = requireState(id);
        String status = state.path("status").asText();
        if (Status.valueOf(status).terminal()) {
            throw new InvalidRequestException(
                    "Conversation '" + id + "' is " + status + "; it takes no more messages");
        }
        ConversationCommands.PublishedMessage published =
                commands.humanMessage(
                        id,
                        message.author(),
                        message.content(),
                        state.path("turns_done").asInt(),
                        state.path("session_id").isNull()
                                ? null
                                : state.path("session_id").asText(null),
                        attached);
        ServiceHttp.reply(
                ctx,
                202,
                json.object()
                        .put("conversation_id", id)
                        .put("message_id", published.messageId())
                        .put("event_id", published.eventId()));
    }

    private static String conversationId(Context ctx) {
        return Params.path(ctx, "id", "conversation id");
    }

    private JsonNode requireState(String id) throws JsonProcessingException {
        JsonNode state = lookup(id);
        if (state == null) {
            throw new NotFoundException("No conversation '" + id + "'");
        }
        return state;
    }

    /**
     * The conversation's messages ({@code {"conversation_id","messages":[…]}}), wherever they live;
     * a store that does not answer is a {@link StoreUnavailableException}.
     */
    JsonNode messagesOf(String id) throws JsonProcessingException {
        if (owner(id) instanceof InstanceRouter.Remote remote) {
            ForwardClient.Response response =
                    router.forward(
                            remote.host(),
                            "/conversations/" + ProcessorClient.encode(id) + "/messages");
            if (response.status() != 200) {
                throw new StoreUnavailableException(
                        "Instance "
                                + remote.host()
                                + " answered "
                                + response.status()
                                + " for the messages of conversation '"
                                + id
                                + "'",
                        null);
            }
            return ServiceJson.mapper().readTree(response.text());
        }
        return json.messages(id, queries.messages(id));
    }

    /** The conversation's state, wherever it lives (null when unknown). */
    JsonNode lookup(String id) throws JsonProcessingException {
        if (owner(id) instanceof InstanceRouter.Remote remote) {
            ForwardClient.Response response =
                    router.forward(remote.host(), "/conversations/" + ProcessorClient.encode(id));
            if (response.status() == 404) {
                return null;
            }
            // The owner is restoring or moving: that is not "no such conversation".
            if (response.status() != 200) {
                throw new StoreUnavailableException(
                        "Instance "
                                + remote.host()
                                + " answered "
                                + response.status()
                                + " for conversation '"
                                + id
                                + "'",
                        null);
            }
            return ServiceJson.mapper().readTree(response.text());
        }
        return queries.conversation(id).map(json::conversation).orElse(null);
    }

    private InstanceRouter.Owner owner(String id) {
        return router.ownerOf(ConversationTopology.CONVERSATIONS_STORE, id, new StringSerializer());
    }
}
