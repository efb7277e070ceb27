package ams.app.cli;

import ams.app.client.RestClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
                    String until) {
        ObjectNode body = JSON.createObjectNode();
        body.set("agents", JSON.valueToTree(agents));
        body.put("topic", topic);
        body.put("num_turns", turns);
        if (until != null) {
            body.put("termination", until);
        }
        JsonNode answer = api.client().post("/conversations/generate", body);
        api.print(
                out(),
                answer,
                a -> out().printf("Chat %s started%n", a.path("conversation_id").asText()));
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
                    List<Path> images) {
        List<String> media = new ArrayList<>();
        for (Path image : images == null ? List.<Path>of() : images) {
            media.add(MediaCli.upload(api.client(), image).path("sha256").asText());
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("author", author);
        body.put("content", message);
        if (!media.isEmpty()) {
            body.set("media", JSON.valueToTree(media));
        }
        JsonNode answer =
                api.client().post("/conversations/" + RestClient.encode(id) + "/messages", body);
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
