package ams.conversations.bench;

import ams.conversations.AgentDirectory;
import ams.conversations.AgentProfile;
import ams.conversations.ConversationConfig;
import ams.conversations.ConversationOrchestrator;
import ams.conversations.KnowledgeSearch;
import ams.events.GenerationParameters;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.SpeakerPolicy;
import ams.events.conversation.Termination;
import ams.events.conversation.TurnRequested;
import ams.events.topics.Topic;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.TestEvents;
import ams.testkit.bench.ResultRows;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conversation orchestrator benchmark on an embedded broker. Part 1: scripted provider, N
 * conversations x T turns: turns/s and the per-turn event hops (TurnRequested -> MessageAppended ->
 * next TurnRequested), next to the raw limits measured in the same run (a plain consumer reading
 * the same topic; one read_committed transactional hop). Part 2: the fake OpenAI server answering
 * in 500 ms, M conversations at a cap of C calls in flight, against the ideal turns x 500 ms / C.
 * Prints a markdown table and, for bench/run, result rows ({@link ResultRows}). Broker:
 * AMS_TEST_BOOTSTRAP if set, else one embedded in this JVM. Args: [conversations=1000] [turns=10]
 * [latencyConversations=200] [concurrency=50] [latencyTurns=5]
 */
public final class ConversationBench {

    private static final Logger log = LoggerFactory.getLogger(ConversationBench.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Topic and application names of this run: a broker shared by a whole bench/run keeps other
     * runs' topics and groups.
     */
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6) + "-";

    private ConversationBench() {}

    public static void main(String[] args) throws Exception {
        int conversations = arg(args, 0, 1000);
        int turns = arg(args, 1, 10);
        int latencyConversations = arg(args, 2, 200);
        int concurrency = arg(args, 3, 50);
        int latencyTurns = arg(args, 4, 5);
        Path state = Files.createTempDirectory("conv-bench");
        List<String> rows = new ArrayList<>();
        try (KafkaCluster cluster = KafkaClusters.fromEnvironment()) {
            scripted(cluster, state, conversations, turns, rows);
            withLatency(cluster, state, latencyConversations, latencyTurns, concurrency, rows);
        }
        StringBuilder table = new StringBuilder("\n| measure | value |\n|---|---|\n");
        rows.forEach(r -> table.append(r).append('\n'));
        log.info("Results{}", table);
        System.out.println(
                table); // the benchmark's output is the table itself, for bench/RESULTS.md
    }

