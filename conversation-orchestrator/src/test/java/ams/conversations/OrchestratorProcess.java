package ams.conversations;

import ams.testkit.ChildJvm;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * An orchestrator in a JVM of its own, for tests that kill it with -9: the configuration from a
 * properties file (first argument), the harness's agents and knowledge in-process. Runs until
 * killed.
 */
public final class OrchestratorProcess {

    private OrchestratorProcess() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Properties file = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(args[0]))) {
            file.load(in);
        }
        Map<String, Object> config = new HashMap<>();
        file.forEach((k, v) -> config.put(k.toString(), v));
        ConversationOrchestrator orchestrator = Harness.start(config);
        System.out.println("orchestrator started " + orchestrator.topics().conversationEvents());
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Starts one with {@code config}; its output goes to {@code log}. */
    static Process start(Map<String, Object> config, Path dir) throws IOException {
        Properties props = new Properties();
        config.forEach((k, v) -> props.setProperty(k, String.valueOf(v)));
        Path file = Files.createTempFile(dir, "orchestrator", ".properties");
        try (var out = Files.newBufferedWriter(file)) {
            props.store(out, null);
        }
        return new ProcessBuilder(
                        ChildJvm.command(
                                List.of("-Xmx512m"),
                                OrchestratorProcess.class.getName(),
                                List.of(file.toString())))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("orchestrator-process.log").toFile())
                .start();
    }
}
