package ams.agents.bench;

import ams.agents.AgentProcessor;
import ams.agents.AgentProcessorConfig;
import ams.agents.AgentViews;
import ams.events.agent.AgentEvent;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.testkit.FreePorts;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.TestEvents;
import ams.testkit.bench.ResultRows;
import io.javalin.Javalin;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Materialization throughput of the agent processor (exactly_once_v2 and at_least_once) against the
 * raw limit (a plain consumer reading the same topic), then HTTP point-query latency with 32
 * concurrent clients, beside the same clients against an empty route of the same server. Prints a
 * markdown table and, for bench/run, result rows ({@link ResultRows}). Broker: AMS_TEST_BOOTSTRAP
 * if set, else one embedded in this JVM. Arguments: events (default 1,000,000), partitions (2),
 * HTTP requests per client (1,500).
 */
public final class AgentProcessorBench {

    private static final Logger log = LoggerFactory.getLogger(AgentProcessorBench.class);
    private static final int EVENTS_PER_AGENT = 10;
    private static final int HTTP_CLIENTS = 32;

    private AgentProcessorBench() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int httpRequestsPerClient = args.length > 2 ? Integer.parseInt(args[2]) : 1500;
        int agents = Math.max(1, events / EVENTS_PER_AGENT);
        int total = agents * EVENTS_PER_AGENT;
        List<String> rows = new ArrayList<>();
        // A broker shared by a whole bench/run keeps other benchmarks' topics and groups: use our
        // own names.
        String prefix = "bench-agents-" + UUID.randomUUID().toString().substring(0, 6) + ".";
        try (KafkaCluster kafka = KafkaClusters.fromEnvironment()) {
            TopicCatalogue catalogue = new TopicCatalogue(prefix, partitions, (short) 1);
            try (Admin admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    kafka.bootstrapServers()))) {
                new TopicProvisioner(admin, 30_000).provision(catalogue);
            }
            double produceRate = produce(kafka.bootstrapServers(), catalogue, agents);
            rows.add(
                    row(
                            "produce (idempotent producer, acks=all)",
                            total,
                            produceRate,
                            Double.NaN,
                            "-"));
            ResultRows.add(
                    "agents: raw producer (idempotent, acks=all), " + total + " events",
                    produceRate,
                    "events/s");

            double raw =
                    rawConsume(kafka.bootstrapServers(), catalogue.agentEvents().name(), total);
            rows.add(row("raw KafkaConsumer, bytes only", total, raw, 1.0, "-"));
            ResultRows.add("agents: raw consumer (bytes), same events", raw, "events/s");
            String rawLimit = ResultRows.number(raw) + " events/s (raw consumer)";

            Path stateRoot = Files.createTempDirectory("ams-agent-bench-");
            Measured eos =
                    materialize(
                            kafka.bootstrapServers(),
                            catalogue,
                            stateRoot,
                            "exactly_once_v2",
                            null,
                            total,
                            agents,
                            0);
            rows.add(
                    row(
                            "agent-processor exactly_once_v2, commit.interval.ms=100 (default)",
                            total,
                            eos.rate,
                            eos.rate / raw,
                            eos.memory));
            ResultRows.add(
                    "agents: materialization exactly_once_v2, commit 100 ms (default)",
                    eos.rate,
                    "events/s",
                    rawLimit,
                    eos.rate / raw,
                    ">= 0.5x raw",
                    eos.rate / raw >= 0.5);
            Measured eos1s =
                    materialize(
                            kafka.bootstrapServers(),
                            catalogue,
                            stateRoot,
                            "exactly_once_v2",
                            1000L,
                            total,
                            agents,
                            0);
            rows.add(
                    row(
                            "agent-processor exactly_once_v2, commit.interval.ms=1000",
                            total,
                            eos1s.rate,
                            eos1s.rate / raw,
                            eos1s.memory));
            ResultRows.add(
                    "agents: materialization exactly_once_v2, commit 1 s",
                    eos1s.rate,
                    "events/s",
                    rawLimit,
                    eos1s.rate / raw,
                    ">= 0.5x raw",
                    eos1s.rate / raw >= 0.5);
            Measured alos =
                    materialize(
                            kafka.bootstrapServers(),
                            catalogue,
                            stateRoot,
                            "at_least_once",
                            null,
                            total,
                            agents,
                            httpRequestsPerClient);
            rows.add(
                    row(
                            "agent-processor at_least_once, commit.interval.ms=30000 (default)",
                            total,
                            alos.rate,
                            alos.rate / raw,
                            alos.memory));
            ResultRows.add(
                    "agents: materialization at_least_once, commit 30 s (default)",
                    alos.rate,
                    "events/s",
                    rawLimit,
                    alos.rate / raw,
                    "",
                    null);
            HttpLatency http = alos.http;
            if (http != null) {
                String limit =
                        String.format(
                                java.util.Locale.ROOT,
                                "%.2f ms (empty route, same server and clients)",
                                http.pingP50());
                ResultRows.add(
                        "agents: HTTP GET /agents/{id} p50, " + HTTP_CLIENTS + " clients",
                        http.p50(),
                        "ms",
                        limit,
                        http.p50() / http.pingP50(),
                        "",
                        null);
                limit =
                        String.format(
                                java.util.Locale.ROOT,
                                "%.2f ms (empty route, same server and clients)",
                                http.pingP99());
                ResultRows.add(
                        "agents: HTTP GET /agents/{id} p99, " + HTTP_CLIENTS + " clients",
                        http.p99(),
                        "ms",
                        limit,
                        http.p99() / http.pingP99(),
                        "< 2 ms",
                        http.p99() < 2);
            }

            StringBuilder out = new StringBuilder();
            out.append(
                    "\n| what | events | events/s | ratio to raw | peak heap / RocksDB memory |\n|---|---:|---:|---:|---|\n");
            rows.forEach(r -> out.append(r).append('\n'));
            out.append("\nHTTP GET /agents/{id} on loopback, ")
                    .append(HTTP_CLIENTS)
                    .append(" concurrent clients: ")
                    .append(alos.http)
                    .append('\n');
            out.append("Settings: ")
                    .append(partitions)
                    .append(" partitions, ")
                    .append(agents)
                    .append(" agents x ")
                    .append(EVENTS_PER_AGENT)
                    .append(" events, 1 stream thread, broker ")
                    .append(kafka.kind())
                    .append(
                            " (embedded: in this JVM, and peak heap is the whole JVM's), JVM max heap ")
                    .append(Runtime.getRuntime().maxMemory() >> 20)
                    .append(" MiB, ")
                    .append(Runtime.getRuntime().availableProcessors())
                    .append(" cores\n");
            System.out.println(out); // the benchmark's report is its output, not a log line
        }
    }

    private record Measured(double rate, String memory, HttpLatency http) {}

    /**
     * Latency of the agent route and, as its raw limit, of an empty route on the same server with
     * the same clients.
     */
    private record HttpLatency(
            String text, double p50, double p99, double pingP50, double pingP99) {
        @Override
        public String toString() {
            return text;
        }
    }

    private static String row(String what, int events, double rate, double ratio, String memory) {
        return "| "
                + what
                + " | "
                + events
                + " | "
                + Math.round(rate)
                + " | "
                + (Double.isNaN(ratio) ? "-" : String.format("%.2f", ratio))
                + " | "
                + memory
                + " |";
    }

    /** ~10 events per agent: created, then prompts, flags, merge patches, deactivate/reactivate. */
    private static double produce(String bootstrap, TopicCatalogue catalogue, int agents)
            throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        org.apache.kafka.common.serialization.Serializer<AgentEvent> serializer =
                catalogue.agentEvents().valueSerde().serializer();
        String topic = catalogue.agentEvents().name();
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int round = 0; round < EVENTS_PER_AGENT; round++) {
                for (int a = 0; a < agents; a++) {
                    String id = agentId(a);
                    producer.send(
                            new ProducerRecord<>(
                                    topic, id, serializer.serialize(topic, event(id, round, a))));
                }
            }
            producer.flush();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return agents * (double) EVENTS_PER_AGENT / seconds;
    }

    private static AgentEvent event(String id, int round, int a) {
        return switch (round) {
            case 0 -> TestEvents.agentCreated(id, "Agent " + a);
            case 1 ->
                    TestEvents.promptSet(
                            id, "llmSystem", "You are agent " + a + ", precise and kind.");
            case 2 -> TestEvents.flagSet(id, "TTS_FLAG", true);
            case 3 ->
                    TestEvents.configChanged(
                            id,
                            "{\"database_config\":{\"conversation_modes\":{\"max_history_turns\":"
                                    + a % 100
                                    + "}}}");
            case 4 -> TestEvents.promptSet(id, "primeDirective", "Help with task " + a);
            case 5 -> TestEvents.deactivated(id);
            case 6 -> TestEvents.reactivated(id);
            case 7 -> TestEvents.flagSet(id, "EMBEDDING_FLAG", a % 2 == 0);
            case 8 ->
                    TestEvents.configChanged(
                            id,
                            "{\"model_config\":{\"largeLanguageModel\":{\"names\":[\"llama3\"]}}}");
            default -> TestEvents.promptSet(id, "llmBooster", "Think step by step.");
        };
    }

    private static String agentId(int a) {
        return String.format("agent-%06d", a);
    }

    private static double rawConsume(String bootstrap, String topic, int total) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long start = System.nanoTime();
            long count = 0;
            long bytes = 0;
            while (count < total) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                for (var r : records) {
                    bytes += r.value().length;
                }
                count += records.count();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            log.info("raw consumer: {} records, {} MiB in {} s", count, bytes >> 20, seconds);
            return count / seconds;
        }
    }

    private static Measured materialize(
            String bootstrap,
            TopicCatalogue catalogue,
            Path stateRoot,
            String guarantee,
            Long commitIntervalMs,
            int total,
            int agents,
            int httpRequestsPerClient)
            throws Exception {
        String application =
                catalogue.agentEvents().name().replace("agent-events", "")
                        + guarantee.replace('_', '-')
                        + "-"
                        + commitIntervalMs;
        int port = FreePorts.next();
        Map<String, Object> props = new HashMap<>();
        props.put(AgentProcessorConfig.BOOTSTRAP_SERVERS, bootstrap);
        props.put(
                AgentProcessorConfig.TOPIC_PREFIX,
                catalogue.agentEvents().name().replace("agent-events", ""));
        props.put(AgentProcessorConfig.TOPIC_PARTITIONS, catalogue.agentEvents().partitions());
        props.put(AgentProcessorConfig.APPLICATION_ID, application);
        props.put(AgentProcessorConfig.STATE_DIR, stateRoot.resolve(application).toString());
        if (commitIntervalMs != null) {
            props.put(AgentProcessorConfig.COMMIT_INTERVAL_MS, commitIntervalMs);
        }
        props.put(AgentProcessorConfig.HTTP_PORT, port);
        props.put(AgentProcessorConfig.PROCESSING_GUARANTEE, guarantee);
        props.put("streams." + StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "INFO");
        resetPeaks();
        long start = System.nanoTime();
        try (AgentProcessor processor = AgentProcessor.start(new AgentProcessorConfig(props))) {
            processor.awaitRunning(Duration.ofMinutes(2));
            long running = System.nanoTime();
            String rocksDb = "";
            // Done = every event applied: the stores hold each agent at its last version (not the
            // committed
            // offsets, which with at_least_once trail by up to a commit interval).
            int polls = 0;
            while (!allApplied(processor, agents)) {
                if (polls++ % 10 == 0) {
                    rocksDb = rocksDbMemory(processor.streams());
                }
                Thread.sleep(100);
            }
            long done = System.nanoTime();
            double rate = total / ((done - running) / 1e9);
            long heap = peakHeap();
            log.info(
                    "{}: {} events in {} s after RUNNING ({} s with start-up), {} ev/s",
                    guarantee,
                    total,
                    (done - running) / 1e9,
                    (done - start) / 1e9,
                    Math.round(rate));
            long stored =
                    processor.queries().localAgents(AgentViews.AgentFilter.all(), 0, 1).total();
            if (stored != agents) {
                throw new IllegalStateException(
                        "Expected " + agents + " agents in the store, found " + stored);
            }
            String memory = "heap " + (heap >> 20) + " MiB; " + rocksDb;
            HttpLatency http =
                    httpRequestsPerClient > 0
                            ? httpLatency(processor, port, agents, httpRequestsPerClient)
                            : null;
            return new Measured(rate, memory, http);
        }
    }

    /**
     * The last event of each agent is in the last round, so the last agent of that round at version
     * 10 means done per partition.
     */
    private static boolean allApplied(AgentProcessor processor, int agents) {
        for (int a = Math.max(0, agents - 50); a < agents; a++) {
            var agent = processor.queries().agent(agentId(a));
            if (agent.isEmpty() || agent.get().version() < EVENTS_PER_AGENT) {
                return false;
            }
        }
        return true;
    }

    /**
     * Memtables + block cache + table readers of every RocksDB instance, from the Streams metrics.
     */
    private static String rocksDbMemory(KafkaStreams streams) {
        double mem = 0;
        double cache = 0;
        double readers = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            Object value = e.getValue().metricValue();
            if (!(value instanceof Number n)) {
                continue;
            }
            switch (e.getKey().name()) {
                case "size-all-mem-tables" -> mem += n.doubleValue();
                case "block-cache-usage" -> cache += n.doubleValue();
                case "estimate-table-readers-mem" -> readers += n.doubleValue();
                default -> {}
            }
        }
        return String.format(
                "RocksDB memtables %.1f MiB, block cache %.1f MiB, table readers %.1f MiB",
                mem / (1 << 20), cache / (1 << 20), readers / (1 << 20));
    }

    private static HttpLatency httpLatency(
            AgentProcessor processor, int port, int agents, int perClient) throws Exception {
        Javalin http = Javalin.create(config -> config.showJavalinBanner = false);
        processor.registerRoutes(http);
        http.get("/bench/ping", ctx -> ctx.result("{}"));
        http.start("127.0.0.1", port);
        ExecutorService pool = Executors.newFixedThreadPool(HTTP_CLIENTS);
        try {
            runClients(
                    pool,
                    port,
                    agents,
                    Math.max(20, perClient / 5),
                    false); // warm-up: JIT, connections
            long start = System.nanoTime();
            long[] all = runClients(pool, port, agents, perClient, false);
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(all);
            long[] ping = runClients(pool, port, agents, perClient, true);
            Arrays.sort(ping);
            String text =
                    String.format(
                            "%d requests, %.0f req/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms"
                                    + "; empty route, same clients: p50 %.2f ms, p99 %.2f ms",
                            all.length,
                            all.length / seconds,
                            all[all.length / 2] / 1e6,
                            all[(int) (all.length * 0.99)] / 1e6,
                            all[(int) (all.length * 0.999)] / 1e6,
                            all[all.length - 1] / 1e6,
                            ping[ping.length / 2] / 1e6,
                            ping[(int) (ping.length * 0.99)] / 1e6);
            return new HttpLatency(
                    text,
                    all[all.length / 2] / 1e6,
                    all[(int) (all.length * 0.99)] / 1e6,
                    ping[ping.length / 2] / 1e6,
                    ping[(int) (ping.length * 0.99)] / 1e6);
        } finally {
            pool.shutdownNow();
            http.stop();
        }
    }

    private static long[] runClients(
            ExecutorService pool, int port, int agents, int perClient, boolean ping)
            throws Exception {
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < HTTP_CLIENTS; c++) {
            futures.add(
                    pool.submit(
                            () -> {
                                HttpClient client =
                                        HttpClient.newBuilder()
                                                .version(HttpClient.Version.HTTP_1_1)
                                                .build();
                                long[] latencies = new long[perClient];
                                for (int i = 0; i < perClient; i++) {
                                    String id =
                                            agentId(ThreadLocalRandom.current().nextInt(agents));
                                    String path = ping ? "/bench/ping" : "/agents/" + id;
                                    HttpRequest request =
                                            HttpRequest.newBuilder(
                                                            URI.create(
                                                                    "http://127.0.0.1:"
                                                                            + port
                                                                            + path))
                                                    .GET()
                                                    .build();
                                    long t = System.nanoTime();
                                    HttpResponse<String> response =
                                            client.send(
                                                    request, HttpResponse.BodyHandlers.ofString());
                                    latencies[i] = System.nanoTime() - t;
                                    if (response.statusCode() != 200) {
                                        throw new IllegalStateException(
                                                id
                                                        + ": "
                                                        + response.statusCode()
                                                        + " "
                                                        + response.body());
                                    }
                                }
                                return latencies;
                            }));
        }
        long[] all = new long[HTTP_CLIENTS * perClient];
        int i = 0;
        for (Future<long[]> f : futures) {
            long[] part = f.get();
            System.arraycopy(part, 0, all, i, part.length);
            i += part.length;
        }
        return all;
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    private static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed())
                .sum();
    }
}
