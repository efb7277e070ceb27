package ams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * The main job from a clean state: agents imported, conversations generated and exported as
 * datasets.
 */
@ExtendWith(KafkaClusterExtension.class)
class DemoCommandIT {

    @Test
    void demoGeneratesConversationsAndExportsThemFromACleanState(TestKafka kafka) throws Exception {
        Path dataDir = Files.createTempDirectory("ams-demo-it");
        StringWriter output = new StringWriter();
        CommandLine cli = Ams.commandLine();
        cli.setOut(new PrintWriter(output, true));
        int exit =
                cli.execute(
                        "demo",
                        "--bootstrap",
                        kafka.bootstrapServers(),
                        "--topic-prefix",
                        "demo-" + UUID.randomUUID() + ".",
                        "--data-dir",
                        dataDir.toString(),
                        "--http-port",
                        String.valueOf(FreePorts.next()),
                        "--timeout",
                        "PT3M");
        String text = output.toString();
        assertEquals(0, exit, text);
        assertTrue(text.contains("Agent wizard_agent_001 imported"), text);
        assertEquals(3, text.split("COMPLETED", -1).length - 1, text);
        assertTrue(
                text.contains("'scripted' responder"), "scripted output must be labelled: " + text);

        Path datasets = dataDir.resolve("datasets");
        try (Stream<Path> files = Files.walk(datasets)) {
            assertTrue(
                    files.noneMatch(p -> p.toString().endsWith(".inprogress")),
                    "temp files left behind");
        }
        // An independent reader: DuckDB reads what the exporter wrote.
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
                ResultSet rows =
                        duck.createStatement()
                                .executeQuery(
                                        "SELECT count(*), count(DISTINCT conversation_id) FROM read_json_auto('"
                                                + datasets
                                                + "/jsonl/chat/*.jsonl')")) {
            rows.next();
            assertEquals(3, rows.getLong(1));
            assertEquals(3, rows.getLong(2));
        }
    }

    @Test
    void unknownOptionIsAUsageErrorWithExitCode2() {
        CommandLine cli = Ams.commandLine();
        cli.setErr(new PrintWriter(new StringWriter(), true));
        assertEquals(2, cli.execute("demo", "--no-such-option"));
    }
}
