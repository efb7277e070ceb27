package ams.app.cli;

import ams.agents.AgentExport;
import ams.app.client.RestClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ams agent ...}: the original's agent commands against a running system. */
@Command(
        name = "agent",
        mixinStandardHelpOptions = true,
        description = "Create, inspect and change agents.")
public final class AgentCli {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Mixin ApiOptions api;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create an agent from a config document (the original's agent JSON).")
    int create(
            @Option(names = "--id", description = "Agent id (default: generated)") String id,
            @Option(names = "--name", description = "Display name (default: the id)") String name,
            @Option(names = "--description", defaultValue = "") String description,
            @Option(names = "--tag", description = "A tag; repeat for several") List<String> tags,
            @Option(
                            names = "--config",
                            description =
                                    "Config JSON file (default: the original's default config"
                                            + " skeleton)")
                    Path config,
            @Mixin WaitOption wait)
            throws IOException {
        ObjectNode body = JSON.createObjectNode();
        if (id != null) {
            body.put("agent_id", id);
        }
        if (name != null) {
            body.put("agent_name", name);
        }
        body.put("description", description);
        body.set("tags", JSON.valueToTree(tags == null ? List.of() : tags));
        if (config != null) {
            body.set("config", JSON.readTree(Files.readString(config)));
        }
        JsonNode answer = api.client().post("/agents", body);
        return wait.printAndSettle(
                api,
                out(),
                answer,
                a ->
                        out().printf(
                                        "Agent %s created%s (event %s)%n",
                                        a.path("agent_id").asText(),
                                        a.path("agent_id_generated").asBoolean()
                                                ? " with a generated id"
                                                : "",
                                        a.path("event_id").asText()));
    }

    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description =
                    "Import agent files: an export of ams agent export (the agent with its config;"
                            + " knowledge references are listed), or an original AMS-DB agent JSON"
                            + " imported unchanged.")
    int importFiles(@Parameters(paramLabel = "FILE", arity = "1..*") List<Path> files)
            throws IOException {
        for (Path file : files) {
            JsonNode document = JSON.readTree(Files.readString(file));
            if (AgentExport.FORMAT.equals(document.path("format").asText())) {
                JsonNode answer = api.client().post("/agents/import", document);
                api.print(
                        out(),
                        answer,
                        a -> {
                            out().printf(
                                            "Imported %s from %s (events %s)%n",
                                            a.path("agent_id").asText(), file, a.path("event_ids"));
                            JsonNode knowledge = document.path("knowledge");
                            if (!knowledge.isEmpty()) {
                                out().printf(
                                                "It referenced %d knowledge document(s), not"
                                                        + " imported (add them again with ams"
                                                        + " knowledge add):%n",
                                                knowledge.size());
                                knowledge.forEach(
                                        d ->
                                                out().printf(
                                                                "  %s  %s%n",
                                                                d.path("document_id").asText(),
                                                                d.path("title").asText()));
                            }
                        });
                continue;
            }
            String id = document.path("agent_id").asText("");
            if (id.isEmpty()) {
                throw new IllegalArgumentException(
                        file
                                + " has no agent_id: is it an AMS-DB agent config or an agent"
                                + " export?");
            }
            ObjectNode body = JSON.createObjectNode();
            body.put("agent_id", id);
            body.put("agent_name", id);
            body.put("description", "Imported from " + file.getFileName());
            body.set("tags", JSON.valueToTree(List.of("imported")));
            body.set("config", document);
            JsonNode answer = api.client().post("/agents", body);
            api.print(out(), answer, a -> out().printf("Imported %s from %s%n", id, file));
        }
        return 0;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List agents.")
    int list(
            @Option(names = "--tag") String tag,
            @Option(names = "--active") Boolean active,
            @Option(names = "--limit", defaultValue = "100") int limit,
            @Option(names = "--offset", defaultValue = "0") int offset) {
        StringBuilder path = new StringBuilder("/agents?limit=" + limit + "&offset=" + offset);
        if (tag != null) {
            path.append("&tag=").append(RestClient.encode(tag));
        }
        if (active != null) {
            path.append("&active=").append(active);
        }
        JsonNode answer = api.client().get(path.toString());
        api.print(
                out(),
                answer,
                a -> {
                    out().printf("%-28s %-24s %-7s %s%n", "AGENT_ID", "NAME", "ACTIVE", "TAGS");
                    for (JsonNode agent : a.path("agents")) {
                        out().printf(
                                        "%-28s %-24s %-7s %s%n",
                                        agent.path("agent_id").asText(),
                                        agent.path("agent_name").asText(),
                                        agent.path("is_active").asBoolean(),
                                        agent.path("tags"));
                    }
                    out().printf("%d of %d%n", a.path("agents").size(), a.path("total").asLong());
                });
        return 0;
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Show one agent with its config.")
    int show(@Parameters(paramLabel = "AGENT_ID") String id) {
        JsonNode answer = api.client().get("/agents/" + RestClient.encode(id));
        api.print(out(), answer, a -> out().println(a.toPrettyString()));
        return 0;
    }

    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            description =
                    "Write an agent as one portable JSON file (row, config with prompts, flags"
                            + " and models, knowledge references) that ams agent import reads.")
    int export(
            @Parameters(paramLabel = "AGENT_ID") String id,
            @Option(names = "--out", description = "File (default: stdout)") Path file,
            @Option(
                            names = "--config-only",
                            description =
                                    "Write only the config document (the original's agent JSON)")
                    boolean configOnly)
            throws IOException {
        String text =
                configOnly
                        ? api.client()
                                .get("/agents/" + RestClient.encode(id))
                                .path("config")
                                .toPrettyString()
                        : api.client()
                                .get("/agents/" + RestClient.encode(id) + "/export")
                                .toPrettyString();
        if (file == null) {
            out().println(text);
        } else {
            Files.writeString(file, text + "\n");
            out().printf("Wrote %s%n", file);
        }
        return 0;
    }

    @Command(
            name = "update",
            mixinStandardHelpOptions = true,
            description = "Deep-merge a JSON Merge Patch (RFC 7396) into the config.")
    int update(
            @Parameters(paramLabel = "AGENT_ID") String id,
            @Option(
                            names = "--patch",
                            required = true,
                            description = "The patch as JSON text, or @file")
                    String patch,
            @Mixin WaitOption wait)
            throws IOException {
        String text = patch.startsWith("@") ? Files.readString(Path.of(patch.substring(1))) : patch;
        JsonNode answer =
                api.client().patch("/agents/" + RestClient.encode(id), JSON.readTree(text));
        return wait.printAndSettle(
                api,
                out(),
                answer,
                a ->
                        out().printf(
                                        "Config change for %s published (event %s)%n",
                                        id, a.path("event_id").asText()));
    }

    @Command(
            name = "set-prompt",
            mixinStandardHelpOptions = true,
            description =
                    "Set llmSystem, llmBooster, visionSystem, visionBooster, primeDirective or userInput.")
    int setPrompt(
            @Parameters(index = "0", paramLabel = "AGENT_ID") String id,
            @Parameters(index = "1", paramLabel = "TYPE") String type,
            @Parameters(index = "2", paramLabel = "TEXT") String text,
            @Mixin WaitOption wait) {
        JsonNode answer =
                api.client()
                        .put(
                                "/agents/"
                                        + RestClient.encode(id)
                                        + "/prompts/"
                                        + RestClient.encode(type),
                                Map.of("text", text));
        return wait.printAndSettle(
                api, out(), answer, a -> out().printf("Prompt %s of %s set%n", type, id));
    }

    @Command(
            name = "set-flag",
            mixinStandardHelpOptions = true,
            description = "Set a command flag (e.g. TTS_FLAG) to true or false.")
    int setFlag(
            @Parameters(index = "0", paramLabel = "AGENT_ID") String id,
            @Parameters(index = "1", paramLabel = "FLAG") String flag,
            @Parameters(index = "2", paramLabel = "true|false") boolean value,
            @Mixin WaitOption wait) {
        JsonNode answer =
                api.client()
                        .put(
                                "/agents/"
                                        + RestClient.encode(id)
                                        + "/flags/"
                                        + RestClient.encode(flag),
                                Map.of("value", value));
        return wait.printAndSettle(
                api,
                out(),
                answer,
                a -> out().printf("Flag %s of %s set to %s%n", flag, id, value));
    }

    @Command(
            name = "deactivate",
            mixinStandardHelpOptions = true,
            description = "Deactivate an agent.")
    int deactivate(
            @Parameters(paramLabel = "AGENT_ID") String id,
            @Option(names = "--reason") String reason,
            @Mixin WaitOption wait) {
        JsonNode answer =
                api.client()
                        .post(
                                "/agents/" + RestClient.encode(id) + "/deactivate",
                                reason == null ? "{}" : Map.of("reason", reason));
        return wait.printAndSettle(
                api, out(), answer, a -> out().printf("Agent %s deactivated%n", id));
    }

    @Command(
            name = "reactivate",
            mixinStandardHelpOptions = true,
            description = "Reactivate an agent.")
    int reactivate(@Parameters(paramLabel = "AGENT_ID") String id, @Mixin WaitOption wait) {
        JsonNode answer =
                api.client().post("/agents/" + RestClient.encode(id) + "/reactivate", "{}");
        return wait.printAndSettle(
                api, out(), answer, a -> out().printf("Agent %s reactivated%n", id));
    }

    @Command(
            name = "history",
            mixinStandardHelpOptions = true,
            description = "The events that changed an agent, or its config as of a time.")
    int history(
            @Parameters(paramLabel = "AGENT_ID") String id,
            @Option(names = "--as-of", description = "ISO-8601 time") String asOf) {
        String path =
                asOf == null
                        ? "/agents/" + RestClient.encode(id) + "/history"
                        : "/agents/"
                                + RestClient.encode(id)
                                + "/config?asOf="
                                + RestClient.encode(asOf);
        JsonNode answer = api.client().get(path);
        api.print(
                out(),
                answer,
                a -> {
                    if (asOf != null) {
                        out().println(a.toPrettyString());
                        return;
                    }
                    for (JsonNode event : a.path("events")) {
                        out().printf(
                                        "%s  %-22s %s%n",
                                        event.path("occurred_at").asText(),
                                        event.path("type").asText(),
                                        event.path("event_id").asText());
                    }
                });
        return 0;
    }
}
