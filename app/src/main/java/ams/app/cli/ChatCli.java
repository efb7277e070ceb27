package ams.app.cli;

import ams.app.client.RestClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ams chat ...}: a human in a conversation with agents, as in the original's chat modes. */
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        description = "Talk with agents: start a chat, send messages, read the history.")
public final class ChatCli {

    private static final ObjectMapper JSON = new ObjectMapper();

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
                    String author) {
        JsonNode answer =
                api.client()
                        .post(
                                "/conversations/" + RestClient.encode(id) + "/messages",
                                Map.of("author", author, "content", message));
        api.print(out(), answer, a -> out().printf("Sent to %s%n", id));
        return 0;
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
