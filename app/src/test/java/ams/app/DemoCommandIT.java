package ams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import picocli.CommandLine;

@ExtendWith(KafkaClusterExtension.class)
class DemoCommandIT {

    @Test
    void demoPublishesTheWizardAndReadsItBackEqual(TestKafka kafka) {
        StringWriter output = new StringWriter();
        CommandLine cli = Ams.commandLine();
        cli.setOut(new PrintWriter(output, true));
        int exit = cli.execute("demo", "--bootstrap", kafka.bootstrapServers(), "--topic-prefix", "demo-" + UUID.randomUUID() + ".");
        assertEquals(0, exit, output.toString());
        assertTrue(output.toString().contains("agent 'Wizard' (wizard_agent_001), config equal to the template: true"), output.toString());
    }

    @Test
    void unknownOptionIsAUsageErrorWithExitCode2() {
        CommandLine cli = Ams.commandLine();
        cli.setErr(new PrintWriter(new StringWriter(), true));
        assertEquals(2, cli.execute("demo", "--no-such-option"));
    }
}