    private static void scripted(
            KafkaCluster cluster, Path state, int conversations, int turns, List<String> rows)
            throws Exception {
        Map<String, Object> config = config(cluster, state, "bench-scripted-" + RUN);
        try (ConversationOrchestrator o =
                ConversationOrchestrator.start(
                        new ConversationConfig(config), agents(), knowledge())) {
            Topic<String, ConversationEvent> topic = o.topics().conversationEvents();
            runAndWait(cluster, topic, "warmup-", 3, 3, "scripted");
            long started = System.nanoTime();
            long done = runAndWait(cluster, topic, "conv-", conversations, turns, "scripted");
            double seconds = (done - started) / 1e9;
            StringBuilder metrics = new StringBuilder();
            o.streams()
                    .metrics()
                    .forEach(
                            (name, metric) -> {
                                if (name.group().equals("stream-thread-metrics")
                                        && List.of(
                                                        "commit-latency-avg",
                                                        "commit-rate",
                                                        "poll-records-avg",
                                                        "process-records-avg",
                                                        "poll-latency-avg",
                                                        "process-latency-avg",
                                                        "punctuate-latency-avg",
                                                        "poll-ratio",
                                                        "process-ratio",
                                                        "commit-ratio",
                                                        "punctuate-ratio",
                                                        "blocked-time-ns-total")
                                                .contains(name.name())) {
                                    metrics.append(name.name())
                                            .append('=')
                                            .append(metric.metricValue())
                                            .append(' ');
                                }
                            });
            rows.add("| scripted: Streams thread metrics | " + metrics.toString().trim() + " |");
            List<ConversationEvent> log = readAll(cluster, topic);
            Hops hops = hops(log, "conv-");
            long rawStart = System.nanoTime();
            int raw = readRaw(cluster, topic.name());
            double rawSeconds = (System.nanoTime() - rawStart) / 1e9;
            List<Long> txnHop = transactionalHop(cluster, topic.name() + "-probe", 300);
            rows.add("| scripted: conversations x turns | " + conversations + " x " + turns + " |");
            rows.add("| scripted: wall time | " + fmt(seconds) + " s |");
            rows.add(
                    "| scripted: **turns/s** | **"
                            + fmt(conversations * (double) turns / seconds)
                            + "** |");
            rows.add(
                    "| scripted: events on the topic | "
                            + log.size()
                            + " ("
                            + fmt(log.size() / seconds)
                            + " events/s written and read) |");
            rows.add(
                    "| scripted: hop TurnRequested -> MessageAppended p50 / p99 | "
                            + hops.requestToMessage()
                            + " |");
            rows.add(
                    "| scripted: hop MessageAppended -> next TurnRequested p50 / p99 | "
                            + hops.messageToRequest()
                            + " |");
            rows.add(
                    "| scripted: **turn cycle** TurnRequested(k) -> TurnRequested(k+1) p50 / p99 | **"
                            + hops.cycle()
                            + "** |");
            rows.add(
                    "| raw: plain consumer reading the same topic | "
                            + fmt(raw / rawSeconds)
                            + " records/s ("
                            + raw
                            + " records) |");
            rows.add(
                    "| raw: one read_committed transactional hop (produce+commit -> consumer sees it) p50 / p99 | "
                            + percentiles(txnHop)
                            + " |");
            double turnsPerSecond = conversations * (double) turns / seconds;
            double rawRate = raw / rawSeconds;
            ResultRows.add(
                    "conversations: raw consumer (bytes, read_committed), the run's topic",
                    rawRate,
                    "records/s");
            ResultRows.add(
                    "conversations: raw read_committed transactional hop p50",
                    percentile(txnHop, 0.5),
                    "ms");
            ResultRows.add(
                    "conversations: scripted (offline stand-in) turns/s, "
                            + conversations
                            + " x "
                            + turns,
                    turnsPerSecond,
                    "turns/s",
                    "-",
                    Double.NaN,
                    ">= 1,000 turns/s",
                    turnsPerSecond >= 1000);
            ResultRows.add(
                    "conversations: scripted, events written and read",
                    log.size() / seconds,
                    "events/s",
                    String.format(java.util.Locale.ROOT, "%,.0f records/s (raw consumer)", rawRate),
                    log.size() / seconds / rawRate,
                    "",
                    null);
            String hopLimit = percentile(txnHop, 0.5) + " ms (raw transactional hop p50)";
            ResultRows.add(
                    "conversations: scripted turn cycle p50",
                    hops.cycleP50(),
                    "ms",
                    hopLimit,
                    hops.cycleP50() / (double) Math.max(1, percentile(txnHop, 0.5)),
                    "<= 25 ms",
                    hops.cycleP50() <= 25);
            ResultRows.add(
                    "conversations: scripted turn cycle p99",
                    hops.cycleP99(),
                    "ms",
                    percentile(txnHop, 0.99) + " ms (raw transactional hop p99)",
                    hops.cycleP99() / (double) Math.max(1, percentile(txnHop, 0.99)),
                    "",
                    null);
        }
    }

    private static void withLatency(
            KafkaCluster cluster,
            Path state,
            int conversations,
            int turns,
            int concurrency,
            List<String> rows)
            throws Exception {
        try (FakeOpenAiServer fake =
                FakeOpenAiServer.start()
                        .respondWith(
                                r ->
                                        Reply.text("A considered answer.")
                                                .after(Duration.ofMillis(500)))) {
            Map<String, Object> config = config(cluster, state, "bench-latency-" + RUN);
            config.put(ConversationConfig.LLM_PROVIDER, "openai");
            config.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
            config.put(ConversationConfig.LLM_MAX_IN_FLIGHT, concurrency);
            config.put(ConversationConfig.WORKER_THREADS, concurrency + 8);
            try (ConversationOrchestrator o =
                    ConversationOrchestrator.start(
                            new ConversationConfig(config), agents(), knowledge())) {
                Topic<String, ConversationEvent> topic = o.topics().conversationEvents();
                runAndWait(cluster, topic, "warmup-", 2, 2, null);
                int before = fake.chatRequests().size();
                long started = System.nanoTime();
                long done = runAndWait(cluster, topic, "conv-", conversations, turns, null);
                double seconds = (done - started) / 1e9;
                double ideal = conversations * (double) turns * 0.5 / concurrency;
                rows.add(
                        "| 500 ms model: conversations x turns, calls in flight | "
                                + conversations
                                + " x "
                                + turns
                                + ", "
                                + concurrency
                                + " |");
                rows.add(
                        "| 500 ms model: model calls | "
                                + (fake.chatRequests().size() - before)
                                + " |");
                rows.add(
                        "| 500 ms model: wall time vs ideal turns x 500 ms / concurrency | "
                                + fmt(seconds)
                                + " s vs "
                                + fmt(ideal)
                                + " s, **ratio "
                                + fmt(seconds / ideal)
                                + "** |");
                ResultRows.add(
                        "conversations: fake OpenAI at 500 ms/call, "
                                + conversations
                                + " x "
                                + turns
                                + ", "
                                + concurrency
                                + " in flight: wall time",
                        seconds,
                        "s",
                        fmt(ideal) + " s (ideal: turns x 500 ms / in flight)",
                        seconds / ideal,
                        "",
                        null);
            }
        }
    }

