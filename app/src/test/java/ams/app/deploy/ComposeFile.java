package ams.app.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The repository's {@code docker-compose.yml}, read with Jackson YAML: what {@link ComposeFileTest}
 * checks and what {@link SeparateProcessesIT} starts, so the two cannot drift apart.
 */
final class ComposeFile {

    /** The processor services and the main class each one runs. */
    static final Map<String, String> PROCESSORS =
            Map.of(
                    "agent-processor", "ams.agents.AgentProcessorMain",
                    "knowledge-indexer", "ams.knowledge.KnowledgeIndexerMain",
                    "conversation-orchestrator", "ams.conversations.ConversationOrchestratorMain",
                    "exporter", "ams.export.ExporterMain");

    static final String IMAGE = "amsdb/ams:0.1.0";
    static final String CLASSPATH_FILE = "@/app/jib-classpath-file";

    /** Compose interpolation {@code ${NAME}}, {@code ${NAME:-default}}, {@code ${NAME-default}}. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::?-([^}]*))?}");

    private final Path path;
    private final JsonNode root;

    private ComposeFile(Path path, JsonNode root) {
        this.path = path;
        this.root = root;
    }

    /**
     * Finds docker-compose.yml in the working directory or the nearest parent (the app module runs
     * one below the root).
     */
    static ComposeFile load() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("docker-compose.yml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "No docker-compose.yml above " + Path.of("").toAbsolutePath());
        }
        Path file = dir.resolve("docker-compose.yml");
        try {
            return new ComposeFile(file, new YAMLMapper().readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot parse " + file, e);
        }
    }

    Path path() {
        return path;
    }

    Path repositoryRoot() {
        return path.getParent();
    }

    JsonNode root() {
        return root;
    }

    JsonNode services() {
        return root.path("services");
    }

    JsonNode service(String name) {
        JsonNode service = services().path(name);
        if (!service.isObject()) {
            throw new IllegalArgumentException("docker-compose.yml has no service '" + name + "'");
        }
        return service;
    }

    /**
     * The service's environment map, with compose's {@code ${VAR:-default}} resolved to the default
     * (an empty shell).
     */
    Map<String, String> environment(String service) {
        JsonNode environment = service(service).path("environment");
        if (!environment.isObject()) {
            throw new IllegalArgumentException(service + ": 'environment' must be a map");
        }
        Map<String, String> env = new LinkedHashMap<>();
        environment.properties().forEach(e -> env.put(e.getKey(), resolve(e.getValue().asText())));
        return env;
    }

    static String resolve(String value) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(
                    out, Matcher.quoteReplacement(m.group(2) == null ? "" : m.group(2)));
        }
        m.appendTail(out);
        return out.toString();
    }

    static List<String> strings(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> values.add(n.asText()));
        } else if (node.isTextual()) {
            values.addAll(List.of(node.asText().trim().split("\\s+")));
        }
        return values;
    }

    List<String> entrypoint(String service) {
        return strings(service(service).path("entrypoint"));
    }

    List<String> command(String service) {
        return strings(service(service).path("command"));
    }

    /**
     * The main class a processor service runs: the last word of {@code java
     * -cp @/app/jib-classpath-file <main>}.
     */
    String mainClass(String service) {
        List<String> entrypoint = entrypoint(service);
        return entrypoint.isEmpty() ? null : entrypoint.get(entrypoint.size() - 1);
    }
}
