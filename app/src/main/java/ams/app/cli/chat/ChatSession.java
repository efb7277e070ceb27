package ams.app.cli.chat;

import ams.app.client.ConversationStream;
import ams.app.client.RestClient;
import ams.app.client.RestClient.ApiException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One person in a live conversation at a terminal ({@code ams chat}): the conversation's stream is
 * printed as it happens (each agent's reply token by token), a line typed while the conversation
 * awaits this person is their turn, {@code /quit}, {@code /agents}, {@code /history}, {@code
 * /cancel} and {@code /help} are commands. The conversation lives in the log, not here: when the
 * system restarts the session reconnects and goes on from the last message it printed, and after
 * {@code /quit} the same conversation is rejoined with {@code ams chat --join ID}.
 */
public final class ChatSession {

    /** How many earlier messages a rejoin prints before the live ones (the rest: /history). */
    static final int REJOIN_MESSAGES = 20;

    private static final long RECONNECT_MIN_MS = 250;
    private static final long RECONNECT_MAX_MS = 4_000;

    private final RestClient rest;
    private final ChatStream stream;
    private final BufferedReader in;
    private final PrintWriter out;
    private final String conversationId;
    private final String me;

    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean ended;
    private volatile boolean left;
    private volatile int lastIndex = -1;

    // Terminal state; guarded by this.
    private int streamingTurn = -1;
    private final StringBuilder streamed = new StringBuilder();
    // Replies streamed to the end whose stored message has not come yet: the tokens of the next
    // turn often arrive before the previous turn's message (tokens are pushed, messages polled),
    // and the message must then not print the same line a second time.
    private final Map<Integer, String> shownNotYetStored = new HashMap<>();
    private boolean prompted;
    private String awaiting;
    private List<String> participants = List.of();
    private final List<String> sentNotYetSeen = new ArrayList<>();

    public ChatSession(
            RestClient rest,
            ChatStream stream,
            BufferedReader in,
            PrintWriter out,
            String conversationId,
            String me) {
        this.rest = rest;
        this.stream = stream;
        this.in = in;
        this.out = out;
        this.conversationId = conversationId;
        this.me = me;
    }

    /**
     * Runs until the conversation ends or the person leaves; returns the exit code (0, or 4 when
     * the conversation does not exist).
     */
    public int run() throws InterruptedException {
        JsonNode conversation;
        try {
            conversation = rest.get(path(""));
        } catch (ApiException e) {
            say("Cannot open chat " + conversationId + ": " + e.getMessage());
            return e.exitCode();
        }
        status(conversation);
        int messages = conversation.path("messages").asInt(0);
        lastIndex = Math.max(-1, messages - REJOIN_MESSAGES - 1);
        say(
                "Chat "
                        + conversationId
                        + " with "
                        + String.join(", ", participants)
                        + " as "
                        + me
                        + ". Type a message when it is your turn; /help for commands.");
        if (lastIndex >= 0) {
            say("(" + (lastIndex + 1) + " earlier messages: /history)");
        }
        Thread follower = new Thread(this::followUntilEnd, "ams-chat-stream");
        follower.setDaemon(true);
        follower.start();
        Thread reader = new Thread(this::readInput, "ams-chat-input");
        reader.setDaemon(true);
        reader.start();
        done.await();
        return 0;
    }

    // --- the conversation's stream ------------------------------------------------------------

    private void followUntilEnd() {
        long wait = RECONNECT_MIN_MS;
        boolean lost = false;
        while (!ended && !left) {
            int before = lastIndex;
            forgetUnfinishedReply();
            try {
                stream.follow(conversationId, lastIndex, this::onEvent);
            } catch (ApiException e) {
                if (e.status() == 404 || e.status() == 401 || e.status() == 403) {
                    say("[" + e.getMessage() + "]");
                    finish();
                    return;
                }
                lost = reportLost(lost, e.getMessage());
            } catch (Exception e) {
                lost = reportLost(lost, String.valueOf(e.getMessage()));
            }
            if (ended || left) {
                return;
            }
            if (lastIndex != before) {
                wait = RECONNECT_MIN_MS;
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
            wait = Math.min(RECONNECT_MAX_MS, wait * 2);
        }
    }

    private boolean reportLost(boolean alreadyReported, String why) {
        if (!alreadyReported) {
            say("[connection to the system lost (" + why + "); reconnecting]");
        }
        return true;
    }

    /**
     * After a reconnect the server sends the text of a reply still being written as one token: the
     * line shown so far is closed, and that token starts the reply again on a line of its own.
     */
    private synchronized void forgetUnfinishedReply() {
        int unfinished = streamingTurn;
        endLine();
        shownNotYetStored.remove(unfinished);
    }

    synchronized void onEvent(ConversationStream.Event event) {
        JsonNode data = event.data();
        switch (event.name()) {
            case "message" -> message(event.id(), data);
            case "token" -> token(data);
            case "turn_reset" -> reset(data);
            case "status" -> {
                status(data);
                prompt();
            }
            case "end" -> {
                endLine();
                say(
                        "Chat "
                                + conversationId
                                + " ended: "
                                + data.path("status").asText()
                                + (data.path("reason").isTextual()
                                        ? " (" + data.path("reason").asText() + ")"
                                        : ""));
                ended = true;
                finish();
            }
            default -> {
                // Events a newer server sends that this client does not know: nothing to show.
            }
        }
    }

    private void message(String id, JsonNode m) {
        int index = id == null || id.isBlank() ? lastIndex + 1 : Integer.parseInt(id.trim());
        if (index <= lastIndex) {
            return; // already printed before a reconnect
        }
        lastIndex = index;
        String author = m.path("agent_id").asText();
        String content = m.path("content").asText();
        int turn = m.path("turn_number").asInt(-1);
        if (me.equals(author) && sentNotYetSeen.remove(content)) {
            return; // what this person typed is on the screen already
        }
        String shown = shownNotYetStored.remove(turn);
        shownNotYetStored.keySet().removeIf(earlier -> earlier < turn);
        if (streamingTurn >= 0 && streamingTurn == turn && streamed.toString().equals(content)) {
            out.println();
            out.flush();
            streamingTurn = -1;
        } else if (content.equals(shown)) {
            // streamed whole already, on its own line
        } else {
            endLine();
            shownNotYetStored.remove(turn);
            say(label(author, m.path("role").asText()) + content);
        }
        prompt();
    }

    private void token(JsonNode t) {
        int turn = t.path("turn_number").asInt();
        if (streamingTurn != turn) {
            endLine();
            out.print(label(t.path("agent_id").asText(), "assistant"));
            streamingTurn = turn;
            streamed.setLength(0);
            // A reply whose line was closed for another line goes on whole on a new one.
            String before = shownNotYetStored.remove(turn);
            if (before != null) {
                streamed.append(before);
                out.print(before);
            }
        }
        String text = t.path("text").asText();
        streamed.append(text);
        out.print(text);
        out.flush();
    }

    private void reset(JsonNode r) {
        int turn = r.path("turn_number").asInt();
        if (streamingTurn == turn) {
            endLine();
            say(
                    "["
                            + r.path("agent_id").asText()
                            + " starts the reply again: "
                            + r.path("reason").asText()
                            + "]");
        }
        shownNotYetStored.remove(turn); // those tokens are void
    }

    private void status(JsonNode conversation) {
        JsonNode awaited = conversation.path("awaiting_human");
        awaiting = awaited.isTextual() ? awaited.asText() : null;
        List<String> names = new ArrayList<>();
        conversation.path("participants").forEach(p -> names.add(p.asText()));
        if (!names.isEmpty()) {
            participants = names;
        }
    }

    private String label(String author, String role) {
        if (me.equals(author)) {
            return "you> ";
        }
        return "user".equals(role.toLowerCase(Locale.ROOT))
                ? author + " (person): "
                : author + ": ";
    }

    /** Shows the input prompt when the conversation waits for this person. */
    private void prompt() {
        if (me.equals(awaiting) && streamingTurn < 0 && !prompted && !ended) {
            out.print("you> ");
            out.flush();
            prompted = true;
        }
    }

    /** Ends a line of streamed tokens (or a printed prompt) before something else is printed. */
    private void endLine() {
        if (streamingTurn >= 0) {
            shownNotYetStored.put(streamingTurn, streamed.toString());
            out.println();
            streamingTurn = -1;
        }
        if (prompted) {
            out.println();
            prompted = false;
        }
    }

    private synchronized void say(String line) {
        if (prompted) {
            out.println();
        }
        prompted = false;
        out.println(line);
        out.flush();
    }

    // --- the person's input --------------------------------------------------------------------

    private void readInput() {
        try {
            String line;
            while (!ended && !left && (line = in.readLine()) != null) {
                handle(line.strip());
            }
            if (!ended && !left) {
                say("[input closed: watching until the chat ends; Ctrl-C leaves]");
            }
        } catch (IOException e) {
            say("[cannot read input: " + e.getMessage() + "]");
        }
    }

    void handle(String line) {
        synchronized (this) {
            prompted = false;
        }
        if (line.isEmpty()) {
            synchronized (this) {
                prompt();
            }
            return;
        }
        switch (line.split("\\s+", 2)[0].toLowerCase(Locale.ROOT)) {
            case "/quit", "/exit" -> {
                left = true;
                say(
                        "Left chat "
                                + conversationId
                                + "; it goes on without you. Rejoin: ams chat --join "
                                + conversationId
                                + " --as "
                                + me);
                finish();
            }
            case "/agents" -> agents();
            case "/history" -> history();
            case "/cancel" -> cancel();
            case "/help" ->
                    say(
                            "Type a line to speak (it is your turn when the prompt says you>)."
                                    + " /agents who is here, /history the whole conversation,"
                                    + " /cancel end the conversation for everyone, /quit leave"
                                    + " (rejoin with --join).");
            default -> {
                if (line.startsWith("/")) {
                    say("Unknown command " + line + " (/help lists them)");
                } else {
                    send(line);
                }
            }
        }
    }

    private void send(String content) {
        synchronized (this) {
            sentNotYetSeen.add(content);
        }
        try {
            rest.post(path("/messages"), Map.of("author", me, "content", content));
        } catch (ApiException e) {
            synchronized (this) {
                sentNotYetSeen.remove(content);
            }
            say("[not sent: " + e.getMessage() + "; type it again]");
        }
    }

    private void agents() {
        List<String> lines = new ArrayList<>();
        try {
            JsonNode conversation = rest.get(path(""));
            conversation
                    .path("participants")
                    .forEach(p -> lines.add("  " + describeAgent(p.asText())));
            conversation
                    .path("human_participants")
                    .forEach(h -> lines.add("  " + h.asText() + " (person)"));
            lines.add(
                    "  status "
                            + conversation.path("status").asText()
                            + ", "
                            + conversation.path("turns_done").asInt()
                            + " of "
                            + conversation.path("max_turns").asInt()
                            + " turns");
        } catch (ApiException e) {
            lines.add("[" + e.getMessage() + "]");
        }
        say(String.join(System.lineSeparator(), lines));
    }

    private String describeAgent(String agentId) {
        try {
            JsonNode agent = rest.get("/agents/" + RestClient.encode(agentId));
            String name = agent.path("agent_name").asText(agentId);
            return agentId
                    + " ("
                    + name
                    + (agent.path("is_active").asBoolean(true) ? "" : ", inactive")
                    + ")";
        } catch (ApiException e) {
            return agentId; // no agent API behind this address (an orchestrator alone)
        }
    }

    private void history() {
        try {
            JsonNode messages = rest.get(path("/messages")).path("messages");
            StringBuilder all = new StringBuilder("--- history of " + conversationId + " ---");
            messages.forEach(
                    m ->
                            all.append(System.lineSeparator())
                                    .append(
                                            label(
                                                    m.path("agent_id").asText(),
                                                    m.path("role").asText()))
                                    .append(m.path("content").asText()));
            all.append(System.lineSeparator()).append("---");
            say(all.toString());
        } catch (ApiException e) {
            say("[" + e.getMessage() + "]");
        }
        synchronized (this) {
            prompt();
        }
    }

    private void cancel() {
        try {
            rest.post(
                    path("/cancel"), Map.of("reason", "cancelled in ams chat", "requested_by", me));
        } catch (ApiException e) {
            say("[" + e.getMessage() + "]");
        }
    }

    private String path(String suffix) {
        return "/conversations/" + RestClient.encode(conversationId) + suffix;
    }

    private void finish() {
        done.countDown();
    }
}
