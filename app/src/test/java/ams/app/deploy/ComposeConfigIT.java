package ams.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml as Docker Compose v2 itself reads it ({@code compose config}: parse, validate
 * against the Compose Specification, interpolate), no engine needed. The services, their images,
 * entrypoints and environment must be what {@link ComposeFile} (and so every other deployment test)
 * reads. The command comes from {@code AMS_COMPOSE} ({@code .ci/run} sets it from {@code
 * deploy/compose-cli.sh}); without it the test runs only when {@code docker compose} works here.
 */
class ComposeConfigIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ComposeFile compose = ComposeFile.load();

    @Test
    void shouldBeValidForDockerComposeAndAgreeWithWhatTheTestsRead() throws Exception {
        List<String> command = composeCommand();
        command.addAll(List.of("-f", compose.path().toString(), "config", "--format", "json"));
        Result result = run(command);
        assertEquals(0, result.exit, "compose config rejected docker-compose.yml:\n" + result.err);
        JsonNode resolved = JSON.readTree(result.out).path("services");

        assertEquals(names(compose.services()), names(resolved), "services");
        for (String service : ComposeFile.PROCESSORS.keySet()) {
            JsonNode s = resolved.path(service);
            assertEquals(ComposeFile.IMAGE, s.path("image").asText(), service + " image");
            assertEquals(
                    compose.entrypoint(service),
                    ComposeFile.strings(s.path("entrypoint")),
                    service + " entrypoint");
            Map<String, String> environment = new LinkedHashMap<>();
            s.path("environment")
                    .properties()
                    .forEach(e -> environment.put(e.getKey(), e.getValue().asText()));
            assertEquals(
                    compose.environment(service),
                    environment,
                    service
                            + ": the environment Compose resolves differs from ComposeFile's reading");
            assertTrue(
                    s.path("depends_on").has("topics"), service + " must wait for the topics job");
        }
        assertEquals(
                compose.command("topics"),
                ComposeFile.strings(resolved.path("topics").path("command")),
                "topics command");
    }

    /**
     * AMS_COMPOSE (a command line, e.g. "docker compose" or a plugin binary), else `docker compose`
     * if it answers.
     */
    private static List<String> composeCommand() throws InterruptedException {
        String configured = System.getenv("AMS_COMPOSE");
        if (configured != null && !configured.isBlank()) {
            return new ArrayList<>(List.of(configured.trim().split("\\s+")));
        }
        List<String> docker = new ArrayList<>(List.of("docker", "compose"));
        boolean available;
        try {
            available = run(List.of("docker", "compose", "version")).exit == 0;
        } catch (IOException e) {
            available = false;
        }
        assumeTrue(
                available,
                "no Docker Compose v2 here: set AMS_COMPOSE=\"$(deploy/compose-cli.sh)\"");
        return docker;
    }

    private static TreeSet<String> names(JsonNode services) {
        TreeSet<String> names = new TreeSet<>();
        services.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private record Result(int exit, String out, String err) {}

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        // Small outputs: read both streams after exit is safe below the pipe buffer; read out first
        // anyway.
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("compose did not finish in 60 s: " + command);
        }
        return new Result(process.exitValue(), out, err);
    }
}
