package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.AmsClient;
import ams.app.client.RestClient;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The system rebuilt as it was at a time T answers with the state of T, beside the live one. */
@ExtendWith(KafkaClusterExtension.class)
class AsOfSystemIT {

    @Test
    void rebuildsTheSystemAsItWasAtATime(TestKafka kafka) throws Exception {
        String prefix = "asof-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int port = FreePorts.next();
        SystemSettings live =
                new SystemSettings(
                        kafka.bootstrapServers(),
                        prefix,
                        2,
                        Files.createTempDirectory("ams-asof-it"),
                        "127.0.0.1",
                        port,
                        null,
                        "scripted",
                        null,
                        null,
                        null,
                        "",
                        2_000,
                        false);
        Instant between;
        try (AmsSystem system = AmsSystem.start(live);
                AmsClient client =
                        AmsClient.connect(
                                kafka.bootstrapServers(),
                                "http://127.0.0.1:" + port,
                                prefix,
                                null)) {
            system.awaitReady(Duration.ofMinutes(1));
            client.createAgent("early", "Early", TestEvents.minimalConfig("early"));
            client.awaitAgent("early", Duration.ofSeconds(60));
            client.updateAgentConfig("early", "{\"command_flags\":{\"TTS_FLAG\":true}}");
            RestClient liveApi = new RestClient("http://127.0.0.1:" + port, null);
            Wait.until(
                    "'early' at version 2",
                    Duration.ofSeconds(60),
                    () -> liveApi.get("/agents/early").path("version").asLong() == 2);
            between = Instant.now();
            Wait.until(
                    "time passes",
                    Duration.ofSeconds(5),
                    () -> Instant.now().isAfter(between.plusMillis(20)));
            client.createAgent("late", "Late", TestEvents.minimalConfig("late"));
            client.awaitAgent("late", Duration.ofSeconds(60));
        }

        int asOfPort = FreePorts.next();
        try (AmsSystem asOf =
                AsOfSystem.start(
                        live.withHttpPort(asOfPort),
                        between,
                        new PrintWriter(new StringWriter(), true),
                        Duration.ofMinutes(1))) {
            RestClient api = new RestClient("http://127.0.0.1:" + asOfPort, null);
            Wait.until(
                    "'early' rebuilt as of T, both its events folded",
                    Duration.ofSeconds(60),
                    () -> {
                        try {
                            JsonNode early = api.get("/agents/early");
                            return early.path("agent_name").asText().equals("Early")
                                    && early.path("version").asLong() >= 2;
                        } catch (RestClient.ApiException e) {
                            return false;
                        }
                    });
            RestClient.ApiException missing =
                    org.junit.jupiter.api.Assertions.assertThrows(
                            RestClient.ApiException.class, () -> api.get("/agents/late"));
            assertEquals(404, missing.status());
            assertTrue(
                    asOf.topics().agentEvents().name().startsWith(prefix + "asof-"),
                    asOf.topics().agentEvents().name());
            assertEquals(2, api.get("/agents/early").path("version").asLong());
        }

        // The same T again: the copy made the first time is reused, not appended a second time
        // (the processors resume where they stopped and would apply the duplicates).
        StringWriter second = new StringWriter();
        try (AmsSystem asOf =
                AsOfSystem.start(
                        live.withHttpPort(asOfPort),
                        between,
                        new PrintWriter(second, true),
                        Duration.ofMinutes(1))) {
            RestClient api = new RestClient("http://127.0.0.1:" + asOfPort, null);
            assertTrue(second.toString().contains("Reusing the copy"), second.toString());
            assertTrue(asOf.topics().agentEvents().name().startsWith(prefix + "asof-"));
            Wait.until(
                    "'early' served again",
                    Duration.ofSeconds(60),
                    () -> {
                        try {
                            return api.get("/agents/early").path("version").asLong() >= 2;
                        } catch (RestClient.ApiException e) {
                            return false;
                        }
                    });
            assertEquals(2, api.get("/agents/early").path("version").asLong());
        }
    }
}
