package ams.app.chaos.badinput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.AmsClient;
import ams.app.system.AmsSystem;
import ams.app.system.TestSystemSettings;
import ams.export.sink.SinkStatus;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #8, bad input at scale, on the whole system in one JVM: bad records on every input topic
 * and malformed REST requests while good events flow. Every bad record must reach dead-letters with
 * a reason, every request must be answered 4xx, and the good events must still be applied. The
 * default build runs 1,000 records per topic and 300 requests ({@code -Dams.badinput.records=10000
 * -Dams.badinput.requests=1000} for the full size); the chaos run uses the full size
 * through the same classes.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputAtScaleIT {

    static final int RECORDS_PER_TOPIC = Integer.getInteger("ams.badinput.records", 1_000);
    static final int REQUESTS = Integer.getInteger("ams.badinput.requests", 300);

    private static final Logger log = LoggerFactory.getLogger(BadInputAtScaleIT.class);

    private TestKafka kafka;
    private AmsSystem system;
    private AmsClient client;
    private String prefix;
    private URI api;

    @BeforeAll
    void start(TestKafka kafka) throws Exception {
        this.kafka = kafka;
        prefix = "bad-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Path dataDir = Files.createTempDirectory("ams-bad-input-it");
        int port = FreePorts.next();
        system =
                AmsSystem.start(
                        TestSystemSettings.scripted(
                                kafka.bootstrapServers(), prefix, dataDir, port));
        system.awaitReady(Duration.ofMinutes(1));
        api = URI.create("http://127.0.0.1:" + port);
        client = AmsClient.connect(kafka.bootstrapServers(), api.toString(), prefix, null);
    }

    @AfterAll
    void stop() {
        if (client != null) {
            client.close();
        }
        if (system != null) {
            system.close();
        }
    }

    @Test
    void badRecordsAreDeadLetteredAndMalformedRequestsAnswered4xxWhileGoodEventsAreApplied()
            throws Exception {
        client.createAgent("owl", "Owl", TestEvents.minimalConfig("owl"));
        client.createAgent("fox", "Fox", TestEvents.minimalConfig("fox"));
        client.awaitAgent("owl", Duration.ofSeconds(60));
        client.awaitAgent("fox", Duration.ofSeconds(60));
        String before = client.generateConversation(List.of("owl", "fox"), "before the flood", 4);

        long seed = System.nanoTime();
        log.info("Bad input seed {}", seed);
        long started = System.nanoTime();
        CompletableFuture<BadRecords.Sent> flood =
                CompletableFuture.supplyAsync(
                        () ->
                                BadRecords.publish(
                                        kafka.bootstrapServers(), prefix, RECORDS_PER_TOPIC, seed));
        MalformedRequests.Outcome outcome = MalformedRequests.send(api, REQUESTS, seed, null);
        BadRecords.Sent sent = flood.join();
        log.info(
                "Published {} in {} ms; {}",
                sent,
                (System.nanoTime() - started) / 1_000_000,
                outcome);

        // Good events after the flood: each input topic must have been read past every bad record.
        client.addKnowledge(
                "owl", "after-flood", "Pellets", "Owls cough up pellets of fur and bone.");
        client.publish(TestEvents.promptSet("fox", "llmBooster", "Be quick."));
        String after = client.generateConversation(List.of("fox", "owl"), "after the flood", 2);

        DeadLetterAudit audit =
                DeadLetterAudit.awaitCovering(
                        kafka.bootstrapServers(), prefix, sent, Duration.ofMinutes(2));
        log.info(
                "Dead letters after {} ms: {}",
                (System.nanoTime() - started) / 1_000_000,
                audit.summary());
        audit.expectAtLeast(sent);
        assertTrue(outcome.allClientErrors(), outcome.toString());
        assertEquals(List.of(), outcome.withoutMessage(), "4xx answers must say what to fix");
        assertEquals(REQUESTS, outcome.perStatusClass().get("4xx"), outcome.toString());

        assertEquals(
                "COMPLETED",
                client.awaitConversation(before, Duration.ofMinutes(1)).path("status").asText());
        assertEquals(
                "COMPLETED",
                client.awaitConversation(after, Duration.ofMinutes(1)).path("status").asText());
        Wait.until(
                "prompt set after the flood applied",
                Duration.ofSeconds(60),
                () ->
                        client.agent("fox")
                                .path("config")
                                .path("prompt_config")
                                .path("agent")
                                .path("llmBooster")
                                .asText()
                                .equals("Be quick."));
        Wait.until(
                "document added after the flood indexed",
                Duration.ofSeconds(60),
                () -> {
                    JsonNode hits =
                            client.searchKnowledge("owl", "what do owls cough up", 1)
                                    .path("results");
                    return hits.size() == 1
                            && hits.get(0).path("document_id").asText().equals("after-flood");
                });
        // Every undecodable conversation record is dead-lettered by each of its four consumers, so
        // the
        // per-application counts show that none of them skipped the flood. The audit above stopped
        // once each
        // record had a letter from any one of them: read again until the slowest has written its
        // letters too.
        String conversationTopic = prefix + "conversation-events";
        DeadLetterAudit byEveryConsumer =
                Wait.untilValue(
                        "dead letters of every conversation-events consumer",
                        Duration.ofMinutes(2),
                        () -> {
                            DeadLetterAudit now =
                                    DeadLetterAudit.read(
                                            kafka.bootstrapServers(),
                                            prefix,
                                            Duration.ofSeconds(60));
                            return now.perSourceTopicAndApplication()
                                                    .getOrDefault(conversationTopic, Map.of())
                                                    .size()
                                            >= 4
                                    ? now
                                    : null;
                        });
        Map<String, Long> conversationLetters =
                byEveryConsumer.perSourceTopicAndApplication().get(conversationTopic);
        assertEquals(4, conversationLetters.size(), byEveryConsumer.summary());
        // The exporter dead-letters what it cannot decode (the rest is the state machine's to
        // reject): all of it, in the end.
        long undecodable =
                sent.records().stream()
                        .filter(r -> r.topic().equals(prefix + "conversation-events"))
                        .filter(
                                r ->
                                        !Set.of("NULL_KEY", "KEY_NOT_ID", "INVALID_CONTENT")
                                                .contains(r.kind()))
                        .count();
        Wait.until(
                "the exporter dead-lettered all "
                        + undecodable
                        + " undecodable conversation records",
                Duration.ofMinutes(2),
                () -> system.exporter().status().deadLettered() >= undecodable);

        for (KafkaStreams streams :
                List.of(
                        system.agents().streams(),
                        system.knowledge().streams(),
                        system.conversations().streams())) {
            assertEquals(KafkaStreams.State.RUNNING, streams.state());
        }
        assertTrue(
                system.knowledge().worker().isRunning(),
                "embedding worker: " + system.knowledge().worker().failure());
        assertNull(system.knowledge().worker().failure());
        assertEquals(
                SinkStatus.State.RUNNING,
                system.exporter().status().state(),
                system.exporter().status().toString());
    }
}
