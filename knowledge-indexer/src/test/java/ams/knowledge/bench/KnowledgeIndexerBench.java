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
import ams.knowledge.embedding.EmbeddingWorker;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.bench.ResultRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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
 * (default 2000; 0 = search and memory only) [chunk counts for search, default 10000,100000; "none"
 * = the embedding phase only] [queries, default 1000] ({@link SearchBench}).
 */
public final class KnowledgeIndexerBench {

    private static final Logger log = LoggerFactory.getLogger(KnowledgeIndexerBench.class);
    private static final String[] WORDS =
            ("agent knowledge search vector index kafka stream event topic document chunk "
                            + "model embedding query result score rank hybrid lexical memory latency partition record store graph edge "
                            + "node time valid conversation message turn speaker topic cat dog rain bread bike sleep code fault part")
                    .split(" ");

    /**
     * Documents run through the pipeline with a stand-in model before the real one is timed ({@code
     * -Dams.bench.warmup=N} to try others).
     */
    private static final int WARM_UP_DOCUMENTS = Integer.getInteger("ams.bench.warmup", 20_000);

    /**
     * After the warm-up (and an idle wait for the compilers to drain their queue), rounds of this
     * many short documents go through the real model until the JIT compilers of all processes (this
     * JVM's and the broker's) settle. At the end of 20,000 stand-in documents they were still
     * compiling (C2 had a queue; per-request code of the clients, Streams and the broker warms at
     * the rate of requests, not documents): measured with JFR, the compiles that landed inside the
     * 10 s worker window took 2.7 s of a core in this JVM and 1.6 s in the broker's, CPU the model
     * threads did not get. A long-running indexer pays that once, not per document.
     */
    private static final int SETTLE_ROUND_DOCUMENTS = 2_000;

    /**
     * Worker rounds of the embedding figure, each timed between two raw-model runs (an odd count:
     * the median is one of them).
     */
    private static final int EMBEDDING_ROUNDS = Integer.getInteger("ams.bench.embed.rounds", 3);

    private static final int MAX_SETTLE_ROUNDS = Integer.getInteger("ams.bench.settle.rounds", 12);

    /** A round in which the compilers of all processes used less than this is settled. */
    private static final double SETTLED_JIT_CORES = 0.05;

