package ams.conversations.http;

import ams.conversations.statemachine.Status;
import ams.conversations.stream.TurnStreams;
import ams.events.InvalidRequestException;
import ams.events.streams.StoreUnavailableException;
import ams.service.http.NotFoundException;
import ams.service.http.Params;
import ams.service.http.ServiceJson;
import ams.service.http.ServiceUnavailableException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /conversations/{id}/stream}: a conversation as Server-Sent Events. Every stored
 * message ({@code message}, SSE id = its index in the conversation), the conversation's state when
 * it changes ({@code status}), the tokens of replies this process's turns are writing ({@code
 * token}, {@code turn_reset} when an attempt's tokens are void) and {@code end} when the
 * conversation reaches a terminal status, after which the stream closes.
 *
 * <p>Each client has a session thread that owns its connection: it polls the conversation stores
 * (through the same routed reads as the other routes, so the owner may be another instance) every
 * {@code stream.poll.ms} while it is open, and forwards turn events from a bounded queue that the
 * turns fill without waiting. A client too slow to drain its queue is disconnected (it reconnects
 * with {@code Last-Event-ID}); no turn ever waits for a client. Nobody listening costs nothing.
 */
public final class ConversationStreamHttp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConversationStreamHttp.class);

    /**
     * How often to look at the stores and to send a keep-alive comment, each client's queue, and
     * how many clients (threads) at most.
     */
    public record Settings(
            long pollMillis, long heartbeatMillis, int clientBuffer, int maxClients) {}

    /**
     * Where a stream reads its conversation: the stores, wherever they live ({@link
     * ConversationHttp}). A store that does not answer is a {@link StoreUnavailableException}.
     */
    interface Reads {
        /** The conversation's state, null when unknown. */
        JsonNode lookup(String id) throws JsonProcessingException;

        /** {@code {"conversation_id","messages":[…]}}. */
        JsonNode messagesOf(String id) throws JsonProcessingException;
    }

    private final ObjectMapper mapper = ServiceJson.mapper();
    private final Reads reads;
    private final TurnStreams streams;
    private final Settings settings;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sequence = new AtomicInteger();

    public ConversationStreamHttp(ConversationHttp reads, TurnStreams streams, Settings settings) {
        this(
                new Reads() {
                    @Override
                    public JsonNode lookup(String id) throws JsonProcessingException {
                        return reads.lookup(id);
                    }

                    @Override
                    public JsonNode messagesOf(String id) throws JsonProcessingException {
                        return reads.messagesOf(id);
                    }
                },
                streams,
                settings);
    }

    ConversationStreamHttp(Reads reads, TurnStreams streams, Settings settings) {
        this.reads = reads;
        this.streams = streams;
        this.settings = settings;
    }

    public void registerRoutes(Javalin app) {
        app.get("/conversations/{id}/stream", this::stream);
    }

    /** Open streams: for tests and metrics. */
    public int openStreams() {
        return sessions.size();
    }

    private void stream(Context ctx) throws Exception {
        String id = Params.path(ctx, "id", "conversation id");
        int after = after(ctx);
        if (sessions.size() >= settings.maxClients()) {
            throw new ServiceUnavailableException(
                    "this instance has "
                            + sessions.size()
                            + " streams open, its limit (stream.max.clients); retry, or use"
                            + " GET /conversations/{id}/messages",
                    null);
        }
        JsonNode state = reads.lookup(id);
        if (state == null) {
            throw new NotFoundException(
                    "No conversation '" + id + "'; start one with POST /conversations/generate");
        }
        // What Javalin's SseHandler does, without its requirement of an exact Accept header (curl
        // and java.net.http send none or */*), and only once the conversation is known to exist.
        ctx.res().setStatus(200);
        ctx.res().setCharacterEncoding("UTF-8");
        ctx.res().setContentType("text/event-stream");
        ctx.res().addHeader("Connection", "close");
        ctx.res().addHeader("Cache-Control", "no-cache");
        ctx.res().addHeader("X-Accel-Buffering", "no");
        SseClient client = new SseClient(ctx);
        Session session = new Session(id, after, state, client);
        // Counted before the client hears 200, so the limit holds for the next request.
        sessions.add(session);
        try {
            ctx.res().flushBuffer();
        } catch (java.io.IOException e) {
            sessions.remove(session);
            return;
        }
        client.keepAlive();
        Thread thread = new Thread(session, "conversation-stream-" + sequence.incrementAndGet());
        thread.setDaemon(true);
        session.thread = thread;
        thread.start();
    }

    /**
     * The last message index the client has: the {@code Last-Event-ID} header a reconnecting client
     * sends, else {@code ?after=}, else -1 (send everything).
     */
    private static int after(Context ctx) {
        String last = ctx.header("Last-Event-ID");
        if (last != null && !last.isBlank()) {
            try {
                int index = Integer.parseInt(last.strip());
                if (index >= -1) {
                    return index;
                }
            } catch (NumberFormatException e) {
                // answered below
            }
            throw new InvalidRequestException(
                    "Last-Event-ID must be the index of a message (an integer of at least -1), not '"
                            + last
                            + "'");
        }
        return Params.intParam(ctx, "after", -1, -1, Integer.MAX_VALUE);
    }

    @Override
    public void close() {
        for (Session session : sessions) {
            session.client.close();
            Thread thread = session.thread;
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    /** One client's connection, written only by its own thread. */
    private final class Session implements Runnable, TurnStreams.Listener {
        private final String conversationId;
        private final SseClient client;
        private final BlockingQueue<TurnStreams.TurnEvent> live;
        private final Set<String> answered = new HashSet<>();
        private volatile boolean overflowed;
        private volatile Thread thread;
        private JsonNode state;
        private int nextIndex;
        private int knownCount = -1;
        private String lastStatus;
        // Once the client has the partial replies: from then on it follows the turns' events, and
        // those queued before a read go out before what the read returns.
        private boolean following;

        Session(String conversationId, int after, JsonNode state, SseClient client) {
            this.conversationId = conversationId;
            this.nextIndex = after + 1;
            this.state = state;
            this.client = client;
            this.live = new ArrayBlockingQueue<>(settings.clientBuffer());
        }

        @Override
        public void onTurnEvent(TurnStreams.TurnEvent event) {
            // Never wait for a client: one that cannot keep up is disconnected and reconnects.
            if (!live.offer(event)) {
                overflowed = true;
            }
        }

        @Override
        public void run() {
            try (TurnStreams.Subscription subscription = streams.subscribe(conversationId, this)) {
                if (catchUp()) {
                    return;
                }
                for (TurnStreams.Partial partial : subscription.partials()) {
                    if (!answered.contains(key(partial.turn(), partial.agentId()))) {
                        token(partial.turn(), partial.agentId(), partial.text());
                    }
                }
                following = true;
                long nextPoll = System.currentTimeMillis() + settings.pollMillis();
                long nextHeartbeat = System.currentTimeMillis() + settings.heartbeatMillis();
                while (!client.terminated()) {
                    long now = System.currentTimeMillis();
                    TurnStreams.TurnEvent event =
                            live.poll(
                                    Math.max(0, Math.min(nextPoll, nextHeartbeat) - now),
                                    TimeUnit.MILLISECONDS);
                    if (event != null) {
                        forward(event);
                        forwardQueued();
                    }
                    if (overflowed) {
                        client.sendComment(
                                "too slow to follow the tokens: reconnect with Last-Event-ID");
                        return;
                    }
                    now = System.currentTimeMillis();
                    if (now >= nextPoll) {
                        nextPoll = now + settings.pollMillis();
                        JsonNode latest = latest();
                        if (latest != null) {
                            state = latest;
                            if (catchUp()) {
                                return;
                            }
                        }
                    }
                    if (now >= nextHeartbeat) {
                        nextHeartbeat = now + settings.heartbeatMillis();
                        client.sendComment("keep-alive");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("Stream of conversation {} ended: {}", conversationId, e.toString());
            } finally {
                sessions.remove(this);
                client.close();
            }
        }

        /** The conversation's state now; null when it cannot be read this time. */
        private JsonNode latest() {
            try {
                return reads.lookup(conversationId);
            } catch (StoreUnavailableException | JsonProcessingException e) {
                return null;
            } catch (RuntimeException e) {
                // A forward that failed (the owner restarting): try again at the next poll.
                return null;
            }
        }

        /**
         * Sends the messages not sent yet and the state if it changed; ends the stream when the
         * conversation has ended. Returns whether it ended.
         */
        private boolean catchUp() {
            int count = state.path("messages").asInt(-1);
            if (count != knownCount || count < 0) {
                JsonNode messages;
                try {
                    messages = reads.messagesOf(conversationId).path("messages");
                } catch (StoreUnavailableException | JsonProcessingException e) {
                    return false;
                }
                if (following) {
                    // Every token of a stored reply's last attempt (and the resets before it) was
                    // queued before its message could be read: they go first, else the message
                    // would void them. The read may have been slow (a store restoring after a
                    // rebalance) while a turn was redone and answered.
                    forwardQueued();
                }
                for (int i = nextIndex; i < messages.size(); i++) {
                    ObjectNode message = mapper.createObjectNode();
                    message.put("conversation_id", conversationId);
                    message.setAll((ObjectNode) messages.get(i));
                    answered.add(
                            key(
                                    message.path("turn_number").asInt(),
                                    message.path("agent_id").asText()));
                    send("message", message, Integer.toString(i));
                }
                nextIndex = Math.max(nextIndex, messages.size());
                knownCount = Math.max(count, messages.size());
            }
            String status = state.toString();
            if (!status.equals(lastStatus)) {
                lastStatus = status;
                send("status", state, null);
            }
            String name = state.path("status").asText();
            boolean ended;
            try {
                ended = Status.valueOf(name).terminal();
            } catch (IllegalArgumentException e) {
                ended = false;
            }
            if (ended) {
                ObjectNode end = mapper.createObjectNode();
                end.put("status", name);
                end.set("reason", state.path("reason"));
                send("end", end, null);
                return true;
            }
            return false;
        }

        private void forwardQueued() {
            for (TurnStreams.TurnEvent event; (event = live.poll()) != null; ) {
                forward(event);
            }
        }

        private void forward(TurnStreams.TurnEvent event) {
            if (answered.contains(key(event.turn(), event.agentId()))) {
                // Its message went out already: late tokens would spoil the client's copy.
                return;
            }
            if (event.reset()) {
                ObjectNode reset = mapper.createObjectNode();
                reset.put("turn_number", event.turn());
                reset.put("agent_id", event.agentId());
                reset.put("reason", event.text());
                send("turn_reset", reset, null);
            } else {
                token(event.turn(), event.agentId(), event.text());
            }
        }

        private void token(int turn, String agentId, String text) {
            ObjectNode token = mapper.createObjectNode();
            token.put("turn_number", turn);
            token.put("agent_id", agentId);
            token.put("text", text);
            send("token", token, null);
        }

        private void send(String event, JsonNode data, String id) {
            client.sendEvent(event, data.toString(), id);
        }

        private String key(int turn, String agentId) {
            return turn + "\u0000" + agentId;
        }
    }
}
