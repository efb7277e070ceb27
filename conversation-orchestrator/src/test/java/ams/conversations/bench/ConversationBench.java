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
import ams.events.conversation.MessageRole;
import ams.events.conversation.SpeakerPolicy;
import ams.events.conversation.Termination;
import ams.events.conversation.TurnRequested;
import ams.events.topics.Topic;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.TestEvents;
import ams.testkit.bench.ResultRows;
import ams.testkit.bench.ThreadCpu;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conversation orchestrator benchmark on one broker, in four parts, all in the same run:
 *
 * <ol>
 *   <li>the raw limit: one read_committed transactional hop (commit a one-record transaction, wait
 *       until a read_committed consumer sees it), p50/p99;
 *   <li>scripted (zero-latency) responder, a closed loop at N conversations in flight for each N
 *       given: a conversation that ends is replaced by a new one at once, so latency and throughput
 *       are measured apart (injecting everything at once makes the p50 N / throughput). Per N:
 *       turns/s, the turn cycle TurnRequested(k) -> TurnRequested(k+1) and its two hops p50/p99
 *       (HdrHistogram, from the events' envelope times), CPU microseconds per turn of the state
 *       machine's stream thread(s) and of the turn pool's threads (ThreadMXBean);
 *   <li>a batch: B conversations requested at once, wall time until the last ended;
 *   <li>the fake OpenAI server answering in 500 ms, for each cap C of model calls in flight: 4 C
 *       (or k C) conversations requested at once, wall time against the ideal turns x 500 ms / C.
 * </ol>
 *
 * Prints a markdown table and, for bench/run, result rows ({@link ResultRows}). Broker:
 * AMS_TEST_BOOTSTRAP if set, else one embedded in this JVM. Args: [inFlight=1,10,100,1000]
 * [turns=10] [batch=10000] [slowCaps=50,200] [slowTurns=5] [slowConversationsPerCap=4]; a batch or
 * list of 0 skips that part.
 */
public final class ConversationBench {

    private static final Logger log = LoggerFactory.getLogger(ConversationBench.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HIGHEST_MS = 3_600_000L;
    private static final int MIN_CONVERSATIONS_PER_PHASE =
            Integer.getInteger("ams.bench.minConversations", 100);

    /**
     * Topic and application names of this run: a broker shared by a whole bench/run keeps other
     * runs' topics and groups.
     */
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6) + "-";

    private ConversationBench() {}

    public static void main(String[] args) throws Exception {
        List<Integer> inFlight = list(args, 0, "1,10,100,1000");
        int turns = arg(args, 1, 10);
        int batch = arg(args, 2, 10000);
        List<Integer> slowCaps = list(args, 3, "50,200");
        int slowTurns = arg(args, 4, 5);
        int slowPerCap = arg(args, 5, 4);
        Path state = Files.createTempDirectory("conv-bench");
        List<String> rows = new ArrayList<>();
        try (KafkaCluster cluster = KafkaClusters.fromEnvironment()) {
            Histogram hop = transactionalHop(cluster, "bench-probe-" + RUN, 300);
            rows.add(
                    "| raw: one read_committed transactional hop (produce+commit -> consumer sees"
                            + " it) p50 / p99 | "
                            + hop.getValueAtPercentile(50)
                            + " ms / "
                            + hop.getValueAtPercentile(99)
                            + " ms |");
            ResultRows.add(
                    "conversations: raw read_committed transactional hop p50",
                    hop.getValueAtPercentile(50),
                    "ms");
            ResultRows.add(
                    "conversations: raw read_committed transactional hop p99",
                    hop.getValueAtPercentile(99),
                    "ms");
            scripted(cluster, state, inFlight, turns, batch, hop, rows);
            for (int cap : slowCaps) {
                if (cap > 0) {
                    withLatency(cluster, state, cap * slowPerCap, slowTurns, cap, rows);
                }
            }
        }
        StringBuilder table = new StringBuilder("\n| measure | value |\n|---|---|\n");
        rows.forEach(r -> table.append(r).append('\n'));
        log.info("Results{}", table);
        System.out.println(
                table); // the benchmark's output is the table itself, for bench/RESULTS.md
    }

    private static void scripted(
            KafkaCluster cluster,
            Path state,
            List<Integer> inFlight,
            int turns,
            int batch,
            Histogram hop,
            List<String> rows)
            throws Exception {
        Map<String, Object> config = config(cluster, state, "bench-scripted-" + RUN);
        try (ConversationOrchestrator o =
                ConversationOrchestrator.start(
                        new ConversationConfig(config), agents(), knowledge())) {
            Topic<String, ConversationEvent> topic = o.topics().conversationEvents();
            run(cluster, topic, "warmup-", 50, 200, turns, "scripted");
            long hopP50 = hop.getValueAtPercentile(50);
            long hopP99 = hop.getValueAtPercentile(99);
            for (int n : inFlight) {
                if (n <= 0) {
                    continue;
                }
                // At least 100 conversations (1,000 turns) per phase: a p50 of the 200 turns of 20
                // moved by +-10 ms between runs.
                int conversations = Math.max(MIN_CONVERSATIONS_PER_PHASE, 2 * n);
                long streamBefore = ThreadCpu.streamThreadNanos();
                long workersBefore = workerNanos();
                double commitsBefore = streamMetric(o, "commit-total");
                Phase p =
                        run(cluster, topic, "conv" + n + "-", n, conversations, turns, "scripted");
                double streamUs =
                        ThreadCpu.microsPerEvent(
                                streamBefore, ThreadCpu.streamThreadNanos(), p.turns());
                double workerUs = ThreadCpu.microsPerEvent(workersBefore, workerNanos(), p.turns());
                double commits = streamMetric(o, "commit-total") - commitsBefore;
                String label = "scripted, " + n + " in flight";
                rows.add(
                        "| "
                                + label
                                + ": conversations x turns | "
                                + conversations
                                + " x "
                                + turns
                                + " ("
                                + p.turns()
                                + " turns in "
                                + fmt(p.seconds())
                                + " s) |");
                rows.add("| " + label + ": **turns/s** | **" + fmt(p.turnsPerSecond()) + "** |");
                rows.add(
                        "| "
                                + label
                                + ": **turn cycle** TurnRequested(k) -> TurnRequested(k+1) p50 /"
                                + " p99 | **"
                                + p50p99(p.cycle())
                                + "** |");
                rows.add(
                        "| "
                                + label
                                + ": hop TurnRequested -> MessageAppended p50 / p99 | "
                                + p50p99(p.toMessage())
                                + " |");
                rows.add(
                        "| "
                                + label
                                + ": hop MessageAppended -> next TurnRequested p50 / p99 | "
                                + p50p99(p.toRequest())
                                + " |");
                rows.add(
                        "| "
                                + label
                                + ": of which MessageAppended forwarded -> visible to a"
                                + " read_committed reader (commit wait + commit + fetch) / visible"
                                + " -> next TurnRequested p50 / p99 | "
                                + p50p99(p.toVisible())
                                + " / "
                                + p50p99(p.visibleToRequest())
                                + " |");
                rows.add(
                        "| "
                                + label
                                + ": transactions committed by the state machine | "
                                + fmt(commits)
                                + " ("
                                + fmt(p.turns() / Math.max(1, commits))
                                + " turns per commit, commit latency avg "
                                + fmt(streamMetric(o, "commit-latency-avg"))
                                + " ms) |");
                rows.add(
                        "| "
                                + label
                                + ": CPU per turn, state machine stream thread / turn pool | "
                                + fmt(streamUs)
                                + " us / "
                                + fmt(workerUs)
                                + " us |");
                String name = "conversations: scripted, " + n + " in flight, ";
                boolean big = n >= 1000;
                ResultRows.add(
                        name + "turns/s",
                        p.turnsPerSecond(),
                        "turns/s",
                        "-",
                        Double.NaN,
                        big ? ">= 1,000 turns/s" : "",
                        big ? p.turnsPerSecond() >= 1000 : null);
                long cycle50 = p.cycle().getValueAtPercentile(50);
                boolean ten = n == 10;
                ResultRows.add(
                        name + "turn cycle p50",
                        cycle50,
                        "ms",
                        hopP50 + " ms (raw transactional hop p50)",
                        cycle50 / (double) Math.max(1, hopP50),
                        ten ? "<= 25 ms and <= 3x the raw hop" : "",
                        ten ? cycle50 <= 25 && cycle50 <= 3 * Math.max(1, hopP50) : null);
                ResultRows.add(
                        name + "turn cycle p99",
                        p.cycle().getValueAtPercentile(99),
                        "ms",
                        hopP99 + " ms (raw transactional hop p99)",
                        p.cycle().getValueAtPercentile(99) / (double) Math.max(1, hopP99),
                        "",
                        null);
                ResultRows.add(name + "state machine CPU per turn", streamUs, "us/turn");
                ResultRows.add(name + "turn pool CPU per turn", workerUs, "us/turn");
            }
            if (batch > 0) {
                Phase p = run(cluster, topic, "batch-", batch, batch, turns, "scripted");
                long heap = Runtime.getRuntime().maxMemory() >> 20;
                rows.add(
                        "| scripted batch: "
                                + batch
                                + " x "
                                + turns
                                + " requested at once, -Xmx "
                                + heap
                                + " MiB: **wall time** | **"
                                + fmt(p.seconds())
                                + " s** ("
                                + fmt(p.turnsPerSecond())
                                + " turns/s) |");
                ResultRows.add(
                        "conversations: scripted batch "
                                + batch
                                + " x "
                                + turns
                                + " at once, heap "
                                + heap
                                + " MiB: wall time",
                        p.seconds(),
                        "s",
                        "-",
                        Double.NaN,
                        "< 120 s",
                        p.seconds() < 120);
            }
        }
    }

    /** A stream-thread metric of the orchestrator's Streams client (summed over its threads). */
    private static double streamMetric(ConversationOrchestrator o, String name) {
        double sum = 0;
        for (var e : o.streams().metrics().entrySet()) {
            if (e.getKey().name().equals(name)
                    && e.getKey().group().equals("stream-thread-metrics")
                    && e.getValue().metricValue() instanceof Number n
                    && !Double.isNaN(n.doubleValue())) {
                sum += n.doubleValue();
            }
        }
        return sum;
    }

    private static long workerNanos() {
        // TurnPool's threads: conversation-<instance>-turn-<n>.
        return ThreadCpu.nanos(name -> name.startsWith("conversation-") && name.contains("-turn-"));
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
            Map<String, Object> config =
                    config(cluster, state, "bench-latency-" + concurrency + "-" + RUN);
            config.put(ConversationConfig.LLM_PROVIDER, "openai");
            config.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
            config.put(ConversationConfig.LLM_MAX_IN_FLIGHT, concurrency);
            // The turn pool as deployed (turns.max.in.flight's default), never below the cap: a
            // pool of cap + 8 threads left a permit idle while the thread that had just finished
            // its call prepared the next turn (56 ms per wave of 200 calls, quiet run 13:20 UTC).
            config.put(
                    ConversationConfig.TURNS_MAX_IN_FLIGHT,
                    Math.max(
                            (Integer)
                                    ConversationConfig.CONFIG
                                            .configKeys()
                                            .get(ConversationConfig.TURNS_MAX_IN_FLIGHT)
                                            .defaultValue,
                            concurrency + 8));
            try (ConversationOrchestrator o =
                    ConversationOrchestrator.start(
                            new ConversationConfig(config), agents(), knowledge())) {
                Topic<String, ConversationEvent> topic = o.topics().conversationEvents();
                // A warm-up as long as a wave of the run (cap conversations of 2 turns): without
                // it the run measured the JIT compiling the model client's path (process CPU per
                // call 5.2 ms cold against 3.4 warm, quiet runs of 2026-12-05).
                run(cluster, topic, "warmup-", concurrency, concurrency, 2, null);
                int before = fake.chatRequests().size();
                long answerNanosBefore = fake.chatAnswerNanos();
                long cpuBefore = ThreadCpu.processNanos();
                long turnPoolBefore = workerNanos();
                Map<String, Long> groupsBefore = ThreadCpu.byThreadGroup();
                long t0 = System.nanoTime();
                Phase p = run(cluster, topic, "conv-", conversations, conversations, turns, null);
                List<Long> arrivals = fake.chatRequestNanos();
                arrivals = arrivals.subList(before, arrivals.size());
                double seconds = p.seconds();
                double ideal = conversations * (double) turns * 0.5 / concurrency;
                String label = "500 ms model, " + concurrency + " in flight";
                rows.add(
                        "| "
                                + label
                                + ": conversations x turns requested at once | "
                                + conversations
                                + " x "
                                + turns
                                + " ("
                                + (fake.chatRequests().size() - before)
                                + " model calls) |");
                rows.add(
                        "| "
                                + label
                                + ": wall time vs ideal turns x 500 ms / in flight | "
                                + fmt(seconds)
                                + " s vs "
                                + fmt(ideal)
                                + " s, **ratio "
                                + fmt(seconds / ideal)
                                + "** |");
                long calls = arrivals.size();
                double processUs =
                        (ThreadCpu.processNanos() - cpuBefore) / 1e3 / Math.max(1, calls);
                Map<String, Long> groupsAfter = ThreadCpu.byThreadGroup();
                StringBuilder groups = new StringBuilder();
                groupsAfter.entrySet().stream()
                        .map(
                                e ->
                                        Map.entry(
                                                e.getKey(),
                                                e.getValue()
                                                        - groupsBefore.getOrDefault(
                                                                e.getKey(), 0L)))
                        .filter(e -> e.getValue() > 0)
                        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                        .limit(8)
                        .forEach(
                                e ->
                                        groups.append(e.getKey())
                                                .append(' ')
                                                .append(
                                                        fmt(
                                                                e.getValue()
                                                                        / 1e3
                                                                        / Math.max(1, calls)))
                                                .append(" us; "));
                rows.add("| " + label + ": CPU per model call by thread group | " + groups + " |");
                double turnPoolUs = (workerNanos() - turnPoolBefore) / 1e3 / Math.max(1, calls);
                rows.add(
                        "| "
                                + label
                                + ": CPU per model call, this JVM (orchestrator, fake model server,"
                                + " bench reader) / of which the turn pool | "
                                + fmt(processUs)
                                + " us / "
                                + fmt(turnPoolUs)
                                + " us |");
                double inServer = (fake.chatAnswerNanos() - answerNanosBefore) / 1e9;
                rows.add(
                        "| "
                                + label
                                + ": mean time of a call in the model server / places of the cap"
                                + " busy in it (its calls' time / (cap x wall time)) | "
                                + fmt(inServer * 1000 / Math.max(1, calls))
                                + " ms / "
                                + fmt(inServer / (concurrency * seconds))
                                + " |");
                if (arrivals.size() > concurrency) {
                    long first = arrivals.stream().mapToLong(Long::longValue).min().orElseThrow();
                    long last = arrivals.stream().mapToLong(Long::longValue).max().orElseThrow();
                    double waves = arrivals.size() / (double) concurrency;
                    rows.add(
                            "| "
                                    + label
                                    + ": first model call after / per wave of calls beyond 500 ms"
                                    + " / last call answered to the end | "
                                    + fmt((first - t0) / 1e6)
                                    + " ms / "
                                    + fmt(((last - first) / 1e6 - (waves - 1) * 500) / (waves - 1))
                                    + " ms / "
                                    + fmt((t0 + p.nanos() - last) / 1e6 - 500)
                                    + " ms |");
                }
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
                        "<= 1.1x ideal",
                        seconds / ideal <= 1.1);
            }
        }
    }

    /** What one closed-loop phase measured. */
    private record Phase(
            long nanos,
            long turns,
            Histogram cycle,
            Histogram toMessage,
            Histogram toRequest,
            Histogram toVisible,
            Histogram visibleToRequest) {
        double seconds() {
            return nanos / 1e9;
        }

        double turnsPerSecond() {
            return turns / seconds();
        }
    }

    /**
     * Keeps {@code inFlight} conversations running until {@code total} have ended: each one that
     * ends is replaced by a new one at once. The hops are measured between the events' envelope
     * times (set by their writers), read back read_committed as any reader sees them.
     */
    private static Phase run(
            KafkaCluster cluster,
            Topic<String, ConversationEvent> topic,
            String prefix,
            int inFlight,
            int total,
            int turns,
            String provider) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        Properties p = producerProps(cluster);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        Histogram cycle = new Histogram(HIGHEST_MS, 3);
        Histogram toMessage = new Histogram(HIGHEST_MS, 3);
        Histogram toRequest = new Histogram(HIGHEST_MS, 3);
        Histogram toVisible = new Histogram(HIGHEST_MS, 3);
        Histogram visibleToRequest = new Histogram(HIGHEST_MS, 3);
        try (KafkaConsumer<String, ConversationEvent> consumer =
                        new KafkaConsumer<>(
                                c, new StringDeserializer(), topic.valueSerde().deserializer());
                KafkaProducer<String, ConversationEvent> producer =
                        new KafkaProducer<>(
                                p, new StringSerializer(), topic.valueSerde().serializer())) {
            List<TopicPartition> parts =
                    consumer.partitionsFor(topic.name()).stream()
                            .map(tp -> new TopicPartition(topic.name(), tp.partition()))
                            .toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            String run = prefix + UUID.randomUUID().toString().substring(0, 6) + "-";
            Map<String, long[]> lastRequest = new HashMap<>(); // id -> {turn, at}
            Map<String, long[]> lastMessage = new HashMap<>();
            long started = System.nanoTime();
            int sent = 0;
            for (; sent < Math.min(inFlight, total); sent++) {
                request(producer, topic, run + sent, sent, turns, provider);
            }
            producer.flush();
            int ended = 0;
            long answered = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (ended < total) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "Only "
                                    + ended
                                    + " of "
                                    + total
                                    + " conversations ended in 10 minutes");
                }
                boolean refilled = false;
                for (ConsumerRecord<String, ConversationEvent> r :
                        consumer.poll(Duration.ofMillis(5))) {
                    if (!r.key().startsWith(run)) {
                        continue;
                    }
                    Object payload = r.value().getPayload();
                    long at = r.value().getEnvelope().getOccurredAt().toEpochMilli();
                    long seen = System.currentTimeMillis();
                    if (payload instanceof TurnRequested t) {
                        long[] before = lastRequest.get(r.key());
                        if (before != null && before[0] == t.getTurnNumber() - 1) {
                            cycle.recordValue(Math.max(0, at - before[1]));
                        }
                        long[] m = lastMessage.get(r.key());
                        if (m != null && m[0] == t.getTurnNumber() - 1) {
                            toRequest.recordValue(Math.max(0, at - m[1]));
                            visibleToRequest.recordValue(Math.max(0, at - m[2]));
                        }
                        lastRequest.put(r.key(), new long[] {t.getTurnNumber(), at});
                    } else if (payload instanceof MessageAppended m
                            && m.getRole() == MessageRole.ASSISTANT) {
                        answered++;
                        long[] req = lastRequest.get(r.key());
                        if (req != null && req[0] == m.getTurnNumber()) {
                            toMessage.recordValue(Math.max(0, at - req[1]));
                        }
                        toVisible.recordValue(Math.max(0, seen - at));
                        lastMessage.put(r.key(), new long[] {m.getTurnNumber(), at, seen});
                    } else if (payload instanceof ConversationCompleted
                            || payload instanceof ConversationFailed) {
                        ended++;
                        lastRequest.remove(r.key());
                        lastMessage.remove(r.key());
                        if (sent < total) {
                            request(producer, topic, run + sent, sent, turns, provider);
                            sent++;
                            refilled = true;
                        }
                    }
                }
                if (refilled) {
                    producer.flush();
                }
            }
            return new Phase(
                    System.nanoTime() - started,
                    answered,
                    cycle,
                    toMessage,
                    toRequest,
                    toVisible,
                    visibleToRequest);
        }
    }

    // In a benchmark a failed send shows as a conversation that never ends.
    @SuppressWarnings("FutureReturnValueIgnored")
    private static void request(
            KafkaProducer<String, ConversationEvent> producer,
            Topic<String, ConversationEvent> topic,
            String id,
            int i,
            int turns,
            String provider) {
        ConversationRequested request =
                ConversationRequested.newBuilder()
                        .setParticipants(List.of("a", "b", "c"))
                        .setTopic("benchmark topic " + i)
                        .setMaxTurns(turns)
                        .setSpeakerPolicy(SpeakerPolicy.ROUND_ROBIN)
                        .setGeneration(
                                GenerationParameters.newBuilder().setProvider(provider).build())
                        .setSeed((long) i)
                        .setTermination(Termination.newBuilder().build())
                        .build();
        producer.send(
                new ProducerRecord<>(topic.name(), id, TestEvents.conversationEvent(id, request)));
    }

    private static String p50p99(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "n/a";
        }
        return h.getValueAtPercentile(50)
                + " ms / "
                + h.getValueAtPercentile(99)
                + " ms (n="
                + h.getTotalCount()
                + ")";
    }

    /**
     * The floor of one hop: commit a one-record transaction, wait until a read_committed consumer
     * sees it.
     */
    private static Histogram transactionalHop(KafkaCluster cluster, String topic, int rounds)
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
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        Histogram hops = new Histogram(HIGHEST_MS, 3);
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
                if (i >= 20) { // the first rounds warm the clients up
                    hops.recordValue((System.nanoTime() - start) / 1_000_000);
                }
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
        c.put(ConversationConfig.TURNS_MAX_IN_FLIGHT, 4);
        // -Dams.<key>=<value> overrides any ConversationConfig key, e.g.
        // -Dams.commit.interval.ms=100.
        System.getProperties()
                .forEach(
                        (k, v) -> {
                            String key = k.toString();
                            if (key.startsWith("ams.")
                                    && !key.startsWith("ams.bench.")
                                    && !key.startsWith("ams.broker.")) {
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
                                id.toUpperCase(Locale.ROOT),
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

    private static List<Integer> list(String[] args, int i, String fallback) {
        return Arrays.stream((args.length > i ? args[i] : fallback).split(","))
                .map(String::trim)
                .map(Integer::parseInt)
                .toList();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