    /** Sends the conversations and returns System.nanoTime() when the last one ended. */
    private static long runAndWait(
            KafkaCluster cluster,
            Topic<String, ConversationEvent> topic,
            String prefix,
            int count,
            int turns,
            String provider) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        try (KafkaConsumer<String, ConversationEvent> consumer =
                        new KafkaConsumer<>(
                                c, new StringDeserializer(), topic.valueSerde().deserializer());
                KafkaProducer<String, ConversationEvent> producer =
                        new KafkaProducer<>(
                                producerProps(cluster),
                                new StringSerializer(),
                                topic.valueSerde().serializer())) {
            List<TopicPartition> parts =
                    consumer.partitionsFor(topic.name()).stream()
                            .map(p -> new TopicPartition(topic.name(), p.partition()))
                            .toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            String run = prefix + UUID.randomUUID().toString().substring(0, 6) + "-";
            for (int i = 0; i < count; i++) {
                String id = run + i;
                ConversationRequested request =
                        ConversationRequested.newBuilder()
                                .setParticipants(List.of("a", "b", "c"))
                                .setTopic("benchmark topic " + i)
                                .setMaxTurns(turns)
                                .setSpeakerPolicy(SpeakerPolicy.ROUND_ROBIN)
                                .setGeneration(
                                        GenerationParameters.newBuilder()
                                                .setProvider(provider)
                                                .build())
                                .setSeed((long) i)
                                .setTermination(Termination.newBuilder().build())
                                .build();
                producer.send(
                        new ProducerRecord<>(
                                topic.name(), id, TestEvents.conversationEvent(id, request)));
            }
            producer.flush();
            int ended = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (ended < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "Only "
                                    + ended
                                    + " of "
                                    + count
                                    + " conversations ended in 10 minutes");
                }
                for (ConsumerRecord<String, ConversationEvent> r :
                        consumer.poll(Duration.ofMillis(50))) {
                    Object p = r.value().getPayload();
                    if (r.key().startsWith(run)
                            && (p instanceof ConversationCompleted
                                    || p instanceof ConversationFailed)) {
                        ended++;
                    }
                }
            }
            return System.nanoTime();
        }
    }

    private record Hops(
            String requestToMessage,
            String messageToRequest,
            String cycle,
            long cycleP50,
            long cycleP99) {}

    private static Hops hops(List<ConversationEvent> log, String prefix) {
        Map<String, Long> requested = new HashMap<>();
        Map<String, Long> appended = new HashMap<>();
        for (ConversationEvent e : log) {
            if (!e.getConversationId().startsWith(prefix)) {
                continue;
            }
            long at = e.getEnvelope().getOccurredAt().toEpochMilli();
            if (e.getPayload() instanceof TurnRequested t) {
                requested.put(e.getConversationId() + "#" + t.getTurnNumber(), at);
            } else if (e.getPayload() instanceof MessageAppended m) {
                appended.put(e.getConversationId() + "#" + m.getTurnNumber(), at);
            }
        }
        List<Long> toMessage = new ArrayList<>();
        List<Long> toRequest = new ArrayList<>();
        List<Long> cycle = new ArrayList<>();
        for (Map.Entry<String, Long> r : requested.entrySet()) {
            Long m = appended.get(r.getKey());
            if (m == null) {
                continue;
            }
            toMessage.add(m - r.getValue());
            int hash = r.getKey().lastIndexOf('#');
            String next =
                    r.getKey().substring(0, hash + 1)
                            + (Integer.parseInt(r.getKey().substring(hash + 1)) + 1);
            Long n = requested.get(next);
            if (n != null) {
                toRequest.add(n - m);
                cycle.add(n - r.getValue());
            }
        }
        return new Hops(
                percentiles(toMessage),
                percentiles(toRequest),
                percentiles(cycle),
                percentile(cycle, 0.5),
                percentile(cycle, 0.99));
    }

    private static long percentile(List<Long> values, double q) {
        if (values.isEmpty()) {
            return -1;
        }
        long[] v = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(v);
        return v[Math.min(v.length - 1, (int) (v.length * q))];
    }

    private static String percentiles(List<Long> values) {
        if (values.isEmpty()) {
            return "n/a";
        }
        long[] v = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(v);
        return v[(int) (v.length * 0.50)]
                + " ms / "
                + v[Math.min(v.length - 1, (int) (v.length * 0.99))]
                + " ms (n="
                + v.length
                + ")";
    }

    private static List<ConversationEvent> readAll(
            KafkaCluster cluster, Topic<String, ConversationEvent> topic) {
        List<ConversationEvent> out = new ArrayList<>();
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, ConversationEvent> consumer =
                new KafkaConsumer<>(
                        c, new StringDeserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> parts =
                    consumer.partitionsFor(topic.name()).stream()
                            .map(p -> new TopicPartition(topic.name(), p.partition()))
                            .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }

    /** The raw limit: a plain consumer reading the same topic as bytes, no decoding. */
    private static int readRaw(KafkaCluster cluster, String topic) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        int count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                count += consumer.poll(Duration.ofMillis(100)).count();
            }
        }
        return count;
    }

    /**
     * The floor of one hop: commit a one-record transaction, wait until a read_committed consumer
     * sees it.
     */
    private static List<Long> transactionalHop(KafkaCluster cluster, String topic, int rounds)
            throws Exception {
        try (var admin =
                org.apache.kafka.clients.admin.Admin.create(
                        Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            admin.createTopics(
                            List.of(
                                    new org.apache.kafka.clients.admin.NewTopic(
                                            topic, 1, (short) 1)))
                    .all()
                    .get();
        }
        Properties p = producerProps(cluster);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-probe-" + UUID.randomUUID());
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        List<Long> hops = new ArrayList<>();
        try (KafkaProducer<String, String> producer =
                        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
                KafkaConsumer<String, String> consumer =
                        new KafkaConsumer<>(
                                c, new StringDeserializer(), new StringDeserializer())) {
            producer.initTransactions();
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            for (int i = 0; i < rounds; i++) {
                long start = System.nanoTime();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "k", "v" + i));
                producer.commitTransaction();
                int seen = 0;
                while (seen == 0) {
                    seen = consumer.poll(Duration.ofMillis(5)).count();
                }
                hops.add((System.nanoTime() - start) / 1_000_000);
            }
        }
        return hops;
    }

    private static Properties producerProps(KafkaCluster cluster) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return p;
    }

    private static Map<String, Object> config(KafkaCluster cluster, Path state, String prefix) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConversationConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
        c.put(ConversationConfig.TOPIC_PREFIX, prefix);
        c.put(ConversationConfig.APPLICATION_ID, prefix + "orchestrator");
        c.put(ConversationConfig.STATE_DIR, state.resolve(prefix).toString());
        c.put(ConversationConfig.HTTP_PORT, 18083);
        c.put(ConversationConfig.LLM_MAX_IN_FLIGHT, 64);
        c.put(ConversationConfig.WORKER_THREADS, 4);
        // -Dams.<key>=<value> overrides any ConversationConfig key, e.g.
        // -Dams.commit.interval.ms=100.
        System.getProperties()
                .forEach(
                        (k, v) -> {
                            if (k.toString().startsWith("ams.")) {
                                c.put(k.toString().substring(4), v.toString());
                            }
                        });
        return c;
    }

    private static AgentDirectory agents() {
        Map<String, AgentProfile> agents = new HashMap<>();
        for (String id : List.of("a", "b", "c")) {
            try {
                agents.put(
                        id,
                        new AgentProfile(
                                id,
                                id.toUpperCase(java.util.Locale.ROOT),
                                JSON.readTree(TestEvents.minimalConfig(id))));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return id -> Optional.ofNullable(agents.get(id));
    }

    private static KnowledgeSearch knowledge() {
        List<KnowledgeSearch.Hit> hits =
                List.of(
                        new KnowledgeSearch.Hit(
                                "doc-1", "Ordering", "Kafka orders events per partition.", 0.9));
        return (agentId, query, k) -> hits;
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.2f", v);
    }
}
