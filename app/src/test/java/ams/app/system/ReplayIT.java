package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.AmsClient;
import ams.events.DeadLetter;
import ams.events.agent.AgentEvent;
import ams.events.topics.TopicCatalogue;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The log is the truth: wiping every processor's state and replaying rebuilds identical stores. */
@ExtendWith(KafkaClusterExtension.class)
class ReplayIT {

    @Test
    void replayRebuildsEveryStoreIdentically(TestKafka kafka) throws Exception {
        String prefix = "replay-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int port = FreePorts.next();
        SystemSettings settings =
                new SystemSettings(
                        kafka.bootstrapServers(),
                        prefix,
                        2,
                        Files.createTempDirectory("ams-replay-it"),
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
        try (AmsSystem system = AmsSystem.start(settings);
                AmsClient client =
                        AmsClient.connect(
                                kafka.bootstrapServers(),
                                "http://127.0.0.1:" + port,
                                prefix,
                                null)) {
            system.awaitReady(Duration.ofMinutes(1));
            for (String agent : List.of("ada", "bob", "cy")) {
                client.createAgent(agent, agent.toUpperCase(), TestEvents.minimalConfig(agent));
                client.addKnowledge(
                        agent,
                        agent + "-doc",
                        "Notes of " + agent,
                        agent + " likes graphs and proofs.");
            }
            client.updateAgentConfig("ada", "{\"command_flags\":{\"TTS_FLAG\":true}}");
            for (String agent : List.of("ada", "bob", "cy")) {
                client.awaitAgent(agent, Duration.ofSeconds(60));
            }
            String conversation =
                    client.generateConversation(List.of("ada", "bob", "cy"), "proofs", 3);
            assertEquals(
                    "COMPLETED",
                    client.awaitConversation(conversation, Duration.ofMinutes(1))
                            .path("status")
                            .asText());

            // Bad input the processors dead-letter once when it arrives, and never again on a
            // replay.
            TopicCatalogue catalogue = new TopicCatalogue(prefix, 2, (short) 1);
            kafka.sendRaw(
                    catalogue.agentEvents().name(),
                    "ada".getBytes(StandardCharsets.UTF_8),
                    new byte[] {1, 2, 3});
            kafka.sendRaw(
                    catalogue.conversationEvents().name(),
                    "c-x".getBytes(StandardCharsets.UTF_8),
                    new byte[] {4, 5, 6});
            kafka.send(
                    catalogue.agentEvents(),
                    "nobody",
                    TestEvents.promptSet("nobody", "llmSystem", "no such agent"));
            // A valid change in a transaction that aborts (a writer killed mid-transaction): the
            // live processors read committed records only, and so must a replay.
            Properties transactional = kafka.producerProperties();
            transactional.put(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                    prefix + "aborted-" + UUID.randomUUID());
            try (KafkaProducer<String, AgentEvent> aborted =
                    new KafkaProducer<>(
                            transactional,
                            catalogue.agentEvents().keySerde().serializer(),
                            catalogue.agentEvents().valueSerde().serializer())) {
                aborted.initTransactions();
                aborted.beginTransaction();
                aborted.send(
                                new ProducerRecord<>(
                                        catalogue.agentEvents().name(),
                                        "ada",
                                        TestEvents.promptSet(
                                                "ada", "llmSystem", "never committed")))
                        .get();
                aborted.abortTransaction();
            }
            // agent-events garbage: agent-processor + knowledge-indexer; conversation-events
            // garbage: those two
            // and the orchestrator; the prompt of an unknown agent: agent-processor.
            Wait.until(
                    "the bad input is dead-lettered",
                    Duration.ofMinutes(1),
                    () -> deadLetters(kafka, catalogue) >= 6);
        }
        TopicCatalogue catalogue = new TopicCatalogue(prefix, 2, (short) 1);
        long deadLettersBefore = deadLetters(kafka, catalogue);
        Map<TopicPartition, Long> logBefore = ends(kafka, catalogue);

        StringWriter output = new StringWriter();
        Replay.Result result =
                new Replay(settings.withHttpPort(FreePorts.next()), new PrintWriter(output, true))
                        .run(Duration.ofMinutes(3));

        assertTrue(
                result.identical(),
                "before " + result.before() + "\nafter " + result.after() + "\n" + output);
        assertEquals(3, result.after().get("agent-processor").get("agents").entries());
        assertEquals(3, result.after().get("knowledge-indexer").get("documents").entries());
        assertEquals(
                1, result.after().get("conversation-orchestrator").get("conversations").entries());
        assertEquals(
                deadLettersBefore,
                deadLetters(kafka, catalogue),
                "a replay appends no dead letters");
        assertFalse(Files.exists(ReplayMarker.path(settings)), "a finished replay leaves no mark");
        assertEquals(logBefore, ends(kafka, catalogue), "a replay appends no event to the log");

        // A replay cut off mid-rebuild (at_least_once) leaves its mark: the system refuses to
        // serve its stores, and the next replay rebuilds from scratch without comparing.
        ReplayMarker.mark(settings);
        IllegalStateException refused =
                assertThrows(IllegalStateException.class, () -> AmsSystem.start(settings));
        assertTrue(refused.getMessage().contains("ams replay"), refused.getMessage());
        StringWriter progress = new StringWriter();
        Replay.Result again =
                new Replay(
                                settings.withHttpPort(FreePorts.next()),
                                new PrintWriter(progress, true),
                                Duration.ZERO)
                        .run(Duration.ofMinutes(3));
        // Digested only once caught up; until then, where each processor stands.
        assertTrue(
                progress.toString().contains("Catching up: agent-processor "), progress.toString());
        assertFalse(again.compared());
        assertEquals(result.after(), again.after(), "the same stores, rebuilt from scratch");
        assertFalse(Files.exists(ReplayMarker.path(settings)));
    }

    /**
     * The stream processors' committed dead letters, counted by reading the topic to its last
     * stable offset. The exporter is not replayed (its files are its state), and it may send a
     * letter again after a restart until a file covers the record: at least once, by its design.
     */
    private static long deadLetters(TestKafka kafka, TopicCatalogue catalogue) {
        try (KafkaConsumer<byte[], DeadLetter> consumer =
                new KafkaConsumer<>(
                        kafka.consumerProperties("count-" + UUID.randomUUID()),
                        new ByteArrayDeserializer(),
                        catalogue.deadLetters().valueSerde().deserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(catalogue.deadLetters().name()).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long count = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    count +=
                            Replay.STREAMS_APPS.stream()
                                            .anyMatch(
                                                    app ->
                                                            record.value()
                                                                    .getApplication()
                                                                    .contains(app))
                                    ? 1
                                    : 0;
                }
            }
            return count;
        }
    }

    /** End offsets of the three event topics. */
    private static Map<TopicPartition, Long> ends(TestKafka kafka, TopicCatalogue catalogue) {
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        kafka.consumerProperties("ends-" + UUID.randomUUID()),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new java.util.ArrayList<>();
            for (String topic :
                    List.of(
                            catalogue.agentEvents().name(),
                            catalogue.knowledgeEvents().name(),
                            catalogue.conversationEvents().name())) {
                consumer.partitionsFor(topic)
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            return new java.util.HashMap<>(consumer.endOffsets(partitions));
        }
    }
}
