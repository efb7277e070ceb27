package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import ams.app.FreePorts;
import ams.app.client.AmsClient;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;

/** The log is the truth: wiping every processor's state and replaying rebuilds identical stores. */
@ExtendWith(KafkaClusterExtension.class)
class ReplayIT {

    @Test
    void replayRebuildsEveryStoreIdentically(TestKafka kafka) throws Exception {
        String prefix = "replay-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int port = FreePorts.next();
        SystemSettings settings = new SystemSettings(kafka.bootstrapServers(), prefix, 2, Files.createTempDirectory("ams-replay-it"),
                "127.0.0.1", port, null, "scripted", null, null, null, "", 2_000, false);
        try (AmsSystem system = AmsSystem.start(settings);
             AmsClient client = AmsClient.connect(kafka.bootstrapServers(), "http://127.0.0.1:" + port, prefix, null)) {
            system.awaitReady(Duration.ofMinutes(1));
            for (String agent : List.of("ada", "bob", "cy")) {
                client.createAgent(agent, agent.toUpperCase(), TestEvents.minimalConfig(agent));
                client.addKnowledge(agent, agent + "-doc", "Notes of " + agent, agent + " likes graphs and proofs.");
            }
            client.updateAgentConfig("ada", "{\"command_flags\":{\"TTS_FLAG\":true}}");
            for (String agent : List.of("ada", "bob", "cy")) {
                client.awaitAgent(agent, Duration.ofSeconds(30));
            }
            String conversation = client.generateConversation(List.of("ada", "bob", "cy"), "proofs", 3);
            assertEquals("COMPLETED", client.awaitConversation(conversation, Duration.ofMinutes(1)).path("status").asText());
        }

        StringWriter output = new StringWriter();
        Replay.Result result = new Replay(settings.withHttpPort(FreePorts.next()), new PrintWriter(output, true)).run(Duration.ofMinutes(3));

        assertTrue(result.identical(), "before " + result.before() + "\nafter " + result.after() + "\n" + output);
        assertEquals(3, result.after().get("agent-processor").get("agents").entries());
        assertEquals(3, result.after().get("knowledge-indexer").get("documents").entries());
        assertEquals(1, result.after().get("conversation-orchestrator").get("conversations").entries());
    }
}
