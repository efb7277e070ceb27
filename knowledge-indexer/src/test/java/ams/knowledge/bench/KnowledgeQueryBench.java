package ams.knowledge.bench;

import ams.events.Envelopes;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.knowledge.KnowledgeIndexer;
import ams.knowledge.KnowledgeIndexerConfig;
import ams.knowledge.QueryEmbeddingCache;
import ams.knowledge.embedding.EmbeddingModels;
import ams.knowledge.search.SearchMode;
import ams.service.http.ServiceHttp;
import ams.testkit.FreePorts;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.bench.OpenLoopLoad;
import ams.testkit.bench.ResultRows;
import ams.testkit.bench.RouteLoad;
import io.javalin.Javalin;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Knowledge search latency over HTTP ({@code bench/run --only knowledge-queries}): one agent with N
 * one-chunk documents, embedded by the indexer's own worker with the in-process model and folded
 * into its search index, the knowledge routes on the shared server ({@link ServiceHttp}) plus an
 * empty route ({@code /bench/empty}) on the same server as the raw limit. Each route gets an
 * open-loop load at a fixed rate from a separate JVM ({@link OpenLoopLoad}): first the empty route,
 * then {@code GET /agents/{id}/knowledge/search?q=..&k=5&mode=..} for each mode asked for, over a
 * file of varied queries (one to three words, a few frequent, a long tail, like the documents).
 *
 * <p>Vector and hybrid search embed the query with the model (tens of milliseconds of CPU) unless
 * the query-embedding cache ({@code QueryEmbeddingCache}) holds it. So the figures are reported
 * with the hit rate they ran at, in two labelled workloads: (1) the 1,000 distinct queries at the
 * full rate, the cache warmed with each of them once before the load (a working set that fits the
 * cache: every request of the load hits, the steady state of repeated queries), and (2) "all
 * misses": hybrid search over queries never asked before (a file of tens of thousands of fresh
 * ones, so a random pick rarely repeats), at a rate the model can keep ({@code coldRate}), which is
 * what a new query costs. Between the two, a miss rate m at rate R needs R·m embeddings a second:
 * the all-miss row's CPU per request says how many the two cores can give.
 *
 * <p>Arguments: chunks (10,000), rate (2,000 req/s), measured seconds (60), warm-up seconds (20),
 * modes (hybrid, the default mode; a comma-separated list of hybrid, vector, lexical), connections
 * (8), partitions (2), cold rate (20 req/s; 0 skips the all-miss phase). Broker: AMS_TEST_BOOTSTRAP
 * if set, else one embedded in this JVM.
 */
public final class KnowledgeQueryBench {

    private static final String SUITE = "knowledge-queries";
    private static final String EMPTY_ROUTE = "/bench/empty";
    private static final String STARTED = "bench.started";
    private static final String AGENT = "bench-agent";
    private static final double P99_GOAL_MILLIS = 5;
    private static final int QUERIES = 1_000;
    private static final String[] WORDS =
            ("agent knowledge search vector index kafka stream event topic document chunk model"
                            + " embedding query result score rank hybrid lexical memory latency"
                            + " partition record store graph edge node time valid conversation"
                            + " message turn speaker cat dog rain bread bike sleep code fault part")
                    .split(" ");

    private KnowledgeQueryBench() {}

