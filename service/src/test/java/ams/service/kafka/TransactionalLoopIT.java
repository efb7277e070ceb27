package ams.service.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared exactly-once loop on a real broker: a failed round (processing that throws, a
 * transaction the producer cannot commit) is aborted, rewound and redone, and every input is
 * committed to the output exactly once, as a read_committed reader sees it; a fenced producer stops
 * the loop.
 */
@ExtendWith(KafkaClusterExtension.class)
class TransactionalLoopIT {

    private static final int INPUTS = 12;

    private TestKafka kafka;
    private String input;
    private String output;
    private String group;
    private final Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();

    @BeforeEach
    void topics(TestKafka kafka) throws Exception {
        this.kafka = kafka;
        String prefix = "loop-" + UUID.randomUUID().toString().substring(0, 8);
        input = prefix + ".in";
        output = prefix + ".out";
        group = prefix + "-group";
        try (Admin admin = kafka.admin()) {
            admin.createTopics(
                            List.of(
                                    new NewTopic(input, 2, (short) 1),
                                    new NewTopic(output, 1, (short) 1)))
                    .all()
                    .get();
        }
        try (KafkaProducer<String, String> producer =
                kafka.producer(new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < INPUTS; i++) {
                producer.send(new ProducerRecord<>(input, "k" + i, "r" + i)).get();
            }
        }
    }

    @Test
    void shouldRewindAndRedoARoundWhoseProcessingThrew() {
        AtomicInteger thrown = new AtomicInteger();
        try (TransactionalLoop<String, String, String, String> loop =
                loop(
                        "tx-" + group,
                        records -> {
                            List<ProducerRecord<String, String>> out = new ArrayList<>();
                            for (ConsumerRecord<String, String> r : records) {
                                processed(r.value());
                                if (r.value().equals("r5") && thrown.getAndIncrement() == 0) {
                                    throw new IllegalStateException("processing failed once");
                                }
                                out.add(new ProducerRecord<>(output, r.key(), r.value() + "-done"));
                            }
                            return Batch.of(out, Batch.nextOffsets(records));
                        })) {
            loop.start();
            assertEquals(expectedOutput(), committedOutput(INPUTS));
            awaitOffsetsAtEnd();
            assertEquals(2, thrown.get(), "r5 failed once, then went through");
            assertEquals(2, processed.get("r5").get(), "r5 was read again after the rewind");
            assertTrue(loop.isRunning());
            assertNull(loop.failure());
        }
    }

    @Test
    void shouldAbortRewindAndRedoATransactionThatCouldNotCommit() {
        AtomicInteger aborted = new AtomicInteger();
        AtomicReference<RuntimeException> cause = new AtomicReference<>();
        AtomicInteger oversized = new AtomicInteger();
        try (TransactionalLoop<String, String, String, String> loop =
                loop(
                        "tx-" + group,
                        records -> {
                            List<ProducerRecord<String, String>> out = new ArrayList<>();
                            for (ConsumerRecord<String, String> r : records) {
                                processed(r.value());
                                out.add(new ProducerRecord<>(output, r.key(), r.value() + "-done"));
                                if (r.value().equals("r5") && oversized.getAndIncrement() == 0) {
                                    // Over max.request.size: the producer fails the transaction
                                    // after the records before it were sent in it.
                                    out.add(
                                            new ProducerRecord<>(
                                                    output, r.key(), "x".repeat(2 * 1024 * 1024)));
                                }
                            }
                            return Batch.of(out, Batch.nextOffsets(records))
                                    .onAborted(
                                            e -> {
                                                aborted.incrementAndGet();
                                                cause.set(e);
                                                return TransactionalLoop.Recovery.REWIND;
                                            });
                        })) {
            loop.start();
            assertEquals(expectedOutput(), committedOutput(INPUTS));
            awaitOffsetsAtEnd();
            assertEquals(1, aborted.get(), "one transaction aborted: " + cause.get());
            assertFalse(TransactionErrors.isFatal(cause.get()));
            assertEquals(2, processed.get("r5").get(), "r5 was read again after the rewind");
            assertTrue(loop.isRunning());
            assertNull(loop.failure());
        }
    }

    @Test
    void shouldStopWhenAnotherProducerTakesItsTransactionalId() throws Exception {
        String transactionalId = "tx-" + group;
        AtomicInteger rounds = new AtomicInteger();
        try (TransactionalLoop<String, String, String, String> loop =
                loop(
                        transactionalId,
                        records -> {
                            List<ProducerRecord<String, String>> out = new ArrayList<>();
                            for (ConsumerRecord<String, String> r : records) {
                                out.add(new ProducerRecord<>(output, r.key(), r.value() + "-done"));
                            }
                            rounds.incrementAndGet();
                            return Batch.of(out, Batch.nextOffsets(records));
                        })) {
            loop.start();
            committedOutput(INPUTS);
            // A second instance with the same transactional.id fences the first.
            Properties props =
                    TransactionalClients.producer(kafka.bootstrapServers(), transactionalId);
            try (KafkaProducer<String, String> usurper =
                    new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
                usurper.initTransactions();
                try (KafkaProducer<String, String> late =
                        kafka.producer(new StringSerializer(), new StringSerializer())) {
                    late.send(new ProducerRecord<>(input, "late", "late")).get();
                }
                awaitStopped(loop);
            }
            Throwable failure = loop.failure();
            assertNotNull(failure);
            assertTrue(TransactionErrors.isFatal(failure), failure.toString());
            assertEquals(expectedOutput(), committedOutput(INPUTS), "nothing from the fenced loop");
        }
    }

