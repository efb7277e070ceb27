package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.topics.TopicCatalogue;
import ams.export.sink.SegmentName;
import ams.export.sink.SinkStatus;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaClusterExtension.class)
class ConversationSinkIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    static ExporterConfig config(
            TestKafka kafka, TopicCatalogue catalogue, Path root, String group, long maxRows) {
        String prefix = catalogue.conversationEvents().name().replace("conversation-events", "");
        return new ExporterConfig(
                Map.of(
                        ExporterConfig.BOOTSTRAP_SERVERS,
                        kafka.bootstrapServers(),
                        ExporterConfig.TOPIC_PREFIX,
                        prefix,
                        ExporterConfig.DATASET_ROOT,
                        root.toString(),
                        ExporterConfig.GROUP_ID,
                        group,
                        ExporterConfig.ROTATE_MAX_ROWS,
                        maxRows,
                        ExporterConfig.ROTATE_INTERVAL_MS,
                        300L,
                        ExporterConfig.RETRY_BACKOFF_MS,
                        200L,
                        ExporterConfig.HTTP_PORT,
                        0));
    }

    static void sendConversation(
            TestKafka kafka, TopicCatalogue catalogue, String id, int messages, boolean complete) {
        var topic = catalogue.conversationEvents();
        kafka.send(
                topic,
                id,
                TestEvents.conversationRequested(id, "topic of " + id, messages, "a", "b"));
        for (int turn = 0; turn < messages; turn++) {
            kafka.send(
                    topic,
                    id,
                    TestEvents.messageAppended(
                            id, turn, turn % 2 == 0 ? "a" : "b", id + " says " + turn));
        }
        if (complete) {
            kafka.send(topic, id, TestEvents.completed(id, messages));
        }
    }

    static List<Path> inProgress(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(SegmentName.IN_PROGRESS)).toList();
        }
    }

    @Test
    void shouldWriteEveryDatasetAndDeadLetterUndecodableRecords(TestKafka kafka, @TempDir Path root)
            throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(2);
        // The date partition comes from each event's time, stamped when it is sent: bracket it (UTC
        // midnight may pass).
        LocalDate sentFrom = LocalDate.now(ZoneOffset.UTC);
        sendConversation(kafka, catalogue, "conv-a", 4, true);
        LocalDate sentTo = LocalDate.now(ZoneOffset.UTC);
        sendConversation(kafka, catalogue, "conv-b", 2, false);
        kafka.sendRaw(
                catalogue.conversationEvents().name(),
                "conv-a".getBytes(StandardCharsets.UTF_8),
                "not avro".getBytes(StandardCharsets.UTF_8));
        try (Exporter exporter =
                        Exporter.start(
                                config(kafka, catalogue, root, "g-" + System.nanoTime(), 3));
                DuckDb duck = new DuckDb()) {
            Wait.until(
                    "6 message rows and 1 chat line",
                    TIMEOUT,
                    () ->
                            duck.parquetRows(root, "") == 6
                                    && duck.jsonlRows(root.resolve("jsonl/chat")) == 1);
            Wait.until(
                    "turn and sharegpt lines",
                    TIMEOUT,
                    () ->
                            duck.jsonlRows(root.resolve("jsonl/turns")) == 6
                                    && duck.jsonlRows(root.resolve("jsonl/sharegpt")) == 1);

            String messages = DuckDb.glob(root, "messages/*/*.parquet");
            List<List<Object>> a =
                    duck.query(
                            "SELECT turn_number, agent_id, role, content, model, total_tokens, date "
                                    + "FROM read_parquet('"
                                    + messages
                                    + "', hive_partitioning = true) "
                                    + "WHERE conversation_id = 'conv-a' ORDER BY turn_number");
            assertEquals(4, a.size());
            assertEquals(
                    List.of(0, "a", "assistant", "conv-a says 0", "scripted", 15),
                    a.get(0).subList(0, 6));
            LocalDate date = LocalDate.parse(String.valueOf(a.get(0).get(6)));
            assertTrue(
                    !date.isBefore(sentFrom) && !date.isAfter(sentTo),
                    date + " not within " + sentFrom + ".." + sentTo);
            assertEquals(
                    6,
                    duck.count(
                            "SELECT count(DISTINCT message_id) FROM read_parquet('"
                                    + messages
                                    + "')"));

            List<List<Object>> chat =
                    duck.query(
                            "SELECT conversation_id, topic, len(messages), messages[1].role, "
                                    + "messages[4].content FROM read_json('"
                                    + DuckDb.glob(root, "jsonl/chat/*.jsonl")
                                    + "', format = 'newline_delimited')");
            assertEquals(
                    List.of("conv-a", "topic of conv-a", 4L, "assistant", "conv-a says 3"),
                    chat.get(0));
            List<List<Object>> share =
                    duck.query(
                            "SELECT id, conversations[2].\"from\", conversations[2].value FROM read_json('"
                                    + DuckDb.glob(root, "jsonl/sharegpt/*.jsonl")
                                    + "', format = 'newline_delimited')");
            assertEquals(List.of("conv-a", "gpt", "conv-a says 1"), share.get(0));
            List<List<Object>> turn =
                    duck.query(
                            "SELECT conversation_id, turn_number, agent_id, message FROM read_json('"
                                    + DuckDb.glob(root, "jsonl/turns/*.jsonl")
                                    + "', format = 'newline_delimited') "
                                    + "WHERE conversation_id = 'conv-b' ORDER BY turn_number");
            assertEquals(List.of("conv-b", 1L, "b", "conv-b says 1"), turn.get(1));

            List<ConsumerRecord<byte[], DeadLetter>> letters =
                    kafka.consume(catalogue.deadLetters(), 1, TIMEOUT);
            assertEquals(DeadLetterReason.UNDECODABLE, letters.get(0).value().getReason());
            assertEquals(
                    "not avro",
                    StandardCharsets.UTF_8
                            .decode(letters.get(0).value().getOriginalValue())
                            .toString());
            Wait.until("dead letter counted", TIMEOUT, () -> exporter.status().deadLettered() == 1);
        }
        assertEquals(List.of(), inProgress(root));
    }

    @Test
    void shouldWriteTurnsAloneFromUtf8DecodedEventsAndDeadLetterUndecodableRecords(
            TestKafka kafka, @TempDir Path root) throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(1);
        String topic = catalogue.conversationEvents().name();
        kafka.send(
                catalogue.conversationEvents(),
                "conv-u",
                TestEvents.conversationRequested("conv-u", "unicode", 2, "a", "b"));
        kafka.send(
                catalogue.conversationEvents(),
                "conv-u",
                TestEvents.messageAppended("conv-u", 0, "a", "plain \"quoted\"\tand tab"));
        kafka.sendRaw(
                topic,
                "conv-u".getBytes(StandardCharsets.UTF_8),
                "not avro".getBytes(StandardCharsets.UTF_8));
        kafka.send(
                catalogue.conversationEvents(),
                "conv-u",
                TestEvents.messageAppended("conv-u", 1, "b", "Grüße 😀 日本語"));
        kafka.send(catalogue.conversationEvents(), "conv-u", TestEvents.completed("conv-u", 2));
        Map<String, Object> props =
                new java.util.HashMap<>(
                        config(kafka, catalogue, root, "g-" + System.nanoTime(), 100).originals());
        props.put(ExporterConfig.DATASETS, "turns");
        try (Exporter exporter = Exporter.start(new ExporterConfig(props));
                DuckDb duck = new DuckDb()) {
            Wait.until(
                    "2 turn lines",
                    TIMEOUT,
                    () -> duck.jsonlRows(root.resolve("jsonl/turns")) == 2);
            List<List<Object>> turns =
                    duck.query(
                            "SELECT turn_number, agent_id, message, role FROM read_json('"
                                    + DuckDb.glob(root, "jsonl/turns/*.jsonl")
                                    + "', format = 'newline_delimited') ORDER BY turn_number");
            assertEquals(
                    List.of(
                            List.of(0L, "a", "plain \"quoted\"\tand tab", "assistant"),
                            List.of(1L, "b", "Grüße 😀 日本語", "assistant")),
                    turns);
            List<ConsumerRecord<byte[], DeadLetter>> letters =
                    kafka.consume(catalogue.deadLetters(), 1, TIMEOUT);
            assertEquals(2L, letters.get(0).value().getSourceOffset());
            assertTrue(
                    letters.get(0).value().getDetail().startsWith("NOT_SINGLE_OBJECT_ENCODING"),
                    letters.get(0).value().getDetail());
            Wait.until("dead letter counted", TIMEOUT, () -> exporter.status().deadLettered() == 1);
        }
        assertEquals(List.of(), inProgress(root));
        assertTrue(!Files.exists(root.resolve("messages")), "only the turns dataset is written");
    }

    @Test
    void shouldDeadLetterAFloodOfUndecodableRecordsOnceEachAroundGoodOnes(
            TestKafka kafka, @TempDir Path root) throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(1);
        String topic = catalogue.conversationEvents().name();
        try (var producer =
                kafka.producer(
                        new org.apache.kafka.common.serialization.ByteArraySerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int i = 0; i < 300; i++) {
                producer.send(
                        new org.apache.kafka.clients.producer.ProducerRecord<>(
                                topic,
                                null,
                                i % 3 == 0 ? null : ("bad " + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        sendConversation(kafka, catalogue, "conv-c", 2, true);
        kafka.sendRaw(topic, null, "after".getBytes(StandardCharsets.UTF_8));
        try (Exporter exporter =
                        Exporter.start(
                                config(kafka, catalogue, root, "g-" + System.nanoTime(), 1));
                DuckDb duck = new DuckDb()) {
            Wait.until(
                    "301 dead letters counted",
                    TIMEOUT,
                    () -> exporter.status().deadLettered() == 301);
            Wait.until(
                    "the conversation between the floods exported",
                    TIMEOUT,
                    () -> duck.jsonlRows(root.resolve("jsonl/chat")) == 1);
            List<ConsumerRecord<byte[], DeadLetter>> letters =
                    kafka.consume(catalogue.deadLetters(), 301, TIMEOUT);
            assertEquals(
                    301,
                    letters.stream().map(l -> l.value().getSourceOffset()).distinct().count(),
                    "one letter per record");
        }
        assertEquals(List.of(), inProgress(root));
    }

    @Test
    void shouldResumeFromTheFilesOnDiskWithoutDuplicatesOrGaps(TestKafka kafka, @TempDir Path root)
            throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(2);
        sendConversation(kafka, catalogue, "c1", 5, false);
        try (DuckDb duck = new DuckDb()) {
            try (Exporter exporter =
                    Exporter.start(config(kafka, catalogue, root, "g1-" + System.nanoTime(), 2))) {
                Wait.until("5 rows", TIMEOUT, () -> duck.parquetRows(root, "") == 5);
                awaitRunning(exporter);
            }
            // The conversation completes while the exporter is down; a new group proves positions
            // come from the files.
            for (int turn = 5; turn < 8; turn++) {
                kafka.send(
                        catalogue.conversationEvents(),
                        "c1",
                        TestEvents.messageAppended("c1", turn, "a", "late " + turn));
            }
            kafka.send(catalogue.conversationEvents(), "c1", TestEvents.completed("c1", 8));
            sendConversation(kafka, catalogue, "c2", 3, true);
            try (Exporter exporter =
                    Exporter.start(config(kafka, catalogue, root, "g2-" + System.nanoTime(), 2))) {
                Wait.until(
                        "11 rows and 2 conversations",
                        TIMEOUT,
                        () ->
                                duck.parquetRows(root, "") == 11
                                        && duck.jsonlRows(root.resolve("jsonl/chat")) == 2);
                assertEquals(0, exporter.status().failures());
            }
            String messages = DuckDb.glob(root, "messages/*/*.parquet");
            assertEquals(
                    11,
                    duck.count(
                            "SELECT count(DISTINCT message_id) FROM read_parquet('"
                                    + messages
                                    + "')"));
            assertEquals(11, duck.jsonlRows(root.resolve("jsonl/turns")));
            // c1 began before the restart and completed after it: exported whole, once.
            assertEquals(
                    8,
                    duck.count(
                            "SELECT len(messages) FROM read_json('"
                                    + DuckDb.glob(root, "jsonl/chat/*.jsonl")
                                    + "', format = 'newline_delimited') WHERE conversation_id = 'c1'"));
        }
        assertEquals(List.of(), inProgress(root));
    }

    @Test
    void shouldPublishTheOpenFilesOnAnOrderlyClose(TestKafka kafka, @TempDir Path root)
            throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(1);
        sendConversation(kafka, catalogue, "c1", 3, true);
        Map<String, Object> props =
                new java.util.HashMap<>(
                        config(kafka, catalogue, root, "g-" + System.nanoTime(), 100).originals());
        props.put(ExporterConfig.ROTATE_INTERVAL_MS, 600_000L);
        try (Exporter exporter = Exporter.start(new ExporterConfig(props))) {
            Wait.until(
                    "all 5 records consumed",
                    TIMEOUT,
                    () -> exporter.status().recordsConsumed() == 5);
            assertEquals(List.of(), publishedFiles(root), "nothing rotated yet");
        }
        try (DuckDb duck = new DuckDb()) {
            assertEquals(3, duck.parquetRows(root, ""));
            assertEquals(3, duck.jsonlRows(root.resolve("jsonl/turns")));
            assertEquals(1, duck.jsonlRows(root.resolve("jsonl/chat")));
        }
        assertEquals(List.of(), inProgress(root));
    }

    /**
     * The sink publishes its status at the end of a poll loop, after the files that loop published
     * and its commit: files on disk can be seen a moment before the status catches up.
     */
    static void awaitRunning(Exporter exporter) {
        Wait.until(
                "the sink reports RUNNING",
                TIMEOUT,
                () -> exporter.status().state() == SinkStatus.State.RUNNING);
    }

    static List<Path> publishedFiles(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> SegmentName.parse(p.getFileName().toString()).isPresent())
                    .toList();
        }
    }

    @Test
    void shouldStopWritingOnAnUnwritableRootAndResumeWhenItIsFixed(
            TestKafka kafka, @TempDir Path tmp) throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(1);
        Path root = tmp.resolve("datasets");
        Files.writeString(root, "a file where the dataset directory should be");
        sendConversation(kafka, catalogue, "c1", 3, true);
        try (Exporter exporter =
                        Exporter.start(
                                config(kafka, catalogue, root, "g-" + System.nanoTime(), 100));
                DuckDb duck = new DuckDb()) {
            SinkStatus failed =
                    Wait.untilValue(
                            "the sink reports the failure",
                            TIMEOUT,
                            () ->
                                    exporter.status().state() == SinkStatus.State.FAILED
                                            ? exporter.status()
                                            : null);
            assertTrue(failed.error().contains(root.toAbsolutePath().toString()), failed.error());
            try (var admin = kafka.admin()) {
                var offsets =
                        admin.listConsumerGroupOffsets(exporter.config().groupId())
                                .partitionsToOffsetAndMetadata()
                                .get();
                assertTrue(
                        offsets.isEmpty(),
                        "nothing committed while nothing is on disk: " + offsets);
            }
            Files.delete(root);
            Wait.until(
                    "rows after the root became writable",
                    TIMEOUT,
                    () ->
                            duck.parquetRows(root, "") == 3
                                    && duck.jsonlRows(root.resolve("jsonl/chat")) == 1);
            awaitRunning(exporter);
        }
    }
}
