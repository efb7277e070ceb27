package ams.export.bench;

import ams.events.conversation.ConversationEvent;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.export.Exporter;
import ams.export.ExporterConfig;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.TestEvents;
import ams.testkit.bench.ResultRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exporter's throughput from conversation-events to files, beside the raw limits measured in
 * the same run: a plain consumer reading the same topic, and DuckDB writing the same rows to
 * Parquet. Prints a markdown table and, for bench/run, result rows ({@link ResultRows}). Broker:
 * AMS_TEST_BOOTSTRAP if set, else one embedded in this JVM. Argument: number of messages (default
 * 1,000,000).
 */
public final class ExporterBench {

    private static final Logger log = LoggerFactory.getLogger(ExporterBench.class);
    private static final int MESSAGES_PER_CONVERSATION = 20;
    private static final int PARTITIONS = 3;

    private ExporterBench() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        Path work = Files.createTempDirectory("ams-exporter-bench-");
        // A broker shared by a whole bench/run keeps other benchmarks' topics: use our own names.
        String prefix =
                "bench-export-" + java.util.UUID.randomUUID().toString().substring(0, 6) + ".";
        try (KafkaCluster kafka = KafkaClusters.fromEnvironment()) {
            TopicCatalogue catalogue = new TopicCatalogue(prefix, PARTITIONS, (short) 1);
            try (Admin admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    kafka.bootstrapServers()))) {
                new TopicProvisioner(admin, 30_000).provision(catalogue);
            }
            long produceStarted = System.nanoTime();
            long records = produce(kafka.bootstrapServers(), catalogue, messages);
            double produceSeconds = (System.nanoTime() - produceStarted) / 1e9;
            StringBuilder table = new StringBuilder();
            table.append(
                    "| what | rows | seconds | rows/s | CPU µs/row (this JVM, all threads) | output |\n"
                            + "|---|---:|---:|---:|---:|---|\n");
            String bootstrap = kafka.bootstrapServers();

            // The exporter runs first, so the anchors below are measured with a warm JIT and the
            // topic in the page cache, like the exporter's warm runs: nothing in the comparison
            // favours the exporter.
            Path parquetRoot = work.resolve("parquet");
            Measured parquetCold =
                    measure(() -> exporter(bootstrap, prefix, parquetRoot, "messages", records));
            row(
                    table,
                    "exporter → messages Parquet (ZSTD), first run (cold JIT)",
                    messages,
                    parquetCold,
                    size(parquetRoot));
            Path jsonlColdRoot = work.resolve("jsonl-cold");
            Measured jsonlCold =
                    measure(() -> exporter(bootstrap, prefix, jsonlColdRoot, "turns", records));
            row(
                    table,
                    "exporter → turns JSONL, first run",
                    messages,
                    jsonlCold,
                    size(jsonlColdRoot));
            Path allRoot = work.resolve("all");
            Measured all =
                    measure(
                            () ->
                                    exporter(
                                            bootstrap,
                                            prefix,
                                            allRoot,
                                            "messages,turns,chat,sharegpt",
                                            records));
            row(table, "exporter → all four datasets", messages, all, size(allRoot));
            Path parquetWarmRoot = work.resolve("parquet-warm");
            Measured parquet =
                    measure(
                            () ->
                                    exporter(
                                            bootstrap,
                                            prefix,
                                            parquetWarmRoot,
                                            "messages",
                                            records));
            row(
                    table,
                    "exporter → messages Parquet (ZSTD), warm",
                    messages,
                    parquet,
                    size(parquetWarmRoot));
            // Warm JSONL and its anchor in interleaved pairs: a run takes about 2 s, and on this
            // VM one run of either moves by 20 % from the next (quiet runs of 2026-12-05 gave
            // ratios from 0.77 to 0.97 with unchanged code). Interleaving puts both sides of a
            // pair in the same moment of the machine; the figure is the median pair.
            List<Measured> jsonlRuns = new ArrayList<>();
            List<Measured> decodeRuns = new ArrayList<>();
            for (int pair = 1; pair <= JSONL_PAIRS; pair++) {
                Path jsonlRoot = work.resolve("jsonl-" + pair);
                Measured jsonl =
                        measure(() -> exporter(bootstrap, prefix, jsonlRoot, "turns", records));
                row(
                        table,
                        "exporter → turns JSONL, warm, pair " + pair,
                        messages,
                        jsonl,
                        size(jsonlRoot));
                deleteRecursively(jsonlRoot);
                Measured decode = measure(() -> rawConsumer(bootstrap, catalogue, records, true));
                row(
                        table,
                        "raw consumer + Avro decode, all records, pair " + pair,
                        records,
                        decode,
                        "-");
                jsonlRuns.add(jsonl);
                decodeRuns.add(decode);
            }
            int median = medianPair(jsonlRuns, decodeRuns);
            Measured jsonl = jsonlRuns.get(median);
            Measured rawDecode = decodeRuns.get(median);
            Measured raw = measure(() -> rawConsumer(bootstrap, catalogue, records, false));
            row(table, "raw consumer (bytes, no decode), all records", records, raw, "-");

            DuckCopy duck = duckDbCopy(parquetRoot, work, messages);
            row(
                    table,
                    "DuckDB COPY → Parquet (ZSTD), threads=1",
                    messages,
                    duck.oneThread(),
                    String.format(Locale.ROOT, "%.1f MiB", duck.mib()));
            row(
                    table,
                    "DuckDB COPY → Parquet (ZSTD), threads=2",
                    messages,
                    duck.twoThreads(),
                    String.format(Locale.ROOT, "%.1f MiB", duck.mib()));

            double rawRate = records / raw.seconds();
            double decodeRate = records / rawDecode.seconds();
            double duckRate = messages / duck.oneThread().seconds();
            double parquetRate = messages / parquet.seconds();
            double jsonlRate = records / jsonl.seconds();
            String duckLimit =
                    String.format(Locale.ROOT, "%,.0f rows/s (DuckDB COPY, 1 thread)", duckRate);
            String decodeLimit =
                    String.format(
                            Locale.ROOT,
                            "%,.0f records/s (raw consumer + Avro decode)",
                            decodeRate);
            ResultRows.add(
                    "export: raw producer (lz4), " + records + " records",
                    records / produceSeconds,
                    "records/s");
            ResultRows.add(
                    "export: raw consumer (bytes, read_committed), same records",
                    rawRate,
                    "records/s");
            ResultRows.add(
                    "export: raw consumer + Avro decode, same records", decodeRate, "records/s");
            ResultRows.add("export: DuckDB COPY to Parquet (ZSTD), 1 thread", duckRate, "rows/s");
            ResultRows.add(
                    "export: DuckDB COPY to Parquet (ZSTD), 2 threads",
                    messages / duck.twoThreads().seconds(),
                    "rows/s");
            ResultRows.add(
                    "export: messages Parquet (ZSTD), warm JIT, end to end from the topic",
                    parquetRate,
                    "rows/s",
                    duckLimit,
                    parquetRate / duckRate,
                    ">= 0.8x DuckDB",
                    parquetRate >= 0.8 * duckRate);
            ResultRows.add(
                    "export: turns JSONL, warm JIT, records consumed (median of "
                            + JSONL_PAIRS
                            + " runs, each beside an anchor run: "
                            + pairRatios(jsonlRuns, decodeRuns)
                            + ")",
                    jsonlRate,
                    "records/s",
                    decodeLimit,
                    jsonlRate / decodeRate,
                    ">= 0.8x raw + decode",
                    jsonlRate >= 0.8 * decodeRate);
            ResultRows.add(
                    "export: all four datasets, records consumed",
                    records / all.seconds(),
                    "records/s",
                    decodeLimit,
                    records / all.seconds() / decodeRate,
                    "",
                    null);
            ResultRows.add(
                    "export: CPU per message row, messages Parquet (warm)",
                    parquet.cpuMicrosPer(messages),
                    "µs/row");
            ResultRows.add(
                    "export: CPU per message row, DuckDB COPY (1 thread)",
                    duck.oneThread().cpuMicrosPer(messages),
                    "µs/row");
            ResultRows.add(
                    "export: CPU per record, turns JSONL (warm)",
                    jsonl.cpuMicrosPer(records),
                    "µs/record");
            ResultRows.add(
                    "export: CPU per record, raw consumer + Avro decode",
                    rawDecode.cpuMicrosPer(records),
                    "µs/record");
            table.append("\nmessages Parquet (warm) vs DuckDB COPY (1 thread): ")
                    .append(ratio(parquetRate, duckRate))
                    .append(" (goal ≥ 0.80×); vs DuckDB (2 threads): ")
                    .append(ratio(parquetRate, messages / duck.twoThreads().seconds()))
                    .append("; vs raw consumer + decode (records/s): ")
                    .append(ratio(records / parquet.seconds(), decodeRate))
                    .append("\nturns JSONL (warm) records/s vs raw consumer + Avro decode: ")
                    .append(ratio(jsonlRate, decodeRate))
                    .append(" (goal ≥ 0.80×; median of the pairs ")
                    .append(pairRatios(jsonlRuns, decodeRuns))
                    .append("); vs raw consumer (bytes): ")
                    .append(ratio(jsonlRate, rawRate))
                    .append("\n(")
                    .append(records)
                    .append(" records on the topic: ")
                    .append(messages)
                    .append(" MessageAppended + ConversationRequested/Completed per ")
                    .append(MESSAGES_PER_CONVERSATION)
                    .append(" messages; ")
                    .append(PARTITIONS)
                    .append(" partitions)\n");
            System.out.println(table); // the benchmark's output is its report
        } finally {
            deleteRecursively(work);
        }
    }

    /** Warm JSONL runs, each beside an anchor run: the figure is the median pair. */
    private static final int JSONL_PAIRS = 5;

    /** The index of the pair whose JSONL-to-anchor ratio is the median. */
    private static int medianPair(List<Measured> runs, List<Measured> anchors) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            order.add(i);
        }
        order.sort(
                java.util.Comparator.comparingDouble(
                        i -> anchors.get(i).seconds() / runs.get(i).seconds()));
        return order.get(order.size() / 2);
    }

    private static String pairRatios(List<Measured> runs, List<Measured> anchors) {
        List<String> ratios = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            ratios.add(
                    String.format(
                            Locale.ROOT,
                            "%.2f×",
                            anchors.get(i).seconds() / runs.get(i).seconds()));
        }
        return String.join(", ", ratios);
    }

    /** Wall and CPU time of one measured step. */
    private record Measured(double seconds, double cpuSeconds) {
        double cpuMicrosPer(long rows) {
            return cpuSeconds * 1e6 / rows;
        }
    }

    @FunctionalInterface
    private interface Step {
        double run() throws Exception;
    }

    /**
     * Runs a step that returns its own wall time, and measures the CPU this JVM (every thread,
     * native ones included: DuckDB's) used meanwhile.
     */
    private static Measured measure(Step step) throws Exception {
        long cpuBefore = processCpuNanos();
        double seconds = step.run();
        return new Measured(seconds, (processCpuNanos() - cpuBefore) / 1e9);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long produce(String bootstrap, TopicCatalogue catalogue, int messages)
            throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        var topic = catalogue.conversationEvents();
        String[] words =
                ("the wizard considers question carefully weighing arcane lore against practical engineering "
                                + "indexes caches careful measurement beat incantations still little magic naming never hurt anyone let "
                                + "us look where time actually goes before guess then measure again partition offset parquet column")
                        .split(" ");
        java.util.Random random = new java.util.Random(42);
        long records = 0;
        long started = System.nanoTime();
        try (KafkaProducer<String, ConversationEvent> producer =
                new KafkaProducer<>(
                        props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
            int conversations =
                    (messages + MESSAGES_PER_CONVERSATION - 1) / MESSAGES_PER_CONVERSATION;
            int sent = 0;
            for (int c = 0; c < conversations; c++) {
                String id = "conv-" + c;
                producer.send(
                        new ProducerRecord<>(
                                topic.name(),
                                id,
                                TestEvents.conversationRequested(
                                        id, "bench", MESSAGES_PER_CONVERSATION, "a", "b")));
                records++;
                for (int t = 0; t < MESSAGES_PER_CONVERSATION && sent < messages; t++, sent++) {
                    producer.send(
                            new ProducerRecord<>(
                                    topic.name(),
                                    id,
                                    TestEvents.messageAppended(
                                            id,
                                            t,
                                            t % 2 == 0 ? "a" : "b",
                                            content(words, random, sent))));
                    records++;
                }
                producer.send(
                        new ProducerRecord<>(
                                topic.name(),
                                id,
                                TestEvents.completed(id, MESSAGES_PER_CONVERSATION)));
                records++;
            }
            producer.flush();
        }
        log.info("Produced {} records in {} s", records, (System.nanoTime() - started) / 1e9);
        return records;
    }

    /**
     * About 300 characters of words in random order: compressible like text, not like a repeated
     * string.
     */
    private static String content(String[] words, java.util.Random random, int n) {
        StringBuilder text = new StringBuilder(320).append('#').append(n);
        while (text.length() < 300) {
            text.append(' ').append(words[random.nextInt(words.length)]);
        }
        return text.toString();
    }

    /**
     * Reads every record of conversation-events with a plain consumer, as the sink's consumer is
     * set up (read_committed, the same max.poll.records); with {@code decode}, also Avro-decodes
     * each value as the sink does: the limit the JSONL goal is measured against.
     */
    private static double rawConsumer(
            String bootstrap, TopicCatalogue catalogue, long records, boolean decode) {
        var events = catalogue.conversationEvents();
        String topic = events.name();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var deserializer = events.valueSerde().deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long started = System.nanoTime();
            long seen = 0;
            long bytes = 0;
            long messages = 0;
            while (seen < records) {
                for (var r : consumer.poll(Duration.ofMillis(100))) {
                    seen++;
                    bytes += r.value().length;
                    if (decode
                            && deserializer.deserialize(topic, r.value()).getPayload()
                                    instanceof ams.events.conversation.MessageAppended) {
                        messages++;
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            log.info(
                    "Raw consumer{}: {} records ({} messages decoded), {} MiB in {} s",
                    decode ? " + decode" : "",
                    seen,
                    messages,
                    bytes >> 20,
                    seconds);
            return seconds;
        }
    }

    private static double exporter(
            String bootstrap, String prefix, Path root, String datasets, long records) {
        ExporterConfig config =
                new ExporterConfig(
                        Map.of(
                                ExporterConfig.BOOTSTRAP_SERVERS,
                                bootstrap,
                                ExporterConfig.TOPIC_PREFIX,
                                prefix,
                                ExporterConfig.DATASET_ROOT,
                                root.toString(),
                                ExporterConfig.GROUP_ID,
                                "bench-" + datasets + "-" + System.nanoTime(),
                                ExporterConfig.DATASETS,
                                datasets,
                                ExporterConfig.ROTATE_MAX_ROWS,
                                500_000L,
                                ExporterConfig.ROTATE_INTERVAL_MS,
                                600_000L,
                                ExporterConfig.HTTP_PORT,
                                0));
        long started = System.nanoTime();
        Exporter exporter = Exporter.start(config);
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (exporter.status().recordsConsumed() < records) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "exporter did not finish: " + exporter.status());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        } finally {
            exporter.close(); // publishes the open files: part of the measured time
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        log.info("Exporter [{}]: {} records in {} s", datasets, records, seconds);
        return seconds;
    }

    /** DuckDB's COPY with 1 and 2 threads, and the size of the file it wrote. */
    private record DuckCopy(Measured oneThread, Measured twoThreads, double mib) {}

    /**
     * Loads the exporter's rows into DuckDB, then times COPY ... TO parquet with 1 and 2 threads.
     */
    private static DuckCopy duckDbCopy(Path parquetRoot, Path work, int messages) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = c.createStatement()) {
            st.execute(
                    "CREATE TABLE m AS SELECT * FROM read_parquet('"
                            + parquetRoot.resolve("messages/*/*.parquet")
                            + "')");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM m")) {
                rs.next();
                if (rs.getLong(1) != messages) {
                    throw new IllegalStateException(
                            "exporter wrote " + rs.getLong(1) + " rows, expected " + messages);
                }
            }
            Measured[] out = new Measured[2];
            double mib = 0;
            for (int threads = 1; threads <= 2; threads++) {
                st.execute("SET threads = " + threads);
                Path target = work.resolve("duck-" + threads + ".parquet");
                out[threads - 1] =
                        measure(
                                () -> {
                                    long started = System.nanoTime();
                                    st.execute(
                                            "COPY m TO '"
                                                    + target
                                                    + "' (FORMAT parquet, COMPRESSION zstd)");
                                    return (System.nanoTime() - started) / 1e9;
                                });
                mib = Files.size(target) / 1048576.0;
            }
            return new DuckCopy(out[0], out[1], mib);
        }
    }

    private static void row(
            StringBuilder table, String what, long rows, Measured measured, String output) {
        table.append(
                String.format(
                        Locale.ROOT,
                        "| %s | %,d | %.2f | %,.0f | %.2f | %s |%n",
                        what,
                        rows,
                        measured.seconds(),
                        rows / measured.seconds(),
                        measured.cpuMicrosPer(rows),
                        output));
    }

    private static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2f×", a / b);
    }

    private static String size(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> list = files.filter(Files::isRegularFile).toList();
            long bytes = 0;
            for (Path p : list) {
                bytes += Files.size(p);
            }
            return String.format(Locale.ROOT, "%d files, %.1f MiB", list.size(), bytes / 1048576.0);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
