package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.conversation.ConversationEvent;
import ams.events.topics.TopicCatalogue;
import ams.export.sink.SegmentName;
import ams.testkit.ChildJvm;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exporter as a separate JVM, killed with SIGKILL at random points of a run and restarted: the
 * datasets must end with exactly the expected rows, no duplicates, no gaps, no temp files.
 */
@ExtendWith(KafkaClusterExtension.class)
class ExporterProcessIT {

    private static final Logger log = LoggerFactory.getLogger(ExporterProcessIT.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int CONVERSATIONS = 40;
    private static final int MESSAGES = 10;
    private static final int COMPLETED = 32;

    @Test
    void shouldEndWithExactlyTheExpectedRowsAfterKillNineAtRandomPoints(
            TestKafka kafka, @TempDir Path tmp) throws Exception {
        long seed = System.nanoTime();
        log.info("kill -9 test seed {}", seed);
        Random random = new Random(seed);
        TopicCatalogue catalogue = kafka.newCatalogue(3);
        Path root = tmp.resolve("datasets");
        String group = "kill9-" + seed;

        try (KafkaProducer<String, ConversationEvent> producer =
                        kafka.producer(catalogue.conversationEvents());
                DuckDb duck = new DuckDb()) {
            produce(producer, catalogue, 0, CONVERSATIONS / 2);
            // One group and one port for every incarnation, as a restarted service has: the sink
            // is then a static member, and a restart must take the partitions back at once.
            int port = FreePorts.next();
            String killedMember = null;
            for (int kill = 0; kill < 3; kill++) {
                Process exporter =
                        startExporter(
                                kafka,
                                catalogue,
                                root,
                                group,
                                port,
                                tmp.resolve("exporter-" + kill + ".log"));
                if (kill > 0) {
                    awaitSoleMember(kafka, group, killedMember, exporter);
                }
                int before = publishedFiles(root);
                int target = before + 1 + random.nextInt(10);
                try {
                    Wait.until(
                            "the exporter published " + target + " files",
                            TIMEOUT,
                            () -> publishedFiles(root) >= target);
                    killedMember = soleMember(kafka, group);
                } finally {
                    // Also when the wait fails: a child JVM must never outlive the test.
                    exporter.destroyForcibly();
                }
                assertTrue(exporter.waitFor(30, TimeUnit.SECONDS));
                log.info(
                        "killed the exporter with SIGKILL after {} files (was {})",
                        publishedFiles(root),
                        before);
                if (kill == 0) {
                    produce(producer, catalogue, CONVERSATIONS / 2, CONVERSATIONS);
                }
            }
            Process exporter =
                    startExporter(
                            kafka, catalogue, root, group, port, tmp.resolve("exporter-final.log"));
            awaitSoleMember(kafka, group, killedMember, exporter);
            try {
                Wait.until(
                        "every row on disk",
                        TIMEOUT,
                        () ->
                                duck.parquetRows(root, "") >= CONVERSATIONS * MESSAGES
                                        && duck.jsonlRows(root.resolve("jsonl/turns"))
                                                >= CONVERSATIONS * MESSAGES
                                        && duck.jsonlRows(root.resolve("jsonl/chat")) >= COMPLETED
                                        && duck.jsonlRows(root.resolve("jsonl/sharegpt"))
                                                >= COMPLETED);
            } finally {
                exporter.destroy();
                if (!exporter.waitFor(30, TimeUnit.SECONDS)) {
                    exporter.destroyForcibly();
                }
            }
            assertEquals(
                    0,
                    exporter.exitValue() == 143 ? 0 : exporter.exitValue(),
                    "orderly exit on SIGTERM");

            String messages = "read_parquet('" + DuckDb.glob(root, "messages/*/*.parquet") + "')";
            assertEquals(CONVERSATIONS * MESSAGES, duck.count("SELECT count(*) FROM " + messages));
            assertEquals(
                    CONVERSATIONS * MESSAGES,
                    duck.count("SELECT count(DISTINCT message_id) FROM " + messages));
            assertEquals(
                    CONVERSATIONS * MESSAGES,
                    duck.count(
                            "SELECT count(DISTINCT (conversation_id, turn_number)) FROM "
                                    + messages));
            String turns =
                    "read_json('"
                            + DuckDb.glob(root, "jsonl/turns/*.jsonl")
                            + "', format = 'newline_delimited')";
            assertEquals(CONVERSATIONS * MESSAGES, duck.count("SELECT count(*) FROM " + turns));
            assertEquals(
                    CONVERSATIONS * MESSAGES,
                    duck.count("SELECT count(DISTINCT message_id) FROM " + turns));
            String chat =
                    "read_json('"
                            + DuckDb.glob(root, "jsonl/chat/*.jsonl")
                            + "', format = 'newline_delimited')";
            assertEquals(COMPLETED, duck.count("SELECT count(*) FROM " + chat));
            assertEquals(
                    COMPLETED, duck.count("SELECT count(DISTINCT conversation_id) FROM " + chat));
            assertEquals(
                    COMPLETED,
                    duck.count(
                            "SELECT count(*) FROM " + chat + " WHERE len(messages) = " + MESSAGES));
            assertEquals(
                    0,
                    duck.count(
                            "SELECT count(*) FROM "
                                    + chat
                                    + " WHERE CAST(substr(conversation_id, 6) AS INT) >= "
                                    + COMPLETED));
            String share =
                    "read_json('"
                            + DuckDb.glob(root, "jsonl/sharegpt/*.jsonl")
                            + "', format = 'newline_delimited')";
            assertEquals(COMPLETED, duck.count("SELECT count(DISTINCT id) FROM " + share));
            assertEquals(COMPLETED, duck.count("SELECT count(*) FROM " + share));
        }
        assertEquals(List.of(), ConversationSinkIT.inProgress(root));
        assertChainsHaveNoGaps(root);
    }

    /** Each dataset's files for a partition follow each other: start = previous end + 1. */
    private static void assertChainsHaveNoGaps(Path root) throws IOException {
        for (String dataset : List.of("messages", "jsonl/turns", "jsonl/chat", "jsonl/sharegpt")) {
            Map<Integer, List<SegmentName>> chains = new TreeMap<>();
            try (Stream<Path> files = Files.walk(root.resolve(dataset))) {
                files.filter(Files::isRegularFile)
                        .forEach(
                                p ->
                                        SegmentName.parse(p.getFileName().toString())
                                                .ifPresent(
                                                        n ->
                                                                chains.computeIfAbsent(
                                                                                n.partition(),
                                                                                k ->
                                                                                        new ArrayList<>())
                                                                        .add(n)));
            }
            assertEquals(3, chains.size(), dataset + " has files for every partition");
            chains.forEach(
                    (partition, names) -> {
                        names.sort(Comparator.comparingLong(SegmentName::start));
                        for (int i = 1; i < names.size(); i++) {
                            assertEquals(
                                    names.get(i - 1).end() + 1,
                                    names.get(i).start(),
                                    dataset
                                            + " partition "
                                            + partition
                                            + ": "
                                            + names.get(i - 1)
                                            + " then "
                                            + names.get(i));
                        }
                    });
        }
    }

    private static void produce(
            KafkaProducer<String, ConversationEvent> producer,
            TopicCatalogue catalogue,
            int from,
            int to)
            throws Exception {
        String topic = catalogue.conversationEvents().name();
        for (int c = from; c < to; c++) {
            String id = String.format("conv-%03d", c);
            producer.send(
                    new ProducerRecord<>(
                            topic,
                            id,
                            TestEvents.conversationRequested(id, "t" + c, MESSAGES, "a", "b")));
            for (int turn = 0; turn < MESSAGES; turn++) {
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                id,
                                TestEvents.messageAppended(
                                        id,
                                        turn,
                                        turn % 2 == 0 ? "a" : "b",
                                        "message " + turn + " of " + id)));
            }
            if (c < COMPLETED) {
                producer.send(new ProducerRecord<>(topic, id, TestEvents.completed(id, MESSAGES)));
            } else if (c % 2 == 0) {
                producer.send(new ProducerRecord<>(topic, id, TestEvents.failed(id, "gave up")));
            }
        }
        producer.flush();
    }

    private static Process startExporter(
            TestKafka kafka,
            TopicCatalogue catalogue,
            Path root,
            String group,
            int port,
            Path logFile)
            throws IOException {
        ProcessBuilder builder =
                new ProcessBuilder(
                        ChildJvm.command(
                                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                                ExporterMain.class.getName(),
                                List.of()));
        Map<String, String> env = builder.environment();
        env.put("AMS_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put(
                "AMS_TOPIC_PREFIX",
                catalogue.conversationEvents().name().replace("conversation-events", ""));
        env.put("AMS_DATASET_ROOT", root.toString());
        env.put(ExporterConfig.envName(ExporterConfig.GROUP_ID), group);
        env.put(ExporterConfig.envName(ExporterConfig.ROTATE_MAX_ROWS), "7");
        env.put(ExporterConfig.envName(ExporterConfig.ROTATE_INTERVAL_MS), "400");
        env.put(ExporterConfig.envName(ExporterConfig.POLL_MAX_RECORDS), "20");
        env.put("AMS_HTTP_PORT", Integer.toString(port));
        builder.redirectErrorStream(true).redirectOutput(logFile.toFile());
        return builder.start();
    }

    /**
     * A restarted exporter replaces its killed self ({@code killedMember}) in the group: one
     * member, not the killed one, holding every partition, well within the 45 s a dead dynamic
     * member would keep them (its session).
     */
    private static void awaitSoleMember(
            TestKafka kafka, String group, String killedMember, Process exporter) {
        long started = System.nanoTime();
        try (Admin admin = kafka.admin()) {
            try {
                Wait.until(
                        "the restarted exporter as the group's only member, holding 3 partitions",
                        Duration.ofSeconds(25),
                        () -> {
                            ConsumerGroupDescription description = describe(admin, group);
                            if (description == null || description.members().size() != 1) {
                                return false;
                            }
                            MemberDescription member = description.members().iterator().next();
                            return !member.consumerId().equals(killedMember)
                                    && member.assignment().topicPartitions().size() == 3;
                        });
            } catch (AssertionError e) {
                exporter.destroyForcibly();
                throw e;
            }
        }
        log.info(
                "the restarted exporter held every partition after {} ms",
                (System.nanoTime() - started) / 1_000_000);
    }

    /** The member id of the group's one member (the running exporter). */
    private static String soleMember(TestKafka kafka, String group) {
        try (Admin admin = kafka.admin()) {
            ConsumerGroupDescription description = describe(admin, group);
            assertEquals(1, description.members().size(), "one exporter: " + description);
            return description.members().iterator().next().consumerId();
        }
    }

    /** The group as the coordinator sees it; null while it is loading the group. */
    private static ConsumerGroupDescription describe(Admin admin, String group) {
        try {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            return null;
        }
    }

    private static int publishedFiles(Path root) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(root)) {
            return (int)
                    files.filter(p -> SegmentName.parse(p.getFileName().toString()).isPresent())
                            .count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0; // a file renamed while walking: count again on the next poll
        }
    }
}