    public static void main(String[] args) throws Exception {
        int chunks = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 10_000;
        double rate = args.length > 1 ? Double.parseDouble(args[1]) : 2_000;
        Duration measured = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 60);
        Duration warmUp = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 20);
        List<SearchMode> modes = new ArrayList<>();
        for (String mode : (args.length > 4 ? args[4] : "hybrid").split(",")) {
            modes.add(SearchMode.parse(mode));
        }
        int connections = args.length > 5 ? Integer.parseInt(args[5]) : 8;
        int partitions = args.length > 6 ? Integer.parseInt(args[6]) : 2;
        double coldRate = args.length > 7 ? Double.parseDouble(args[7]) : 20;
        String run = "bench-kq-" + UUID.randomUUID().toString().substring(0, 6);
        try (KafkaCluster kafka = KafkaClusters.fromEnvironment()) {
            String bootstrap = kafka.bootstrapServers();
            TopicCatalogue catalogue = new TopicCatalogue(run + ".", partitions, (short) 1);
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                new TopicProvisioner(admin, 30_000).provision(catalogue);
            }
            Random random = new Random(chunks);
            produceDocuments(bootstrap, catalogue, chunks, random);
            int port = FreePorts.next();
            Map<String, Object> props = new HashMap<>();
            props.put(KnowledgeIndexerConfig.BOOTSTRAP_SERVERS, bootstrap);
            props.put(KnowledgeIndexerConfig.TOPIC_PREFIX, run + ".");
            props.put(KnowledgeIndexerConfig.TOPIC_PARTITIONS, partitions);
            props.put(KnowledgeIndexerConfig.APPLICATION_ID, run);
            props.put(
                    KnowledgeIndexerConfig.STATE_DIR,
                    Files.createTempDirectory("ams-kq-bench-").toString());
            props.put(KnowledgeIndexerConfig.HTTP_PORT, port);
            props.put(KnowledgeIndexerConfig.WORKER_MAX_POLL_RECORDS, 256);
            long loadStarted = System.nanoTime();
            try (KnowledgeIndexer indexer =
                    KnowledgeIndexer.start(
                            new KnowledgeIndexerConfig(props), EmbeddingModels.inProcess())) {
                awaitSearchable(indexer, chunks);
                double loadSeconds = (System.nanoTime() - loadStarted) / 1e9;
                System.out.printf(
                        Locale.ROOT,
                        "%d chunks embedded and searchable in %.1f s (%.0f chunks/s)%n",
                        chunks,
                        loadSeconds,
                        chunks / loadSeconds);
                Path queries = queryFile(random);
                Recorder serverTime = RouteLoad.serverTimeRecorder();
                Javalin app = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
                // After the shared before handlers (token, query string), so those are not in it.
                app.before(ctx -> ctx.attribute(STARTED, System.nanoTime()));
                app.after(
                        ctx -> {
                            Long started = ctx.attribute(STARTED);
                            if (started != null) {
                                RouteLoad.recordServerTime(serverTime, started);
                            }
                        });
                app.get(EMPTY_ROUTE, ctx -> ServiceHttp.raw(ctx, 200, "{}"));
                indexer.registerRoutes(app);
                app.start("127.0.0.1", port);
                try {
                    List<RouteLoad.Phase> phases = new ArrayList<>();
                    double idleCpuPerNano = RouteLoad.idleCpuPerNano();
                    RouteLoad.Phase empty =
                            RouteLoad.measure(
                                    "empty route",
                                    new OpenLoopLoad.Options(
                                            "127.0.0.1",
                                            port,
                                            EMPTY_ROUTE,
                                            1,
                                            rate,
                                            warmUp,
                                            measured,
                                            connections),
                                    serverTime,
                                    idleCpuPerNano);
                    phases.add(empty);
                    if (empty.load().errors() > 0) {
                        throw new IllegalStateException("the empty route failed under load");
                    }
                    RouteLoad.addEmptyRows(SUITE, empty);
                    QueryEmbeddingCache cache = indexer.queries().queryEmbeddings();
                    for (SearchMode mode : modes) {
                        Path paths = searchPaths(queries, mode);
                        answersOk(port, Files.readAllLines(paths).get(0));
                        if (mode != SearchMode.LEXICAL) {
                            warmCache(port, paths);
                        }
                        long hits = cache.hits();
                        long misses = cache.misses();
                        RouteLoad.Phase search =
                                RouteLoad.measure(
                                        "GET /agents/{id}/knowledge/search, "
                                                + mode.wireName()
                                                + (mode == SearchMode.HYBRID ? " (default)" : "")
                                                + String.format(
                                                        Locale.ROOT, ", k=5, %,d chunks", chunks),
                                        new OpenLoopLoad.Options(
                                                "127.0.0.1",
                                                port,
                                                "@" + paths,
                                                QUERIES,
                                                rate,
                                                warmUp,
                                                measured,
                                                connections),
                                        serverTime,
                                        idleCpuPerNano);
                        phases.add(search);
                        // The goal is stated for 10,000 chunks; other sizes show the trend.
                        RouteLoad.addRows(
                                SUITE,
                                empty,
                                search,
                                chunks == 10_000 ? P99_GOAL_MILLIS : Double.NaN);
                        if (mode != SearchMode.LEXICAL) {
                            addHitRate(search, cache, hits, misses);
                        }
                    }
                    if (coldRate > 0) {
                        Path fresh =
                                searchPaths(
                                        freshQueries(random, queries, coldRate, warmUp, measured),
                                        SearchMode.HYBRID);
                        long hits = cache.hits();
                        long misses = cache.misses();
                        RouteLoad.Phase cold =
                                RouteLoad.measure(
                                        "GET /agents/{id}/knowledge/search, hybrid (default),"
                                                + " ALL MISSES of the query-embedding cache"
                                                + " (fresh queries)"
                                                + String.format(
                                                        Locale.ROOT, ", k=5, %,d chunks", chunks),
                                        new OpenLoopLoad.Options(
                                                "127.0.0.1",
                                                port,
                                                "@" + fresh,
                                                1,
                                                coldRate,
                                                coldWarmUp(warmUp),
                                                coldMeasured(measured),
                                                connections),
                                        serverTime,
                                        idleCpuPerNano);
                        phases.add(cold);
                        // No goal: it is stated at the full rate, which no model call keeps.
                        RouteLoad.addRows(SUITE, empty, cold, Double.NaN);
                        addHitRate(cold, cache, hits, misses);
                    }
                    ResultRows.add(
                            SUITE + ": chunks embedded and searchable (in-process model, load)",
                            chunks / loadSeconds,
                            "chunks/s");
                    System.out.println(RouteLoad.table(phases));
                    System.out.printf(
                            Locale.ROOT,
                            "Settings: one agent, %d one-chunk documents (in-process model %s,"
                                    + " 384 dimensions), %d partitions; %d distinct queries; open"
                                    + " loop at %.0f req/s over %d keep-alive connections from"
                                    + " its own JVM, %d s warm-up, %d s measured per route; all-miss"
                                    + " phase at %.0f req/s.%n",
                            chunks,
                            EmbeddingModels.IN_PROCESS_MODEL_NAME,
                            partitions,
                            QUERIES,
                            rate,
                            connections,
                            warmUp.toSeconds(),
                            measured.toSeconds(),
                            coldRate);
                } finally {
                    app.stop();
                }
            }
        }
    }

    /**
     * Each distinct query once, one after the other, before the load: the cache then holds the
     * working set (printed: the time it took is the model's, about one embedding per query).
     */
    private static void warmCache(int port, Path paths) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long started = System.nanoTime();
        List<String> lines = Files.readAllLines(paths);
        for (String path : lines) {
            HttpResponse<String> response =
                    client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        path + " answered " + response.statusCode() + ": " + response.body());
            }
        }
        System.out.printf(
                Locale.ROOT,
                "query-embedding cache warmed with %d queries in %.1f s%n",
                lines.size(),
                (System.nanoTime() - started) / 1e9);
    }

    /** The cache's hit rate over one phase (its warm-up and measured part), as a row. */
    private static void addHitRate(
            RouteLoad.Phase phase, QueryEmbeddingCache cache, long hitsBefore, long missesBefore) {
        long hits = cache.hits() - hitsBefore;
        long misses = cache.misses() - missesBefore;
        double rate = 100.0 * hits / Math.max(1, hits + misses);
        System.out.printf(
                Locale.ROOT,
                "%s: query-embedding cache %d hits, %d misses (%.2f %% hits)%n",
                phase.route(),
                hits,
                misses,
                rate);
        ResultRows.add(
                SUITE + ": " + phase.route() + " query-embedding cache hit rate (whole phase)",
                rate,
                "%");
    }

    private static Duration coldWarmUp(Duration warmUp) {
        return warmUp.compareTo(Duration.ofSeconds(5)) < 0 ? warmUp : Duration.ofSeconds(5);
    }

    private static Duration coldMeasured(Duration measured) {
        return measured.compareTo(Duration.ofSeconds(30)) < 0 ? measured : Duration.ofSeconds(30);
    }

    /**
     * Queries none of the warm ones, fifty times as many as the all-miss phase sends, so the
     * generator's random picks seldom repeat one (the phase's hit rate row says how seldom).
     */
    private static Path freshQueries(
            Random random, Path warm, double rate, Duration warmUp, Duration measured)
            throws java.io.IOException {
        java.util.Set<String> seen = new java.util.HashSet<>(Files.readAllLines(warm));
        long requests =
                (long)
                        Math.ceil(
                                rate
                                        * (coldWarmUp(warmUp).toSeconds()
                                                + coldMeasured(measured).toSeconds()));
        int wanted = (int) Math.max(1_000, 50 * requests);
        List<String> fresh = new ArrayList<>(wanted);
        while (fresh.size() < wanted) {
            String q = sentence(random, 2 + random.nextInt(2)).trim();
            if (seen.add(q)) {
                fresh.add(q);
            }
        }
        Path file = Files.createTempFile("ams-kq-bench-fresh-", ".txt");
        Files.write(file, fresh);
        return file;
    }

    /** One agent's documents, one chunk each (a sentence of 30 words is under the chunk size). */
    private static void produceDocuments(
            String bootstrap, TopicCatalogue catalogue, int chunks, Random random) {
        Map<String, Object> producerProps = new HashMap<>();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, KnowledgeEvent> producer =
                new KafkaProducer<>(
                        producerProps,
                        catalogue.knowledgeEvents().keySerde().serializer(),
                        catalogue.knowledgeEvents().valueSerde().serializer())) {
            for (int i = 0; i < chunks; i++) {
                producer.send(
                        new ProducerRecord<>(
                                catalogue.knowledgeEvents().name(),
                                AGENT,
                                KnowledgeEvent.newBuilder()
                                        .setEnvelope(Envelopes.create("bench"))
                                        .setAgentId(AGENT)
                                        .setPayload(
                                                DocumentAdded.newBuilder()
                                                        .setKbId("kb")
                                                        .setDocumentId("d" + i)
                                                        .setTitle("")
                                                        .setContent(sentence(random, 30))
                                                        .setCreatedAt(Instant.now())
                                                        .build())
                                        .build()));
            }
            producer.flush();
        }
    }

    private static void awaitSearchable(KnowledgeIndexer indexer, int chunks)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        int last = -1;
        long lastLog = System.nanoTime();
        while (true) {
            int searchable = indexer.queries().searchIndex().chunkCount(AGENT);
            if (searchable >= chunks) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "only " + searchable + " of " + chunks + " chunks searchable in 30 min");
            }
            if (searchable != last && System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(10)) {
                System.out.printf(Locale.ROOT, "%d of %d chunks searchable%n", searchable, chunks);
                last = searchable;
                lastLog = System.nanoTime();
            }
            Thread.sleep(100);
        }
    }

    /** Varied query texts: one to three words, drawn like the documents' words. */
    private static Path queryFile(Random random) throws java.io.IOException {
        List<String> queries = new ArrayList<>(QUERIES);
        for (int i = 0; i < QUERIES; i++) {
            queries.add(sentence(random, 1 + random.nextInt(3)).trim());
        }
        Path file = Files.createTempFile("ams-kq-bench-queries-", ".txt");
        Files.write(file, queries);
        return file;
    }

    /** The query file as request paths of one mode, for the generator's {@code @file}. */
    private static Path searchPaths(Path queries, SearchMode mode) throws java.io.IOException {
        List<String> paths = new ArrayList<>();
        for (String q : Files.readAllLines(queries)) {
            paths.add(
                    "/agents/"
                            + AGENT
                            + "/knowledge/search?q="
                            + URLEncoder.encode(q, StandardCharsets.UTF_8).replace("+", "%20")
                            + "&k=5&mode="
                            + mode.wireName());
        }
        Path file = Files.createTempFile("ams-kq-bench-" + mode.wireName() + "-", ".txt");
        Files.write(file, paths);
        return file;
    }

    /** One request before the load: a route that answers errors would measure nothing. */
    private static void answersOk(int port, String path) throws Exception {
        HttpResponse<String> response =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create("http://127.0.0.1:" + port + path))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || !response.body().contains("\"results\"")) {
            throw new IllegalStateException(
                    path + " answered " + response.statusCode() + ": " + response.body());
        }
        System.out.println(
                path
                        + " -> "
                        + response.body().substring(0, Math.min(300, response.body().length())));
    }

    /**
     * Words drawn Zipf-like from a 20,000-word vocabulary (a few frequent words, a long tail), as
     * {@link KnowledgeIndexerBench} draws its documents.
     */
    private static String sentence(Random random, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            if (i % 5 == 0) {
                sb.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            } else {
                int rank = (int) Math.floor(Math.pow(20_000, random.nextDouble()));
                sb.append('w').append(rank).append(' ');
            }
        }
        return sb.toString();
    }
}
