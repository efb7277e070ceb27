package ams.conversations.http;

import ams.conversations.AgentDirectory;
import ams.conversations.ConversationCommands;
import ams.conversations.statemachine.ConversationQueries;
import ams.conversations.statemachine.ConversationTopology;
import ams.conversations.statemachine.Status;
import ams.events.GenerationParameters;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.SpeakerPolicy;
import ams.events.conversation.Termination;
import ams.events.streams.StoreUnavailableException;
import ams.service.http.InstanceRouter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The conversation routes of the cross-module contract. Reads answer locally for keys this instance
 * owns and are forwarded to the owner otherwise; the per-agent list fans out to every instance.
 */
public final class ConversationHttp {

    // Trailing tokens fail: '{"agents":["a"],"topic":"t"}}' is a malformed body, not the object
    // before the extra brace.
    private final ObjectMapper mapper =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final ConversationJson json = new ConversationJson(mapper);
    private final ConversationQueries queries;
    private final InstanceRouter router;
    private final ConversationCommands commands;
    private final AgentDirectory agents;

    public ConversationHttp(
            ConversationQueries queries,
            InstanceRouter router,
            ConversationCommands commands,
            AgentDirectory agents) {
        this.queries = queries;
        this.router = router;
        this.commands = commands;
        this.agents = agents;
    }

    public void registerRoutes(Javalin app) {
        app.post("/conversations/generate", ctx -> guarded(ctx, this::generate));
        app.get(
                "/conversations/{id}",
                ctx ->
                        guarded(
                                ctx,
                                c ->
                                        routed(
                                                c,
                                                "/conversations/" + enc(c.pathParam("id")),
                                                id ->
                                                        queries.conversation(id)
                                                                .map(json::conversation)
                                                                .map(Object.class::cast))));
        app.get(
                "/conversations/{id}/messages",
                ctx ->
                        guarded(
                                ctx,
                                c ->
                                        routed(
                                                c,
                                                "/conversations/"
                                                        + enc(c.pathParam("id"))
                                                        + "/messages",
                                                id ->
                                                        queries.conversation(id)
                                                                .map(
                                                                        s ->
                                                                                (Object)
                                                                                        json
                                                                                                .messages(
                                                                                                        id,
                                                                                                        queries
                                                                                                                .messages(
                                                                                                                        id))))));
        app.get("/agents/{id}/conversations", ctx -> guarded(ctx, this::ofAgent));
        app.post("/conversations/{id}/cancel", ctx -> guarded(ctx, this::cancel));
        app.post("/conversations/{id}/resume", ctx -> guarded(ctx, this::resume));
        app.post("/conversations/{id}/messages", ctx -> guarded(ctx, this::humanMessage));
    }

    private interface Handler {
        void handle(Context ctx) throws Exception;
    }

    private void guarded(Context ctx, Handler handler) throws Exception {
        try {
            handler.handle(ctx);
        } catch (StoreUnavailableException e) {
            ctx.status(503).json(json.error(e.getMessage()));
        } catch (BadRequest e) {
            ctx.status(400).json(json.error(e.getMessage()));
        } catch (java.io.UncheckedIOException e) {
            ctx.status(503)
                    .json(
                            json.error(
                                    "A service this route needs is unavailable, retry shortly: "
                                            + e.getMessage()));
        }
    }

    /**
     * Answers from the local store when this instance owns the key, else passes the owner's answer
     * on.
     */
    private void routed(Context ctx, String path, Function<String, Optional<Object>> local) {
        String id = ctx.pathParam("id");
        if (ctx.header(InstanceRouter.FORWARDED_HEADER) == null
                && router.ownerOf(
                                ConversationTopology.CONVERSATIONS_STORE,
                                id,
                                new StringSerializer())
                        instanceof InstanceRouter.Remote remote) {
            InstanceRouter.ForwardedResponse response = router.forward(remote.host(), path);
            ctx.status(response.status()).contentType("application/json").result(response.body());
            return;
        }
        Optional<Object> answer = local.apply(id);
        if (answer.isEmpty()) {
            ctx.status(404)
                    .json(
                            json.error(
                                    "No conversation '"
                                            + id
                                            + "'; start one with POST /conversations/generate"));
        } else {
            ctx.json(answer.get());
        }
    }

    /** The conversation's state, wherever it lives (null when unknown). */
    private JsonNode lookup(String id) throws Exception {
        if (router.ownerOf(ConversationTopology.CONVERSATIONS_STORE, id, new StringSerializer())
                instanceof InstanceRouter.Remote remote) {
            InstanceRouter.ForwardedResponse response =
                    router.forward(remote.host(), "/conversations/" + enc(id));
            return response.status() == 200 ? mapper.readTree(response.body()) : null;
        }
        return queries.conversation(id).map(s -> (JsonNode) json.conversation(s)).orElse(null);
    }

