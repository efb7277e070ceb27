package ams.app.cli;

import ams.app.cli.chat.ChatSession;
import ams.app.cli.chat.ChatStream;
import ams.app.client.ConversationStream;
import ams.app.client.RestClient;
import ams.app.client.RestClient.ApiException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ams chat ...}: a human in a conversation with agents, as in the original's chat modes.
 * Without a subcommand it is an interactive terminal session ({@link ChatSession}); the subcommands
 * are the same steps one at a time, for scripts.
 */
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        description = {
            "Talk with agents in your terminal: each agent's reply appears as it is generated, the"
                    + " agents wait for you when it is your turn. Commands inside the chat: /agents,"
                    + " /history, /cancel, /help, /quit.",
            "  ams chat --agents owl,wizard_agent_001 --topic 'Night flights'",
            "  ams chat --join CONVERSATION_ID",
            "The subcommands do one step at a time, for scripts."
        })
public final class ChatCli implements Callable<Integer> {

    @Option(
            names = "--agents",
            split = ",",
            description = "Agents to talk with (starts a new chat).")
    List<String> chatAgents;

    @Option(names = "--topic", description = "What the new chat is about.")
    String chatTopic;

    @Option(
            names = "--join",
            paramLabel = "CONVERSATION_ID",
            description = "Rejoin a chat (after /quit or a restart of the system).")
    String join;

    @Option(
            names = "--as",
            defaultValue = "${sys:user.name}",
            description = "Your name in the chat. Default: ${DEFAULT-VALUE}")
    String me;

    @Option(
            names = "--turns",
            defaultValue = "40",
            description = "Turns of a new chat, yours included. Default: ${DEFAULT-VALUE}")
    int chatTurns;

    @Option(
            names = "--until",
            description = "When a new chat ends before --turns, e.g. 'stop_phrase(\"bye\")'.")
    String chatUntil;

    @Option(
            names = "--human-timeout-ms",
            defaultValue = "900000",
            description =
                    "How long the agents wait for you at your turn. Default: ${DEFAULT-VALUE} (15"
                            + " minutes)")
    long humanTimeoutMs;

    @Option(
            names = "--on-human-timeout",
            defaultValue = "end",
            description =
                    "end (the chat ends) or skip (the next speaker goes on): what your unanswered"
                            + " turn does. Default: ${DEFAULT-VALUE}")
    String onHumanTimeout;

    @Override
    public Integer call() throws Exception {
        if ((join == null) == (chatAgents == null || chatAgents.isEmpty())) {
            throw new ParameterException(
                    spec.commandLine(),
                    "Give --agents and --topic to start a chat, or --join CONVERSATION_ID to rejoin"
                            + " one (ams chat --help).");
        }
        RestClient client = api.client();
        String conversationId = join;
        if (conversationId == null) {
            if (chatTopic == null || chatTopic.isBlank()) {
                throw new ParameterException(
                        spec.commandLine(), "A new chat needs --topic (what it is about).");
            }
            ObjectNode body = JSON.createObjectNode();
            body.set("agents", JSON.valueToTree(chatAgents));
            body.put("topic", chatTopic);
            body.put("num_turns", chatTurns);
            body.set("human_participants", JSON.createArrayNode().add(me));
            ObjectNode humanTurns = body.putObject("human_turns");
            humanTurns.put("timeout_ms", humanTimeoutMs);
            humanTurns.put("on_timeout", onHumanTimeout);
            if (chatUntil != null) {
                body.put("termination", chatUntil);
            }
            conversationId =
                    client.post("/conversations/generate", body).path("conversation_id").asText();
            awaitStarted(client, conversationId);
        }
        return new ChatSession(
                        client,
                        streamOf(client),
                        new BufferedReader(
                                new InputStreamReader(System.in, StandardCharsets.UTF_8)),
                        out(),
                        conversationId,
                        me)
                .run();
    }