    /**
     * Short texts embedded by the real model before anything is timed, so its own Java code (the
     * ONNX session's run, the tokenizer's wrapper, pooling) is compiled for both sides alike: a few
     * thousand calls are needed for C2, which 2,000 texts do not reach.
     */
    private static final int MODEL_WARM_UP_TEXTS =
            Integer.getInteger("ams.bench.model.warmup", 6_000);

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
            if (size.isBlank() || size.trim().equals("none")) {
                continue; // "none": the embedding phase only
            }
            rows.addAll(
                    new SearchBench(Integer.parseInt(size.trim().replace("_", "")), queries).run());
        }
        StringBuilder table =
                new StringBuilder("\n| measurement | size | result | ratio |\n|---|---|---|---|\n");
        rows.forEach(r -> table.append(r).append('\n'));
        log.info("Results ({} cores):{}", Runtime.getRuntime().availableProcessors(), table);
    }

    /**
     * The indexer's embedding throughput against the raw model's, in the same run. The raw model is
     * measured warm (its first batch is not timed), so the worker is too: 20,000 documents (by
     * default) of other agents, embedded by a cheap stand-in ({@link WarmUpModel}), start the
     * indexer and warm the JIT of the whole pipeline, in this JVM and the broker's (Kafka clients,
     * Streams, Avro, RocksDB, the analyzer); once they are searchable the real model takes over and
     * the measured documents (the raw model's texts) are written in one transaction, so they become
     * readable at once, and the worker is timed from that commit to its commit of the last of them.
     * Both sides embed the same texts, one chunk each, in model calls of up to 64 texts.
     */
    private static List<String> embeddingBench(int documents) throws Exception {
        List<String> rows = new ArrayList<>();
        Embedder model = EmbeddingModels.inProcess();
        List<String> texts = texts(documents, new Random(1));
        List<String> warmUpTexts = texts(WARM_UP_DOCUMENTS, new Random(2));
        WarmUpModel switchable = new WarmUpModel(model.model(), 384);
        Embedder indexerModel = new Embedder(switchable, model.modelName());

        // Warm the model (native tokenizer, ONNX session, its Java code) so neither side pays it.
        model.embedAll(texts.subList(0, Math.min(64, texts.size())));
        List<String> shortTexts = texts(MODEL_WARM_UP_TEXTS, new Random(3), 3);
        long modelWarmUp = System.nanoTime();
        rawThroughput(model, shortTexts);
        log.info(
                "model warmed with {} short texts in {} s",
                shortTexts.size(),
                (System.nanoTime() - modelWarmUp) / 1e9);
        double pipeline;
        double[] raws = new double[EMBEDDING_ROUNDS + 1];
        double[] warms = new double[EMBEDDING_ROUNDS];
        double[] searchables = new double[EMBEDDING_ROUNDS];
        double[] shares = new double[EMBEDDING_ROUNDS];
        double[] callSizes = new double[EMBEDDING_ROUNDS];
        CpuPhase.Split[] cpus = new CpuPhase.Split[EMBEDDING_ROUNDS];
        int settledDocuments;
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
            producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "bench-producer");
            try (KafkaProducer<String, KnowledgeEvent> producer =
                    new KafkaProducer<>(
                            producerProps,
                            catalogue.knowledgeEvents().keySerde().serializer(),
                            catalogue.knowledgeEvents().valueSerde().serializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                send(producer, catalogue, warmUpTexts, "warm-agent-", "w");
                producer.commitTransaction();

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
                // To try the Streams fold's commit interval (its transactions per second cost the
                // Streams thread and the broker); unset, the indexer's default.
                String commitInterval = System.getProperty("ams.bench.commit.interval.ms");
                if (commitInterval != null) {
                    props.put(
                            KnowledgeIndexerConfig.COMMIT_INTERVAL_MS,
                            Long.parseLong(commitInterval));
                }
                long start = System.nanoTime();
                try (KnowledgeIndexer running =
                        KnowledgeIndexer.start(new KnowledgeIndexerConfig(props), indexerModel)) {
                    EmbeddingWorker worker = running.worker();
                    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                    awaitEmbedded(worker, warmUpTexts.size(), deadline);
                    double warmUpSeconds = (System.nanoTime() - start) / 1e9;
                    pipeline = worker.chunksEmbedded() / warmUpSeconds;
                    awaitSearchable(running, "warm-agent-", warmUpTexts.size(), deadline, 20);
                    log.info(
                            "warm-up with the stand-in model: {} chunks in {} s from the start,"
                                    + " {} chunks/s; all searchable after {} s",
                            worker.chunksEmbedded(),
                            warmUpSeconds,
                            pipeline,
                            (System.nanoTime() - start) / 1e9);
                    // The compilers are still busy with a queue (JFR: 2.7 s of C2 in this JVM and
                    // 1.6 s in the broker's landed in the timed window); idle, they drain it.
                    awaitJitIdle(30);
                    switchable.useRealModel();
                    // The worker's path through the real model (a branch the stand-in never took),
                    // what it inlines, and the per-request code at the real model's pace, compiled
                    // before the timing; short texts keep the rounds cheap.
                    Random settleTexts = new Random(4);
                    int warmSent =
                            settle(
                                    running,
                                    producer,
                                    catalogue,
                                    "real model, short texts",
                                    () -> texts(SETTLE_ROUND_DOCUMENTS, settleTexts, 3),
                                    warmUpTexts.size(),
                                    deadline);
                    awaitJitIdle(15);
                    settledDocuments = warmSent - warmUpTexts.size();

                    // The raw model and the worker take turns on the same texts, the raw model
                    // first and last: a worker round is compared with the mean of the raw runs
                    // just before and after it, and the median round is the figure. The model's
                    // own speed drifted by 13 % between a raw run before and one after a single
                    // worker run (309 and 268 texts/s), more than the gap the goal judges.
                    raws[0] = raw(model, texts, 0);
                    for (int r = 0; r < EMBEDDING_ROUNDS; r++) {
                        long chunksBefore = worker.chunksEmbedded();
                        long modelNanosBefore = worker.embeddingNanos();
                        long callsBefore = worker.embeddingCalls();
                        producer.beginTransaction();
                        send(producer, catalogue, texts, "agent-", "d" + r + "-");
                        CpuPhase cpu = CpuPhase.start("indexer, warm, round " + (r + 1));
                        producer.commitTransaction();
                        long t0 = System.nanoTime();
                        awaitEmbedded(worker, chunksBefore + texts.size(), deadline);
                        long t1 = System.nanoTime();
                        cpus[r] = cpu.end();
                        long embedded = worker.chunksEmbedded() - chunksBefore;
                        warms[r] = embedded / ((t1 - t0) / 1e9);
                        shares[r] =
                                (double) (worker.embeddingNanos() - modelNanosBefore) / (t1 - t0);
                        callSizes[r] =
                                (double) embedded
                                        / Math.max(1, worker.embeddingCalls() - callsBefore);
                        awaitSearchable(running, "agent-", texts.size() * (r + 1), deadline, 5);
                        searchables[r] = texts.size() / ((System.nanoTime() - t0) / 1e9);
                        log.info(cpus[r].breakdown());
                        log.info(
                                "warm round {}: worker embedded {} chunks in {} s, {} chunks per"
                                        + " model call; Streams running: {}",
                                r + 1,
                                embedded,
                                (t1 - t0) / 1e9,
                                callSizes[r],
                                running.streams().state() == KafkaStreams.State.RUNNING);
                        raws[r + 1] = raw(model, texts, r + 1);
                    }
                }
            }
        }
        double[] ratios = new double[EMBEDDING_ROUNDS];
        StringBuilder pairs = new StringBuilder();
        for (int r = 0; r < EMBEDDING_ROUNDS; r++) {
            ratios[r] = warms[r] / ((raws[r] + raws[r + 1]) / 2);
            pairs.append(
                    String.format(
                            java.util.Locale.ROOT,
                            "%s%.0f/%.0f = %.2fx",
                            r == 0 ? "" : ", ",
                            warms[r],
                            (raws[r] + raws[r + 1]) / 2,
                            ratios[r]));
        }
        int median = medianIndex(ratios);
        double warm = warms[median];
        double warmShare = shares[median];
        double warmCallSize = callSizes[median];
        double warmSearchable = searchables[median];
        CpuPhase.Split warmCpu = cpus[median];
        double rawBefore = raws[median];
        double rawAfter = raws[median + 1];
        double raw = (rawBefore + rawAfter) / 2;
        log.info("worker/raw model pairs (chunks/s / texts/s): {}", pairs);
        rows.add(
                String.format(
                        "| embedding, raw model (embedAll, batches of 64; mean of the runs just before and after the median worker round: %.0f, %.0f) | %d texts | %.0f texts/s | 1.00 |",
                        rawBefore, rawAfter, texts.size(), raw));
        rows.add(
                String.format(
                        "| embedding, indexer worker warm (consume, chunk, embed, produce, EOS commit; from the input's commit to the last output's), median of %d rounds each between two raw runs (%s) | %d docs | %.0f chunks/s | %.2f |",
                        EMBEDDING_ROUNDS, pairs, texts.size(), warm, warm / raw));
        rows.add(
                String.format(
                        "| indexer worker: share of that time spent inside the model (%.1f chunks per call) | %d docs | %.3f | |",
                        warmCallSize, texts.size(), warmShare));
        rows.add(
                String.format(
                        "| embedding, end to end until searchable, warm (worker + Streams fold + index) | %d docs | %.0f chunks/s | %.2f |",
                        texts.size(), warmSearchable, warmSearchable / raw));
        rows.add(
                String.format(
                        "| warm-up: the indexer worker with a stand-in model (no model cost; from its start, incl. start-up; then %d documents until the JIT settled) | %d docs | %.0f chunks/s | |",
                        settledDocuments, warmUpTexts.size(), pipeline));
        rows.add(
                String.format(
                        "| CPU while the warm worker ran (cores): model threads / rest of the indexer JVM / other processes (broker) / idle; JIT compilers of all processes | %d docs | %.2f / %.2f / %.2f / %.2f; %.2f | |",
                        texts.size(),
                        warmCpu.modelThreads(),
                        warmCpu.restOfThisProcess(),
                        warmCpu.otherProcesses(),
                        warmCpu.idle(),
                        warmCpu.compilerThreads()));
        String rawLimit =
                String.format(
                        java.util.Locale.ROOT,
                        "%.0f texts/s (raw model, mean of the runs before %.0f and after %.0f the median of "
                                + EMBEDDING_ROUNDS
                                + " worker rounds)",
                        raw,
                        rawBefore,
                        rawAfter);
        ResultRows.add(
                "knowledge: raw model embedAll (batches of 64), " + texts.size() + " texts",
                raw,
                "texts/s");
        ResultRows.add(
                "knowledge: indexer worker embedding (consume, chunk, embed, produce, EOS), warm,"
                        + " the same texts, from their commit to the last output's",
                warm,
                "chunks/s",
                rawLimit,
                warm / raw,
                ">= 0.9x raw model",
                warm / raw >= 0.9);
        ResultRows.add(
                "knowledge: share of the warm worker's time inside the model",
                warmShare,
                "",
                "-",
                Double.NaN,
                ">= 0.9",
                warmShare >= 0.9);
        ResultRows.add(
                "knowledge: end to end until searchable, warm",
                warmSearchable,
                "chunks/s",
                rawLimit,
                warmSearchable / raw,
                "",
                null);
        ResultRows.add(
                "knowledge: warm-up, the indexer worker with a stand-in model (no model cost; from"
                        + " its start), "
                        + warmUpTexts.size()
                        + " documents",
                pipeline,
                "chunks/s");
        ResultRows.add(
                "knowledge: cores used while the warm worker ran by the model threads",
                warmCpu.modelThreads(),
                "cores",
                "-",
                Double.NaN,
                "",
                null);
        ResultRows.add(
                "knowledge: cores used meanwhile by the rest of the indexer JVM (Streams, clients,"
                        + " JIT, GC)",
                warmCpu.restOfThisProcess(),
                "cores",
                "-",
                Double.NaN,
                "",
                null);
        ResultRows.add(
                "knowledge: cores used meanwhile by other processes (the broker)",
                warmCpu.otherProcesses(),
                "cores",
                "-",
                Double.NaN,
                "",
                null);
        return rows;
    }

    /**
     * Rounds of documents of the warm-up agents through the running pipeline until one in which the
     * JIT compilers of all processes used less than {@link #SETTLED_JIT_CORES} (at most {@link
     * #MAX_SETTLE_ROUNDS}); returns how many warm-up documents have been sent in all.
     */
    private static int settle(
            KnowledgeIndexer running,
            KafkaProducer<String, KnowledgeEvent> producer,
            TopicCatalogue catalogue,
            String label,
            java.util.function.Supplier<List<String>> round,
            int sent,
            long deadline)
            throws InterruptedException {
        EmbeddingWorker worker = running.worker();
        for (int r = 1; r <= MAX_SETTLE_ROUNDS; r++) {
            List<String> roundTexts = round.get();
            long chunksBefore = worker.chunksEmbedded();
            CpuPhase cpu = CpuPhase.start("settling the JIT, " + label + ", round " + r);
            producer.beginTransaction();
            send(producer, catalogue, roundTexts, "warm-agent-", "s" + sent + "-");
            producer.commitTransaction();
            awaitEmbedded(worker, chunksBefore + roundTexts.size(), deadline);
            sent += roundTexts.size();
            awaitSearchable(running, "warm-agent-", sent, deadline, 20);
            CpuPhase.Split split = cpu.end();
            log.info(split.breakdown());
            if (split.compilerThreads() < SETTLED_JIT_CORES) {
                break;
            }
        }
        return sent;
    }

    /**
     * Waits, with the pipeline idle, until the JIT compilers of all processes used less than {@link
     * #SETTLED_JIT_CORES} over a second (at most {@code maxSeconds}).
     */
    private static void awaitJitIdle(int maxSeconds) throws InterruptedException {
        long started = System.nanoTime();
        for (int s = 0; s < maxSeconds; s++) {
            CpuPhase second = CpuPhase.start("waiting for the JIT");
            Thread.sleep(1_000);
            double jit = second.end().compilerThreads();
            if (jit < SETTLED_JIT_CORES) {
                break;
            }
        }
        log.info("JIT idle wait: {} s", (System.nanoTime() - started) / 1e9);
    }

    private static void awaitEmbedded(EmbeddingWorker worker, long chunks, long deadline)
            throws InterruptedException {
        while (worker.chunksEmbedded() < chunks && System.nanoTime() < deadline) {
            Thread.sleep(10); // at most 0.13 % of the 2,000 texts' time; 2 ms woke it 500 times a s
        }
        if (worker.chunksEmbedded() < chunks) {
            throw new IllegalStateException(
                    "the worker embedded "
                            + worker.chunksEmbedded()
                            + " of "
                            + chunks
                            + " chunks in time (failure: "
                            + worker.failure()
                            + ")");
        }
    }

    /**
     * One DocumentAdded per text, over 8 agents named {@code agentPrefix + n}; document ids are the
     * id prefix and the index.
     */
    private static void send(
            KafkaProducer<String, KnowledgeEvent> producer,
            TopicCatalogue catalogue,
            List<String> texts,
            String agentPrefix,
            String idPrefix) {
        for (int i = 0; i < texts.size(); i++) {
            String agent = agentPrefix + (i % 8);
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
                                                    .setDocumentId(idPrefix + i)
                                                    .setTitle("")
                                                    .setContent(texts.get(i))
                                                    .setCreatedAt(Instant.now())
                                                    .build())
                                    .build()));
        }
    }

    /** One timed raw-model run over {@code texts}, its CPU split logged. */
    private static double raw(Embedder model, List<String> texts, int run) {
        CpuPhase cpu = CpuPhase.start("raw model, run " + (run + 1));
        double throughput = rawThroughput(model, texts);
        log.info(cpu.end().breakdown());
        return throughput;
    }

    /** The index of the median of {@code values} (the lower one of an even count). */
    static int medianIndex(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        return order[(order.length - 1) / 2];
    }

    private static double rawThroughput(Embedder model, List<String> texts) {
        long start = System.nanoTime();
        for (int i = 0; i < texts.size(); i += 64) {
            model.embedAll(texts.subList(i, Math.min(texts.size(), i + 64)));
        }
        return texts.size() / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * Waits until the agents' chunks are all searchable; past the deadline the benchmark fails
     * rather than report a throughput of chunks that never arrived.
     */
    private static void awaitSearchable(
            KnowledgeIndexer indexer,
            String agentPrefix,
            int chunks,
            long deadline,
            long pollMillis)
            throws InterruptedException {
        while (searchableChunks(indexer, agentPrefix) < chunks && System.nanoTime() < deadline) {
            Thread.sleep(pollMillis);
        }
        int searchable = searchableChunks(indexer, agentPrefix);
        if (searchable < chunks) {
            throw new IllegalStateException(
                    "only "
                            + searchable
                            + " of "
                            + chunks
                            + " chunks of agents "
                            + agentPrefix
                            + "* were searchable in time (Streams state "
                            + indexer.streams().state()
                            + ")");
        }
    }

    private static int searchableChunks(KnowledgeIndexer indexer, String agentPrefix) {
        int total = 0;
        for (int a = 0; a < 8; a++) {
            total += indexer.queries().searchIndex().chunkCount(agentPrefix + a);
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
        return texts(count, random, 30);
    }

    private static List<String> texts(int count, Random random, int words) {
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            texts.add(sentence(random, words));
        }
        return texts;
    }
}