    private void ofAgent(Context ctx) throws Exception {
        String agentId = ctx.pathParam("id");
        Set<String> ids = new LinkedHashSet<>(queries.conversationsOfAgent(agentId));
        if (ctx.header(InstanceRouter.FORWARDED_HEADER) == null) {
            for (HostInfo host : router.hostsOf(ConversationTopology.CONVERSATIONS_STORE)) {
                if (host.equals(router.self())) {
                    continue;
                }
                InstanceRouter.ForwardedResponse response =
                        router.forward(host, "/agents/" + enc(agentId) + "/conversations");
                if (response.status() != 200) {
                    throw new StoreUnavailableException(
                            "Instance " + host + " answered " + response.status(), null);
                }
                mapper.readTree(response.body())
                        .path("conversations")
                        .forEach(n -> ids.add(n.asText()));
            }
        }
        var body = mapper.createObjectNode().put("agent_id", agentId);
        var list = body.putArray("conversations");
        ids.stream().sorted().forEach(list::add);
        ctx.json(body);
    }

    private void generate(Context ctx) throws Exception {
        JsonNode body = body(ctx);
        List<String> participants = strings(body, "agents");
        if (participants.isEmpty()) {
            throw new BadRequest("'agents' must list at least one agent id");
        }
        String topic = optionalText(body, "topic");
        if (topic == null || topic.isBlank()) {
            throw new BadRequest("'topic' is required");
        }
        JsonNode turnsNode = body.path("num_turns");
        int turns = turnsNode.asInt(10);
        if ((!turnsNode.isMissingNode()
                        && !(turnsNode.isIntegralNumber() && turnsNode.canConvertToInt()))
                || turns < 1
                || turns > 10_000) {
            throw new BadRequest("'num_turns' must be an integer from 1 to 10000");
        }
        SpeakerPolicy policy;
        try {
            String name = optionalText(body, "speaker_policy");
            policy =
                    SpeakerPolicy.valueOf(
                            (name == null ? "round_robin" : name).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(
                    "'speaker_policy' must be one of round_robin, random, explicit, model_selected");
        }
        List<String> order = strings(body, "speaker_order");
        if (policy == SpeakerPolicy.EXPLICIT && order.isEmpty()) {
            throw new BadRequest("'speaker_order' is required for speaker_policy explicit");
        }
        if (!participants.containsAll(order)) {
            throw new BadRequest("'speaker_order' may only name agents listed in 'agents'");
        }
        if (new LinkedHashSet<>(participants).size() != participants.size()) {
            throw new BadRequest("'agents' must not repeat an agent");
        }
        String provider = optionalText(body, "provider");
        if (provider != null && !List.of("scripted", "openai", "ollama").contains(provider)) {
            throw new BadRequest("'provider' must be scripted, openai or ollama");
        }
        for (String agent : participants) {
            if (agents.find(agent).isEmpty()) {
                throw new BadRequest(
                        "Unknown agent '" + agent + "'; create it first (POST /agents)");
            }
        }
        Long budget = optionalLong(body, "token_budget");
        Long timeout = optionalLong(body, "timeout_ms");
        ConversationRequested request =
                ConversationRequested.newBuilder()
                        .setParticipants(participants)
                        .setTopic(topic)
                        .setMaxTurns(turns)
                        .setSpeakerPolicy(policy)
                        .setSpeakerOrder(order)
                        .setGeneration(
                                GenerationParameters.newBuilder()
                                        .setProvider(provider)
                                        .setModel(optionalText(body, "model"))
                                        .setTemperature(optionalNumber(body, "temperature"))
                                        .setTopP(optionalNumber(body, "top_p"))
                                        .setMaxTokens(optionalInt(body, "max_tokens"))
                                        .build())
                        .setSeed(optionalInteger(body, "seed"))
                        .setTermination(
                                Termination.newBuilder()
                                        .setStopPhrases(strings(body, "stop_phrases"))
                                        .setTokenBudget(budget)
                                        .setTimeoutMillis(timeout)
                                        .build())
                        .setSessionId(optionalText(body, "session_id"))
                        .setHumanParticipants(strings(body, "human_participants"))
                        .build();
        String id = optionalText(body, "conversation_id");
        if (id == null || id.isBlank()) {
            id = UUID.randomUUID().toString();
        } else {
            // Idempotent on conversation_id: a client that lost our answer sends the same request
            // again and
            // gets the same answer; a different request under a taken id is a conflict.
            JsonNode existing = lookup(id);
            if (existing != null) {
                String difference = json.differenceFrom(existing, request);
                if (difference != null) {
                    ctx.status(409)
                            .json(
                                    json.error(
                                            "Conversation '"
                                                    + id
                                                    + "' already exists with another '"
                                                    + difference
                                                    + "'; send the same request to retry it, or leave 'conversation_id' out for a new conversation"));
                    return;
                }
                ctx.status(202)
                        .json(
                                mapper.createObjectNode()
                                        .put("conversation_id", id)
                                        .put("status", existing.path("status").asText())
                                        .put("already_requested", true));
                return;
            }
        }
        commands.request(id, request);
        ctx.status(202).json(mapper.createObjectNode().put("conversation_id", id));
    }

    private void cancel(Context ctx) throws Exception {
        String id = ctx.pathParam("id");
        JsonNode state = lookup(id);
        if (state == null) {
            ctx.status(404).json(json.error("No conversation '" + id + "'"));
            return;
        }
        JsonNode body = ctx.body().isBlank() ? mapper.createObjectNode() : body(ctx);
        commands.cancel(
                id,
                body.path("reason").asText("cancelled by request"),
                body.path("requested_by").asText("rest"));
        ctx.status(202)
                .json(
                        mapper.createObjectNode()
                                .put("conversation_id", id)
                                .put("status", "CANCEL_REQUESTED"));
    }

    private void resume(Context ctx) throws Exception {
        String id = ctx.pathParam("id");
        JsonNode state = lookup(id);
        if (state == null) {
            ctx.status(404).json(json.error("No conversation '" + id + "'"));
            return;
        }
        String status = state.path("status").asText();
        if (status.equals(Status.COMPLETED.name()) || status.equals(Status.CANCELLED.name())) {
            ctx.status(409)
                    .json(
                            json.error(
                                    "conversation "
                                            + id
                                            + " is "
                                            + status
                                            + "; only FAILED or RUNNING conversations can be resumed"));
            return;
        }
        int turn = state.path("turns_done").asInt();
        // Informative only: the state machine chooses the speaker of the resumed turn itself.
        String speaker = state.path("next_speaker").asText("");
        commands.resume(id, turn, speaker);
        ctx.status(202)
                .json(
                        mapper.createObjectNode()
                                .put("conversation_id", id)
                                .put("status", "RESUME_REQUESTED")
                                .put("previous_status", status)
                                .put("turn", turn));
    }

    private void humanMessage(Context ctx) throws Exception {
        String id = ctx.pathParam("id");
        JsonNode body = body(ctx);
        String author = body.path("author").asText("");
        String content = body.path("content").asText("");
        if (author.isBlank() || content.isBlank()) {
            throw new BadRequest("Both 'author' and 'content' are required");
        }
        JsonNode state = lookup(id);
        if (state == null) {
            ctx.status(404).json(json.error("No conversation '" + id + "'"));
            return;
        }
        String status = state.path("status").asText();
        if (Status.valueOf(status).terminal()) {
            throw new BadRequest(
                    "Conversation '" + id + "' is " + status + "; it takes no more messages");
        }
        String messageId =
                commands.humanMessage(
                        id,
                        author,
                        content,
                        state.path("turns_done").asInt(),
                        state.path("session_id").isNull()
                                ? null
                                : state.path("session_id").asText(null));
        ctx.status(202)
                .json(
                        mapper.createObjectNode()
                                .put("conversation_id", id)
                                .put("message_id", messageId));
    }

    private JsonNode body(Context ctx) {
        try {
            JsonNode body = mapper.readTree(ctx.body());
            if (body == null || !body.isObject()) {
                throw new BadRequest("Body must be a JSON object");
            }
            return body;
        } catch (java.io.IOException e) {
            throw new BadRequest("Body is not valid JSON: " + e.getMessage());
        }
    }

    private static List<String> strings(JsonNode body, String field) {
        JsonNode node = body.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new BadRequest("'" + field + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        node.forEach(
                n -> {
                    if (!n.isTextual() || n.asText().isBlank()) {
                        throw new BadRequest("'" + field + "' must contain only non-blank strings");
                    }
                    out.add(n.asText());
                });
        return out;
    }

    private static Long optionalLong(JsonNode body, String field) {
        JsonNode n = body.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 1) {
            throw new BadRequest("'" + field + "' must be a positive integer");
        }
        return n.asLong();
    }

    // Wrong types are refused, never coerced: asText/asDouble would turn "hot" into 0.0 and 5 into
    // "5".
    private static String optionalText(JsonNode body, String field) {
        JsonNode n = body.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new BadRequest("'" + field + "' must be a string");
        }
        return n.asText();
    }

    private static Double optionalNumber(JsonNode body, String field) {
        JsonNode n = body.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new BadRequest("'" + field + "' must be a number");
        }
        return n.asDouble();
    }

    private static Long optionalInteger(JsonNode body, String field) {
        JsonNode n = body.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new BadRequest("'" + field + "' must be an integer");
        }
        return n.asLong();
    }

    private static Integer optionalInt(JsonNode body, String field) {
        Long value = optionalInteger(body, field);
        if (value != null && (value < 1 || value > Integer.MAX_VALUE)) {
            throw new BadRequest("'" + field + "' must be a positive integer");
        }
        return value == null ? null : value.intValue();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Bad input from the caller: answered with 400 and what to fix. */
    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }
}
