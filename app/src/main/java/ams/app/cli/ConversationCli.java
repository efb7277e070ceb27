package ams.app.cli;

import ams.app.client.RestClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ams conversation ...}: generate multi-agent conversations and read them. */
@Command(
        name = "conversation",
        mixinStandardHelpOptions = true,
        description = "Generate, inspect, cancel and resume conversations.")
public final class ConversationCli {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Mixin ApiOptions api;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Command(
            name = "generate",
            mixinStandardHelpOptions = true,
            description = "Start a conversation between agents on a topic.")
    int generate(
            @Option(
                            names = "--agents",
                            required = true,
                            split = ",",
                            description = "Comma-separated agent ids")
                    List<String> agents,
            @Option(names = "--topic", required = true) String topic,
            @Option(names = "--turns", defaultValue = "10") int turns,
            @Option(
                            names = "--speaker-policy",
                            defaultValue = "round_robin",
                            description =
                                    "round_robin, random, explicit, model_selected, handoff (a"
                                            + " speaker names the next in a line NEXT: <agent id>)")
                    String policy,
            @Option(names = "--seed") Long seed,
            @Option(
                            names = "--provider",
                            description = "scripted, openai or ollama (default: the system's)")
                    String provider,
            @Option(names = "--model") String model,
            @Option(
                            names = "--until",
                            description =
                                    "When to end before --turns: conditions with & | ! and ( ),"
                                            + " e.g. 'stop_phrase(\"DONE\") & min_turns(4)'"
                                            + " (max_turns, min_turns, stop_phrase, token_budget,"
                                            + " elapsed_ms, speaker)")
                    String until,
            @Option(
                            names = "--wait",
                            description =
                                    "Wait until it ends, showing progress (exit 1 at once if the"
                                            + " request is rejected)")
                    boolean wait,
            @Option(
                            names = "--timeout",
                            defaultValue = "PT10M",
                            description = "How long --wait waits (ISO-8601 duration)")
                    Duration timeout,
            @Option(
                            names = "--id",
                            description =
                                    "Conversation id (default: a new UUID). The same id with the same request again "
                                            + "is a safe retry; with another request it is refused")
                    String conversationId) {
        ObjectNode body = JSON.createObjectNode();
        // The id is chosen here so that the retries of a lost answer start one conversation, not
        // several.
        body.put(
                "conversation_id",
                conversationId == null ? UUID.randomUUID().toString() : conversationId);
        body.set("agents", JSON.valueToTree(agents));
        body.put("topic", topic);
        body.put("num_turns", turns);
        body.put("speaker_policy", policy);
        if (seed != null) {
            body.put("seed", seed);
        }
        if (provider != null) {
            body.put("provider", provider);
        }
        if (model != null) {
            body.put("model", model);
        }
        if (until != null) {
            body.put("termination", until);
        }
        JsonNode answer = api.client().postIdempotent("/conversations/generate", body);
        String id = answer.path("conversation_id").asText();
        if (!wait) {
            api.print(out(), answer, a -> out().printf("Conversation %s requested%n", id));
            return 0;
        }
        if (rejected(answer, timeout)) {
            return 1;
        }
        JsonNode last = new Progress(api.client(), out(), !api.json()).waitForEnd(id, timeout);
        api.print(
                out(),
                last,
                a ->
                        out().printf(
                                        "Conversation %s %s after %d turns%n",
                                        id,
                                        a.path("status").asText(),
                                        a.path("turns_done").asInt()));
        return last.path("status").asText().equals("COMPLETED") ? 0 : 1;
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Show a conversation and its messages.")
    int show(@Parameters(paramLabel = "CONVERSATION_ID") String id) {
        JsonNode state = api.client().get("/conversations/" + RestClient.encode(id));
        JsonNode messages =
                api.client().get("/conversations/" + RestClient.encode(id) + "/messages");
        ObjectNode both = JSON.createObjectNode();
        both.set("conversation", state);
        both.set("messages", messages.path("messages"));
        api.print(
                out(),
                both,
                a -> {
                    out().printf(
                                    "%s  %s  %d/%d turns  topic: %s%n",
                                    id,
                                    state.path("status").asText(),
                                    state.path("turns_done").asInt(),
                                    state.path("max_turns").asInt(),
                                    state.path("topic").asText());
                    String awaiting = state.path("awaiting_human").asText(null);
                    if (awaiting != null) {
                        out().printf(
                                        "waiting for %s: ams chat send %s MESSAGE --as %s%n",
                                        awaiting, id, awaiting);
                    }
                    for (JsonNode m : messages.path("messages")) {
                        out().printf(
                                        "[%d] %s (%s): %s%n",
                                        m.path("turn_number").asInt(),
                                        m.path("agent_id").asText(),
                                        m.path("model").asText(""),
                                        m.path("content").asText());
                    }
                });
        return 0;
    }

    @Command(
            name = "watch",
            mixinStandardHelpOptions = true,
            description =
                    "Follow a conversation live: its messages, each reply as it is written (tokens of"
                            + " turns run by the process that serves --api), until it ends.")
    int watch(
            @Parameters(paramLabel = "CONVERSATION_ID") String id,
            @Option(
                            names = "--after",
                            defaultValue = "-1",
                            description = "Index of the last message already seen (-1: show all)")
                    int after,
            @Option(
                            names = "--reconnects",
                            defaultValue = "30",
                            description =
                                    "How many times to reconnect (from the last message seen) when"
                                            + " the stream breaks off")
                    int reconnects)
            throws InterruptedException {
        Watch watch = new Watch(out(), api.json());
        int index = after;
        for (int attempt = 0; ; attempt++) {
            ams.app.client.ConversationStream stream;
            try {
                stream = api.client().streamConversation(id, index, watch);
            } catch (RestClient.ApiException e) {
                if (!e.retriable() || attempt >= reconnects) {
                    throw e;
                }
                Thread.sleep(1000);
                continue;
            }
            try (stream) {
                stream.closed().join();
                if (stream.ended() || watch.error == null || attempt >= reconnects) {
                    break;
                }
                index = stream.lastIndex();
                watch.reconnecting();
            }
            Thread.sleep(500);
        }
        if (watch.error != null && watch.endStatus == null) {
            throw new RestClient.ApiException(
                    0,
                    "the stream of conversation " + id + " broke off: " + watch.error.getMessage());
        }
        return "COMPLETED".equals(watch.endStatus) ? 0 : 1;
    }

    /**
     * Prints a stream: each turn's reply as its tokens arrive, the stored message when the tokens
     * did not show all of it (joined late, or the attempt was reset), and the end.
     */
    static final class Watch implements ams.app.client.ConversationStream.Listener {
        private final PrintWriter out;
        private final boolean json;
        private final StringBuilder shown = new StringBuilder();
        private int turnShown = -1;
        volatile String endStatus;
        volatile Throwable error;

        Watch(PrintWriter out, boolean json) {
            this.out = out;
            this.json = json;
        }

        @Override
        public void onEvent(ams.app.client.ConversationStream.Event event) {
            if (json) {
                ObjectNode line = JSON.createObjectNode();
                line.put("event", event.name());
                if (event.id() != null) {
                    line.put("id", event.id());
                }
                line.set("data", event.data());
                synchronized (out) {
                    out.println(line);
                    out.flush();
                }
                if (event.name().equals("end")) {
                    endStatus = event.data().path("status").asText();
                }
                return;
            }
            ams.app.client.ConversationStream.Listener.super.onEvent(event);
        }

        @Override
        public void onToken(int turn, String agentId, String text) {
            if (turn != turnShown) {
                endLine();
                turnShown = turn;
                out.printf("[%d] %s: ", turn, agentId);
            }
            shown.append(text);
            out.print(text);
            out.flush();
        }

        @Override
        public void onTurnReset(int turn, String agentId, String reason) {
            if (turn == turnShown) {
                endLine();
                out.printf("(turn %d starts again: %s)%n", turn, reason);
                out.flush();
            }
        }

        @Override
        public void onMessage(JsonNode m, int index) {
            int turn = m.path("turn_number").asInt();
            String content = m.path("content").asText();
            if (turn == turnShown && content.contentEquals(shown)) {
                out.println();
            } else {
                endLine();
                out.printf(
                        "[%d] %s%s: %s%n",
                        turn,
                        m.path("agent_id").asText(),
                        "user".equals(m.path("role").asText()) ? " (human)" : "",
                        content);
            }
            turnShown = -1;
            shown.setLength(0);
            out.flush();
        }

        @Override
        public void onEnd(String status, String reason) {
            endLine();
            endStatus = status;
            out.printf("Conversation %s%s%n", status, reason == null ? "" : " (" + reason + ")");
            out.flush();
        }

        @Override
        public void onClosed(Throwable failure) {
            error = failure;
        }

        /** A new connection: a reply shown in part will come again from its start. */
        void reconnecting() {
            endLine();
            turnShown = -1;
            shown.setLength(0);
            error = null;
        }

        private void endLine() {
            if (turnShown >= 0) {
                out.println();
                turnShown = -1;
                shown.setLength(0);
            }
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the conversations of an agent.")
    int list(@Option(names = "--agent", required = true) String agentId) {
        JsonNode answer =
                api.client().get("/agents/" + RestClient.encode(agentId) + "/conversations");
        api.print(
                out(),
                answer,
                a ->
                        a.path("conversations")
                                .forEach(
                                        c ->
                                                out().println(
                                                                c.isTextual()
                                                                        ? c.asText()
                                                                        : c.toString())));
        return 0;
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description = "Cancel a running conversation.")
    int cancel(@Parameters(paramLabel = "CONVERSATION_ID") String id, @Mixin WaitOption wait) {
        JsonNode answer =
                api.client().post("/conversations/" + RestClient.encode(id) + "/cancel", "{}");
        return wait.printAndSettle(
                api, out(), answer, a -> out().printf("Conversation %s cancelled%n", id));
    }

    /**
     * Whether the accepted write's fate is a rejection (said, then the caller exits 1); a retried
     * request already taken carries no event id and is not waited for.
     */
    private boolean rejected(JsonNode answer, Duration timeout) {
        String eventId = answer.path("event_id").asText("");
        // With --json, stdout is the one JSON document the progress ends with: the fate is said
        // on stderr.
        PrintWriter said = api.json() ? spec.commandLine().getErr() : out();
        return !eventId.isEmpty()
                && WaitOption.settle(api.client(), eventId, timeout.toSeconds(), said) != 0;
    }

    @Command(
            name = "resume",
            mixinStandardHelpOptions = true,
            description =
                    "Resume a FAILED (or stuck RUNNING) conversation from its last appended turn.")
    int resume(
            @Parameters(paramLabel = "CONVERSATION_ID") String id,
            @Option(
                            names = "--wait",
                            description =
                                    "Wait until it ends again, showing progress (exit 1 at once if"
                                            + " the resume is rejected)")
                    boolean wait,
            @Option(
                            names = "--timeout",
                            defaultValue = "PT10M",
                            description = "How long --wait waits (ISO-8601 duration)")
                    Duration timeout) {
        String path = "/conversations/" + RestClient.encode(id);
        // The state before, so --wait does not take the old FAILED state for the end of the resumed
        // run.
        JsonNode before = wait ? api.client().get(path) : null;
        JsonNode answer = api.client().post(path + "/resume", "{}");
        if (!wait) {
            api.print(
                    out(),
                    answer,
                    a ->
                            out().printf(
                                            "Conversation %s resumed at turn %d (was %s)%n",
                                            id,
                                            a.path("turn").asInt(),
                                            a.path("previous_status").asText()));
            return 0;
        }
        if (rejected(answer, timeout)) {
            return 1;
        }
        JsonNode last =
                new Progress(api.client(), out(), !api.json())
                        .waitForEnd(id, timeout, before.path("updated_at").asText());
        api.print(
                out(),
                last,
                a ->
                        out().printf(
                                        "Conversation %s %s after %d turns%n",
                                        id,
                                        a.path("status").asText(),
                                        a.path("turns_done").asInt()));
        return last.path("status").asText().equals("COMPLETED") ? 0 : 1;
    }

    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            description = "Export a conversation (jsonl, json, csv, parquet, markdown).")
    int export(
            @Parameters(paramLabel = "CONVERSATION_ID") String id,
            @Option(names = "--format", defaultValue = "jsonl") String format,
            @Option(names = "--out", description = "Target file (default: ID.FORMAT)")
                    java.nio.file.Path out) {
        java.nio.file.Path target =
                out != null
                        ? out
                        : java.nio.file.Path.of(
                                id + "." + (format.equals("markdown") ? "md" : format));
        long bytes =
                api.client()
                        .download(
                                "/export/conversations/"
                                        + RestClient.encode(id)
                                        + "?format="
                                        + RestClient.encode(format),
                                target);
        out().printf("Wrote %s (%d bytes)%n", target, bytes);
        return 0;
    }

    /** Polls a conversation until it ends, printing a progress bar. */
    static final class Progress {
        private final RestClient client;
        private final PrintWriter out;
        private final boolean show;

        Progress(RestClient client, PrintWriter out, boolean show) {
            this.client = client;
            this.out = out;
            this.show = show;
        }

        JsonNode waitForEnd(String id, Duration timeout) {
            return waitForEnd(id, timeout, null);
        }

        /**
         * @param staleUpdatedAt updated_at of an ended state to wait past (the FAILED state a
         *     resume starts from)
         */
        JsonNode waitForEnd(String id, Duration timeout, String staleUpdatedAt) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int shown = -1;
            while (true) {
                JsonNode state;
                try {
                    state = client.get("/conversations/" + RestClient.encode(id));
                } catch (RestClient.ApiException e) {
                    if (e.status() != 404) {
                        throw e;
                    }
                    state = JSON.createObjectNode().put("status", "REQUESTED");
                }
                String status = state.path("status").asText();
                int done = state.path("turns_done").asInt();
                int max = Math.max(1, state.path("max_turns").asInt(1));
                if (show && done != shown) {
                    int width = 30;
                    int filled = Math.min(width, done * width / max);
                    out.printf(
                            "\r[%s%s] %d/%d turns %s",
                            "#".repeat(filled), ".".repeat(width - filled), done, max, status);
                    out.flush();
                    shown = done;
                }
                boolean stale =
                        staleUpdatedAt != null
                                && staleUpdatedAt.equals(state.path("updated_at").asText());
                if (!stale
                        && (status.equals("COMPLETED")
                                || status.equals("FAILED")
                                || status.equals("CANCELLED"))) {
                    if (show) {
                        out.println();
                    }
                    return state;
                }
                if (System.nanoTime() > deadline) {
                    throw new RestClient.ApiException(
                            0, "conversation " + id + " did not end within " + timeout);
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RestClient.ApiException(0, "interrupted");
                }
            }
        }
    }
}
