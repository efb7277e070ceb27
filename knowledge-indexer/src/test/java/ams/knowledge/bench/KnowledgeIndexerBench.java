package ams.knowledge.bench;

import ams.events.Envelopes;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.knowledge.KnowledgeIndexer;
import ams.knowledge.KnowledgeIndexerConfig;
import ams.knowledge.embedding.Embedder;
import ams.knowledge.embedding.EmbeddingModels;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.bench.ResultRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures (1) the indexer's embedding throughput against the raw model's in the same run, (2)
 * search latency for one agent over 10k and 100k chunks of 384 dimensions, (3) memory of the
 * in-memory index per 100k chunks. Prints a markdown table and, for bench/run, result rows ({@link
 * ResultRows}). Broker: AMS_TEST_BOOTSTRAP if set, else one embedded in this JVM. Args: [documents]
 * (default 2000; 0 = search and memory only) [chunk counts for search, default 10000,100000]
 * [queries, default 1000] ({@link SearchBench}).
 */
public final class KnowledgeIndexerBench {

    private static final Logger log = LoggerFactory.getLogger(KnowledgeIndexerBench.class);
    private static final String[] WORDS =
            ("agent knowledge search vector index kafka stream event topic document chunk "
                            + "model embedding query result score rank hybrid lexical memory latency partition record store graph edge "
                            + "node time valid conversation message turn speaker topic cat dog rain bread bike sleep code fault part")
                    .split(" ");

    private KnowledgeIndexerBench() {}

    public static void main(String[] args) throws Exception {
        int documents = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        List<String> rows = new ArrayList<>();
        if (documents > 0) {
            rows.addAll(embeddingBench(documents));
        }
        String sizes = args.length > 1 ? args[1] : "10000,100000";
        int queries = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        for (String size : sizes.split(",")) {
            rows.addAll(
                    new SearchBench(Integer.parseInt(size.trim().replace("_", "")), queries).run());
        }
        StringBuilder table =
                new StringBuilder("\n| measurement | size | result | ratio |\n|---|---|---|---|\n");
        rows.forEach(r -> table.append(r).append('\n'));
        log.info("Results ({} cores):{}", Runtime.getRuntime().availableProcessors(), table);
    }