    /**
     * The start of a conversation is accepted (202) before its state machine has stored it, so the
     * first reads may not find it yet: waits until they do, up to {@link #START_WAIT_MS}, so the
     * session opens on the new chat instead of answering that it does not exist.
     */
    private static void awaitStarted(RestClient client, String conversationId)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + START_WAIT_MS;
        long pause = 20;
        while (true) {
            try {
                client.get("/conversations/" + conversationId);
                return;
            } catch (ApiException e) {
                if (e.status() != 404 || System.currentTimeMillis() > deadline) {
                    return; // the session reports it
                }
            }
            Thread.sleep(pause);
            pause = Math.min(500, pause * 2);
        }
    }

    /**
     * The conversation's Server-Sent Events through the client's {@link ConversationStream}, as a
     * blocking follow: returns when the conversation ended, throws when the stream broke.
     */
    static ChatStream streamOf(RestClient client) {
        return (conversationId, afterIndex, onEvent) -> {
            CompletableFuture<Throwable> closed = new CompletableFuture<>();
            ConversationStream stream =
                    client.streamConversation(
                            conversationId,
                            afterIndex,
                            new ConversationStream.Listener() {
                                @Override
                                public void onEvent(ConversationStream.Event event) {
                                    onEvent.accept(event);
                                }

                                @Override
                                public void onClosed(Throwable error) {
                                    closed.complete(error);
                                }
                            });
            Throwable error;
            try {
                error = closed.get();
            } finally {
                stream.close();
            }
            if (error instanceof Exception e) {
                throw e;
            }
            if (error != null) {
                throw new IllegalStateException(error);
            }
        };
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How long a new chat waits for its conversation to be readable. */
    private static final long START_WAIT_MS = 30_000;

    @Spec CommandSpec spec;

    @Mixin ApiOptions api;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Command(
            name = "start",
            mixinStandardHelpOptions = true,
            description = "Start a chat with one or more agents.")
    int start(
            @Option(names = "--agents", required = true, split = ",") List<String> agents,
            @Option(names = "--topic", required = true) String topic,
            @Option(names = "--turns", defaultValue = "20") int turns,
            @Option(
                            names = "--until",
                            description =
                                    "When to end before --turns, e.g. 'stop_phrase(\"bye\") |"
                                            + " token_budget(5000)' (see ams conversation generate)")
                    String until,
            @Option(
                            names = "--as",
                            description =
                                    "Your name in the chat (human_participants); without"
                                            + " --human-turns you may interject but take no turn")
                    String person,
            @Option(
                            names = "--human-turns",
                            description =
                                    "You take turns too (first, then the agents); the chat waits"
                                            + " for your message (ams chat send) at your turns")
                    boolean humanTurns,
            @Option(
                            names = "--human-timeout-ms",
                            description =
                                    "How long your turn waits (default 900000, with"
                                            + " --human-turns)")
                    Long humanTimeoutMs,
            @Option(
                            names = "--on-human-timeout",
                            description = "skip or end (default end): what an unanswered turn does")
                    String onHumanTimeout) {
        ObjectNode body = JSON.createObjectNode();
        body.set("agents", JSON.valueToTree(agents));
        body.put("topic", topic);
        body.put("num_turns", turns);
        if (until != null) {
            body.put("termination", until);
        }
        String name = person == null && humanTurns ? System.getProperty("user.name") : person;
        if (name != null) {
            body.set("human_participants", JSON.valueToTree(List.of(name)));
        }
        if (humanTurns) {
            ObjectNode settings = body.putObject("human_turns");
            if (humanTimeoutMs != null) {
                settings.put("timeout_ms", humanTimeoutMs);
            }
            if (onHumanTimeout != null) {
                settings.put("on_timeout", onHumanTimeout);
            }
        } else if (humanTimeoutMs != null || onHumanTimeout != null) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    "--human-timeout-ms and --on-human-timeout need --human-turns");
        }
        JsonNode answer = api.client().post("/conversations/generate", body);
        api.print(
                out(),
                answer,
                a -> {
                    String id = a.path("conversation_id").asText();
                    out().printf("Chat %s started%n", id);
                    if (humanTurns) {
                        out().printf(
                                        "It waits for %s at each of their turns: ams chat send %s"
                                                + " MESSAGE --as %s%n",
                                        name, id, name);
                    }
                });
        return 0;
    }

    @Command(
            name = "send",
            mixinStandardHelpOptions = true,
            description = "Send a message into a chat as a human.")
    int send(
            @Parameters(index = "0", paramLabel = "CONVERSATION_ID") String id,
            @Parameters(index = "1", paramLabel = "MESSAGE") String message,
            @Option(
                            names = "--as",
                            defaultValue = "${sys:user.name}",
                            description = "Your name. Default: ${DEFAULT-VALUE}")
                    String author,
            @Option(
                            names = "--image",
                            paramLabel = "FILE",
                            description =
                                    "An image to send with the message (repeatable); uploaded"
                                            + " to the media store first")
                    List<Path> images,
            @Option(
                            names = "--audio",
                            paramLabel = "FILE",
                            description =
                                    "A recording to send with the message (repeatable; wav, mp3,"
                                            + " ogg, webm); uploaded to the media store first and"
                                            + " transcribed for an agent with STT_FLAG")
                    List<Path> recordings,
            @Mixin WaitOption wait) {
        List<String> media = new ArrayList<>();
        for (Path image : images == null ? List.<Path>of() : images) {
            media.add(MediaCli.upload(api.client(), image).path("sha256").asText());
        }
        for (Path recording : recordings == null ? List.<Path>of() : recordings) {
            media.add(MediaCli.upload(api.client(), recording).path("sha256").asText());
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("author", author);
        body.put("content", message);
        if (!media.isEmpty()) {
            body.set("media", JSON.valueToTree(media));
        }
        JsonNode answer =
                api.client().post("/conversations/" + RestClient.encode(id) + "/messages", body);
        return wait.printAndSettle(api, out(), answer, a -> out().printf("Sent to %s%n", id));
    }

    @Command(
            name = "history",
            mixinStandardHelpOptions = true,
            description = "Print a chat's messages.")
    int history(@Parameters(paramLabel = "CONVERSATION_ID") String id) {
        JsonNode answer = api.client().get("/conversations/" + RestClient.encode(id) + "/messages");
        api.print(
                out(),
                answer,
                a ->
                        a.path("messages")
                                .forEach(
                                        m ->
                                                out().printf(
                                                                "%s (%s): %s%n",
                                                                m.path("agent_id").asText(),
                                                                m.path("role").asText(),
                                                                m.path("content").asText())));
        return 0;
    }
}