    @Test
    void shouldTakeItsPartitionsBackAtOnceWhenRestartedAfterACrash() throws Exception {
        String transactionalId = "tx-" + group;
        Round copy =
                records -> {
                    List<ProducerRecord<String, String>> out = new ArrayList<>();
                    for (ConsumerRecord<String, String> r : records) {
                        out.add(new ProducerRecord<>(output, r.key(), r.value() + "-done"));
                    }
                    return Batch.of(out, Batch.nextOffsets(records));
                };
        TransactionalLoop<String, String, String, String> crashed =
                loop(transactionalId, transactionalId, copy);
        try {
            crashed.start();
            assertEquals(expectedOutput(), committedOutput(INPUTS));
            awaitOffsetsAtEnd();
            // As a kill -9 leaves it: still a member of the group (its heartbeats even go on),
            // nothing left, nothing closed.
            crashed.halt();
            try (KafkaProducer<String, String> producer =
                    kafka.producer(new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < INPUTS; i++) {
                    producer.send(new ProducerRecord<>(input, "k" + i, "late" + i)).get();
                }
            }
            long started = System.nanoTime();
            try (TransactionalLoop<String, String, String, String> restarted =
                    loop(transactionalId, transactionalId, copy)) {
                restarted.start();
                // A dynamic member would wait for the dead one's session (45 s) or, as here where
                // its heartbeats go on, its poll interval (5 min) before the group rebalances.
                List<String> out = committedOutput(2 * INPUTS, Duration.ofSeconds(25));
                long seconds = (System.nanoTime() - started) / 1_000_000_000;
                List<String> expected = new ArrayList<>(expectedOutput());
                IntStream.range(0, INPUTS).forEach(i -> expected.add("late" + i + "-done"));
                assertEquals(
                        expected.stream().sorted().toList(),
                        out,
                        "the restarted loop took over the partitions within 25 s (took "
                                + seconds
                                + " s)");
                assertTrue(restarted.isRunning());
            }
        } finally {
            crashed.close();
        }
    }

    /**
     * Waits for a fenced loop to stop. Every blocking producer call is bounded by max.block.ms (10
     * s here), so a loop still running after 90 s is stuck; the failure shows where its thread is.
     */
    private static void awaitStopped(TransactionalLoop<?, ?, ?, ?> loop) {
        try {
            Wait.until("the fenced loop to stop", Duration.ofSeconds(90), () -> !loop.isRunning());
        } catch (AssertionError e) {
            StringBuilder where = new StringBuilder(e.getMessage()).append("; loop thread at:");
            Thread.getAllStackTraces()
                    .forEach(
                            (thread, stack) -> {
                                if (thread.getName().equals(loop.name())) {
                                    for (StackTraceElement frame : stack) {
                                        where.append("\n\tat ").append(frame);
                                    }
                                }
                            });
            throw new AssertionError(where.toString(), e);
        }
    }

    private void processed(String value) {
        processed.computeIfAbsent(value, v -> new AtomicInteger()).incrementAndGet();
    }

    private TransactionalLoop<String, String, String, String> loop(
            String transactionalId, Round round) {
        return loop(transactionalId, null, round);
    }

    /** A loop whose consumer is a static member under {@code instanceId}, or dynamic when null. */
    private TransactionalLoop<String, String, String, String> loop(
            String transactionalId, String instanceId, Round round) {
        Properties consumer =
                instanceId == null
                        ? TransactionalClients.consumer(kafka.bootstrapServers(), group)
                        : TransactionalClients.consumer(
                                kafka.bootstrapServers(), group, instanceId);
        // Several rounds, so a failed one sits between committed ones.
        consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 3);
        Properties producer =
                TransactionalClients.producer(kafka.bootstrapServers(), transactionalId);
        // Bounds commit and abort, so a call the broker never answers fails the round in the test's
        // time rather than blocking it for the default minute.
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        return new TransactionalLoop<>(
                "test-loop-" + group,
                new KafkaConsumer<>(consumer, new StringDeserializer(), new StringDeserializer()),
                new KafkaProducer<>(producer, new StringSerializer(), new StringSerializer()),
                List.of(input),
                records -> records.isEmpty() ? null : round.process(records));
    }

    @FunctionalInterface
    private interface Round {
        Batch<String, String> process(ConsumerRecords<String, String> records);
    }

    private static List<String> expectedOutput() {
        return IntStream.range(0, INPUTS).mapToObj(i -> "r" + i + "-done").sorted().toList();
    }

    /**
     * What a read_committed reader sees on the output, sorted, once {@code expected} records
     * arrived and a further second brought no more.
     */
    private List<String> committedOutput(int expected) {
        return committedOutput(expected, Duration.ofSeconds(60));
    }

    private List<String> committedOutput(int expected, Duration timeout) {
        List<String> values = new ArrayList<>();
        Properties props = kafka.consumerProperties("reader-" + UUID.randomUUID());
        try (KafkaConsumer<String, String> reader =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            reader.subscribe(List.of(output));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                reader.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
            }
            long quiet = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < quiet) {
                reader.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
            }
        }
        return values.stream().sorted().collect(Collectors.toList());
    }

    private void awaitOffsetsAtEnd() {
        try (Admin admin = kafka.admin()) {
            Wait.until(
                    "the group's offsets at the end of the input",
                    Duration.ofSeconds(30),
                    () -> committedTotal(admin) == INPUTS);
        }
    }

    private long committedTotal(Admin admin) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            return offsets.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