    /** Indexer embedding throughput against the raw model's, in the same run. */
    private static List<String> embeddingBench(int documents) throws Exception {
        List<String> rows = new ArrayList<>();
        Embedder model = EmbeddingModels.inProcess();
        List<String> texts = texts(documents, new Random(1));

        // Warm the model (native tokenizer, ONNX session) so neither side pays it.
        model.embedAll(texts.subList(0, Math.min(64, texts.size())));
        double rawBefore = rawThroughput(model, texts);

        double indexer;
        double searchable;
        double modelShare;
        double steady;
        double spanShare;
        double startupSeconds;
        try (KafkaCluster kafka = KafkaClusters.fromEnvironment()) {
            String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 6) + ".";
            TopicCatalogue catalogue = new TopicCatalogue(prefix, 2, (short) 1);
            try (Admin admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    kafka.bootstrapServers()))) {
                new TopicProvisioner(admin, 30_000).provision(catalogue);
            }
            Map<String, Object> producerProps = new HashMap<>();
            producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaProducer<String, KnowledgeEvent> producer =
                    new KafkaProducer<>(
                            producerProps,
                            catalogue.knowledgeEvents().keySerde().serializer(),
                            catalogue.knowledgeEvents().valueSerde().serializer())) {
                for (int i = 0; i < texts.size(); i++) {
                    String agent = "agent-" + (i % 8);
                    producer.send(
                            new ProducerRecord<>(
                                    catalogue.knowledgeEvents().name(),
                                    agent,
                                    KnowledgeEvent.newBuilder()
                                            .setEnvelope(Envelopes.create("bench"))
                                            .setAgentId(agent)
                                            .setPayload(
                                                    DocumentAdded.newBuilder()
                                                            .setKbId("kb")
                                                            .setDocumentId("d" + i)
                                                            .setTitle("")
                                                            .setContent(texts.get(i))
                                                            .setCreatedAt(Instant.now())
                                                            .build())
                                            .build()));
                }
                producer.flush();
            }
            Path state = Files.createTempDirectory("ki-bench-");
            Map<String, Object> props = new HashMap<>();
            props.put(KnowledgeIndexerConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            props.put(KnowledgeIndexerConfig.TOPIC_PREFIX, prefix);
            props.put(KnowledgeIndexerConfig.TOPIC_PARTITIONS, 2);
            props.put(KnowledgeIndexerConfig.APPLICATION_ID, prefix + "ki-bench");
            props.put(KnowledgeIndexerConfig.STATE_DIR, state.toString());
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
                props.put(
                        KnowledgeIndexerConfig.HTTP_PORT,
                        socket.getLocalPort()); // a fixed port may be taken on a shared machine
            }
            props.put(KnowledgeIndexerConfig.WORKER_MAX_POLL_RECORDS, 256);
            long start = System.nanoTime();
            try (KnowledgeIndexer running =
                    KnowledgeIndexer.start(new KnowledgeIndexerConfig(props), model)) {
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (running.worker().chunksEmbedded() < texts.size()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                double workerSeconds = (System.nanoTime() - start) / 1e9;
                indexer = running.worker().chunksEmbedded() / workerSeconds;
                while (searchableChunks(running) < texts.size() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                searchable = searchableChunks(running) / ((System.nanoTime() - start) / 1e9);
                modelShare =
                        (double) running.worker().embeddingNanos() / running.worker().busyNanos();
                // From the first batch with records to the last commit: the worker's throughput
                // once it has work, without the one-off start (clients, group join, Streams).
                long span = running.worker().busySpanNanos();
                steady = running.worker().chunksEmbedded() / (span / 1e9);
                spanShare = (double) running.worker().embeddingNanos() / span;
                startupSeconds = workerSeconds - span / 1e9;
                log.info(
                        "worker: {} model calls, {} chunks per call on average",
                        running.worker().embeddingCalls(),
                        running.worker().chunksEmbedded()
                                / Math.max(1.0, running.worker().embeddingCalls()));
                if (Boolean.getBoolean("ams.bench.threads")) {
                    java.lang.management.ThreadMXBean mx =
                            java.lang.management.ManagementFactory.getThreadMXBean();
                    Map<String, Long> byName = new java.util.TreeMap<>();
                    for (long id : mx.getAllThreadIds()) {
                        java.lang.management.ThreadInfo info = mx.getThreadInfo(id);
                        long cpu = mx.getThreadCpuTime(id);
                        if (info != null && cpu > 0) {
                            byName.merge(
                                    info.getThreadName().replaceAll("[0-9]+", "#"), cpu, Long::sum);
                        }
                    }
                    byName.entrySet().stream()
                            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                            .limit(15)
                            .forEach(
                                    e ->
                                            log.info(
                                                    "thread cpu {} ms {}",
                                                    e.getValue() / 1_000_000,
                                                    e.getKey()));
                }
                log.info(
                        "worker embedded {} chunks in {} s; state {}",
                        running.worker().chunksEmbedded(),
                        workerSeconds,
                        running.streams().state() == KafkaStreams.State.RUNNING);
            }
        }
        double rawAfter = rawThroughput(model, texts);
        double raw = (rawBefore + rawAfter) / 2;
        rows.add(
                String.format(
                        "| embedding, raw model (embedAll, batches of 64; mean of a run before and after the indexer: %.0f, %.0f) | %d texts | %.0f texts/s | 1.00 |",
                        rawBefore, rawAfter, texts.size(), raw));
        rows.add(
                String.format(
                        "| indexer worker: share of its busy time spent inside the model | %d docs | %.3f | |",
                        texts.size(), modelShare));
        rows.add(
                String.format(
                        "| embedding, indexer worker (consume, chunk, embed, produce, EOS commit; from start incl. group join) | %d docs | %.0f chunks/s | %.2f |",
                        texts.size(), indexer, indexer / raw));
        rows.add(
                String.format(
                        "| embedding, end to end until searchable (worker + Streams fold + index) | %d docs | %.0f chunks/s | %.2f |",
                        texts.size(), searchable, searchable / raw));
        rows.add(
                String.format(
                        "| embedding, indexer worker from its first batch to its last commit (start-up of %.1f s excluded) | %d docs | %.0f chunks/s | %.2f |",
                        startupSeconds, texts.size(), steady, steady / raw));
        rows.add(
                String.format(
                        "| indexer worker: share of that span spent inside the model | %d docs | %.3f | |",
                        texts.size(), spanShare));
        String rawLimit =
                String.format(
                        java.util.Locale.ROOT,
                        "%.0f texts/s (raw model, mean of before %.0f and after %.0f)",
                        raw,
                        rawBefore,
                        rawAfter);
        ResultRows.add(
                "knowledge: raw model embedAll (batches of 64), " + texts.size() + " texts",
                raw,
                "texts/s");
        ResultRows.add(
                "knowledge: indexer worker embedding (consume, chunk, embed, produce, EOS),"
                        + " first batch to last commit",
                steady,
                "chunks/s",
                rawLimit,
                steady / raw,
                ">= 0.9x raw model",
                steady / raw >= 0.9);
        ResultRows.add(
                String.format(
                        java.util.Locale.ROOT,
                        "knowledge: indexer worker embedding from its start (incl. %.1f s start-up)",
                        startupSeconds),
                indexer,
                "chunks/s",
                rawLimit,
                indexer / raw,
                "",
                null);
        ResultRows.add(
                "knowledge: end to end until searchable",
                searchable,
                "chunks/s",
                rawLimit,
                searchable / raw,
                "",
                null);
        ResultRows.add(
                "knowledge: share of worker busy time inside the model (load-independent)",
                modelShare,
                "",
                "-",
                Double.NaN,
                "",
                null);
        ResultRows.add(
                "knowledge: share of the worker's time (first batch to last commit) inside the"
                        + " model",
                spanShare,
                "",
                "-",
                Double.NaN,
                ">= 0.9",
                spanShare >= 0.9);
        return rows;
    }

    private static double rawThroughput(Embedder model, List<String> texts) {
        long start = System.nanoTime();
        for (int i = 0; i < texts.size(); i += 64) {
            model.embedAll(texts.subList(i, Math.min(texts.size(), i + 64)));
        }
        return texts.size() / ((System.nanoTime() - start) / 1e9);
    }

    private static int searchableChunks(KnowledgeIndexer indexer) {
        int total = 0;
        for (int a = 0; a < 8; a++) {
            total += indexer.queries().searchIndex().chunkCount("agent-" + a);
        }
        return total;
    }

    /**
     * Words drawn Zipf-like from a 20,000-word vocabulary (a few frequent words, a long tail), like
     * real text.
     */
    static String sentence(Random random, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            if (i % 5 == 0) {
                sb.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            } else {
                int rank = (int) Math.floor(Math.pow(20_000, random.nextDouble()));
                sb.append("w").append(rank).append(' ');
            }
        }
        return sb.toString();
    }

    private static List<String> texts(int count, Random random) {
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            texts.add(sentence(random, 30));
        }
        return texts;
    }
}
