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
import ams.testkit.bench.ThreadCpu;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Materialization throughput of the agent processor (exactly_once_v2 and at_least_once) against the
 * raw limit (a plain consumer reading the same topic). Prints a markdown table and, for bench/run,
 * result rows ({@link ResultRows}). Broker: AMS_TEST_BOOTSTRAP if set, else one embedded in this
 * JVM. Arguments: events (default 1,000,000), partitions (2). Query latency is {@link
 * AgentQueryBench}'s (the 32 closed-loop clients this benchmark once ran in the server's JVM
 * measured its own threads' queueing more than the route).
 */
public final class AgentProcessorBench {

    private static final Logger log = LoggerFactory.getLogger(AgentProcessorBench.class);
    private static final int EVENTS_PER_AGENT = 10;

    /** Each measured run is its own Streams application (own group, offsets and state). */
    private static final java.util.concurrent.atomic.AtomicInteger RUNS =
            new java.util.concurrent.atomic.AtomicInteger();

    /**
     * For comparing two builds quickly ({@code -Dams.bench.focus=true}): only the raw consumer, the
     * plain aggregates and the exactly-once materialization in both orders. Not for figures of
     * record: bench/run never sets it.
     */
    private static final boolean FOCUS = Boolean.getBoolean("ams.bench.focus");

    /**
     * Kafka Streams settings to try on the processor under test, e.g. {@code
     * -Dams.bench.streams.producer.compression.type=lz4}: each {@code ams.bench.streams.X} system
     * property becomes the processor's {@code streams.X} (its passthrough to Kafka Streams). The
     * anchors do not get them.
     */
    private static final String STREAMS_OVERRIDE = "ams.bench.streams.";

    /** The plain aggregate's commit interval: the agent processor's exactly-once default. */
    private static final long ANCHOR_COMMIT_INTERVAL_MS = 1_000L;

    private AgentProcessorBench() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int agents = Math.max(1, events / EVENTS_PER_AGENT);
        int total = agents * EVENTS_PER_AGENT;
        List<String> rows = new ArrayList<>();
        // A broker shared by a whole bench/run keeps other benchmarks' topics and groups: use our
        // own names.
        String run = "bench-agents-" + UUID.randomUUID().toString().substring(0, 6);
        try (KafkaCluster kafka = KafkaClusters.fromEnvironment()) {
            String bootstrap = kafka.bootstrapServers();
            // The same events in two orders, each on its own topics: round-robin across agents
            // (every event meets a cold agent) and each agent's events together (hot agents).
            TopicCatalogue catalogue = new TopicCatalogue(run + ".", partitions, (short) 1);
            TopicCatalogue grouped = new TopicCatalogue(run + "-grouped.", partitions, (short) 1);
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                TopicProvisioner provisioner = new TopicProvisioner(admin, 30_000);
                provisioner.provision(catalogue);
                provisioner.provision(grouped);
            }
            double produceRate = produce(bootstrap, catalogue, agents, false);
            produce(bootstrap, grouped, agents, true);
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

            double raw = rawConsume(bootstrap, catalogue.agentEvents().name(), total);
            rows.add(row("raw KafkaConsumer, bytes only", total, raw, 1.0, "-"));
            ResultRows.add("agents: raw consumer (bytes), same events", raw, "events/s");
            String rawLimit = ResultRows.number(raw) + " events/s (raw consumer)";

            if (!FOCUS) {
                Measured copy = rawEosCopy(bootstrap, catalogue.agentEvents().name(), total);
                rows.add(
                        row(
                                "raw EOS copy (transactional consume-produce)",
                                total,
                                copy.rate,
                                copy.rate / raw,
                                copy.memory));
                ResultRows.add(
                        "agents: raw EOS copy (read_committed consume, transactional produce, one record per event)",
                        copy.rate,
                        "events/s",
                        rawLimit,
                        copy.rate / raw,
                        "",
                        null);
                ResultRows.add(
                        "agents: raw EOS copy, CPU per event (loop thread)",
                        copy.cpuMicros,
                        "us/event");
            }

            Path stateRoot = Files.createTempDirectory("ams-agent-bench-");
            // Warm-up, not measured: the first run of a JVM pays for JIT compilation, which would
            // count against whichever configuration happens to run first.
            plainAggregate(bootstrap, catalogue.agentEvents().name(), stateRoot, total);
            materialize(bootstrap, catalogue, stateRoot, "exactly_once_v2", null, total, agents);
            for (TopicCatalogue topics : List.of(catalogue, grouped)) {
                String order = topics == catalogue ? "round-robin order" : "agent-grouped order";
                Measured plain =
                        plainAggregate(bootstrap, topics.agentEvents().name(), stateRoot, total);
                rows.add(
                        row(
                                "plain Streams EOS aggregate (latest event per key), " + order,
                                total,
                                plain.rate,
                                plain.rate / raw,
                                plain.memory));
                ResultRows.add(
                        "agents: plain Streams aggregate exactly_once_v2, commit 1 s (latest event per key), "
                                + order,
                        plain.rate,
                        "events/s",
                        rawLimit,
                        plain.rate / raw,
                        "",
                        null);
                ResultRows.add(
                        "agents: plain Streams aggregate, stream-thread CPU per event, " + order,
                        plain.cpuMicros,
                        "us/event");
                Measured eos =
                        materialize(
                                bootstrap,
                                topics,
                                stateRoot,
                                "exactly_once_v2",
                                null,
                                total,
                                agents);
                rows.add(
                        row(
                                "agent-processor exactly_once_v2, commit.interval.ms=1000 (default), "
                                        + order,
                                total,
                                eos.rate,
                                eos.rate / raw,
                                eos.memory));
                String plainLimit =
                        ResultRows.number(plain.rate) + " events/s (plain Streams EOS aggregate)";
                ResultRows.add(
                        "agents: materialization exactly_once_v2, commit 1 s (default), " + order,
                        eos.rate,
                        "events/s",
                        plainLimit,
                        eos.rate / plain.rate,
                        ">= 0.8x plain aggregate",
                        eos.rate / plain.rate >= 0.8);
                ResultRows.add(
                        "agents: materialization exactly_once_v2, stream-thread CPU per event, "
                                + order,
                        eos.cpuMicros,
                        "us/event",
                        ResultRows.number(plain.cpuMicros) + " us/event (plain aggregate)",
                        eos.cpuMicros / plain.cpuMicros,
                        "<= 25 us/event",
                        eos.cpuMicros <= 25);
            }
            if (!FOCUS) {
                Measured eos100ms =
                        materialize(
                                bootstrap,
                                catalogue,
                                stateRoot,
                                "exactly_once_v2",
                                100L,
                                total,
                                agents);
                rows.add(
                        row(
                                "agent-processor exactly_once_v2, commit.interval.ms=100 (Kafka Streams' EOS default)",
                                total,
                                eos100ms.rate,
                                eos100ms.rate / raw,
                                eos100ms.memory));
                ResultRows.add(
                        "agents: materialization exactly_once_v2, commit 100 ms (Kafka Streams' EOS default)",
                        eos100ms.rate,
                        "events/s",
                        rawLimit,
                        eos100ms.rate / raw,
                        "",
                        null);
                Measured alos =
                        materialize(
                                bootstrap,
                                catalogue,
                                stateRoot,
                                "at_least_once",
                                null,
                                total,
                                agents);
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
                ResultRows.add(
                        "agents: materialization at_least_once, stream-thread CPU per event",
                        alos.cpuMicros,
                        "us/event");
            }

            StringBuilder out = new StringBuilder();
            out.append(
                    "\n| what | events | events/s | ratio to raw | peak heap / RocksDB memory |\n|---|---:|---:|---:|---|\n");
            rows.forEach(r -> out.append(r).append('\n'));
            out.append("\nSettings: ")
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

    private record Measured(double rate, double cpuMicros, String memory) {}

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
    static double produce(
            String bootstrap, TopicCatalogue catalogue, int agents, boolean agentGrouped)
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
            for (int i = 0; i < agents * EVENTS_PER_AGENT; i++) {
                int a = agentGrouped ? i / EVENTS_PER_AGENT : i % agents;
                int round = agentGrouped ? i % EVENTS_PER_AGENT : i / agents;
                String id = agentId(a);
                producer.send(
                        new ProducerRecord<>(
                                topic, id, serializer.serialize(topic, event(id, round, a))));
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

    static String agentId(int a) {
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

    /**
     * The anchor for the fold: a plain Kafka Streams {@code groupByKey().aggregate()} keeping the
     * latest event per key, exactly_once_v2, the agent processor's commit interval (1 s), default
     * cache, one stream thread, on the same events. What Streams itself costs for a fold that does
     * no work of its own.
     */
    private static Measured plainAggregate(
            String bootstrap, String topic, Path stateRoot, int total) throws Exception {
        String application =
                topic.replace(".agent-events", "") + "-plain-aggregate-" + RUNS.incrementAndGet();
        Properties props = new Properties();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateRoot.resolve(application).toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // The processor's own exactly-once default, so both flush and commit as often (until
        // 2026-12-06 this was left at Streams' 100 ms while the rows said 1 s).
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, ANCHOR_COMMIT_INTERVAL_MS);
        props.put(
                StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        AtomicLong applied = new AtomicLong();
        AtomicLong firstApplied = new AtomicLong();
        AtomicLong lastApplied = new AtomicLong();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topic, Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .groupByKey()
                .aggregate(
                        () -> new byte[0],
                        (key, event, latest) -> {
                            long now = System.nanoTime();
                            firstApplied.compareAndSet(0, now);
                            lastApplied.set(now);
                            applied.incrementAndGet();
                            return event;
                        },
                        Materialized.<String, byte[], KeyValueStore<Bytes, byte[]>>as("latest")
                                .withKeySerde(Serdes.String())
                                .withValueSerde(Serdes.ByteArray()));
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (applied.get() == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "plain aggregate processed nothing: " + streams.state());
                }
                Thread.sleep(1);
            }
            long cpuBefore = ThreadCpu.streamThreadNanos();
            long allDeadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (applied.get() < total) {
                if (System.nanoTime() > allDeadline) {
                    throw new IllegalStateException(
                            "plain aggregate applied "
                                    + applied.get()
                                    + " of "
                                    + total
                                    + " events in 30 minutes: "
                                    + streams.state());
                }
                Thread.sleep(10);
            }
            long running = firstApplied.get();
            long done = lastApplied.get();
            double cpuMicros =
                    ThreadCpu.microsPerEvent(cpuBefore, ThreadCpu.streamThreadNanos(), total);
            double rate = total / ((done - running) / 1e9);
            log.info(
                    "plain aggregate {}: {} ev/s, {} us/event", topic, Math.round(rate), cpuMicros);
            return new Measured(
                    rate,
                    cpuMicros,
                    String.format(java.util.Locale.ROOT, "%.1f us/event CPU", cpuMicros));
        }
    }

    /**
     * The other anchor: the cheapest exactly-once hop Kafka offers for the same events, a
     * read_committed consumer and a transactional producer copying each record, one transaction per
     * poll with the offsets in it. CPU is the loop thread's.
     */
    private static Measured rawEosCopy(String bootstrap, String topic, int total) throws Exception {
        String target = topic + "-eos-copy";
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            int partitions =
                    admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get()
                            .get(topic)
                            .partitions()
                            .size();
            admin.createTopics(List.of(new NewTopic(target, partitions, (short) 1))).all().get();
        }
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, target);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, target + "-tx");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaConsumer<byte[], byte[]> consumer =
                        new KafkaConsumer<>(
                                consumerProps,
                                new ByteArrayDeserializer(),
                                new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(
                                producerProps,
                                new ByteArraySerializer(),
                                new ByteArraySerializer())) {
            producer.initTransactions();
            consumer.subscribe(List.of(topic));
            java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long start = 0;
            long cpuBefore = 0;
            long copied = 0;
            while (copied < total) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                if (start == 0) {
                    start = System.nanoTime();
                    cpuBefore = threads.getCurrentThreadCpuTime();
                }
                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    var unused =
                            producer.send(
                                    new ProducerRecord<>(
                                            target, r.partition(), r.key(), r.value()));
                    offsets.put(
                            new TopicPartition(r.topic(), r.partition()),
                            new OffsetAndMetadata(r.offset() + 1));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
                copied += records.count();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuMicros =
                    ThreadCpu.microsPerEvent(cpuBefore, threads.getCurrentThreadCpuTime(), copied);
            log.info("raw EOS copy: {} records in {} s, {} us/event", copied, seconds, cpuMicros);
            return new Measured(
                    copied / seconds,
                    cpuMicros,
                    String.format(
                            java.util.Locale.ROOT, "%.1f us/event CPU (loop thread)", cpuMicros));
        }
    }

    private static Measured materialize(
            String bootstrap,
            TopicCatalogue catalogue,
            Path stateRoot,
            String guarantee,
            Long commitIntervalMs,
            int total,
            int agents)
            throws Exception {
        String application =
                catalogue.agentEvents().name().replace("agent-events", "")
                        + guarantee.replace('_', '-')
                        + "-"
                        + commitIntervalMs
                        + "-"
                        + RUNS.incrementAndGet();
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
        System.getProperties()
                .stringPropertyNames()
                .forEach(
                        name -> {
                            if (name.startsWith(STREAMS_OVERRIDE)) {
                                props.put(
                                        "streams." + name.substring(STREAMS_OVERRIDE.length()),
                                        System.getProperty(name));
                            }
                        });
        resetPeaks();
        long start = System.nanoTime();
        try (AgentProcessor processor = AgentProcessor.start(new AgentProcessorConfig(props))) {
            // The clock starts at the first processed record, not at RUNNING: a thread may have
            // processed many records by the time a poll of the state sees RUNNING.
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (processed(processor.streams()) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("nothing processed after 2 minutes");
                }
                Thread.sleep(1);
            }
            long running = System.nanoTime();
            long cpuBefore = ThreadCpu.streamThreadNanos();
            String rocksDb = "";
            // Done = every event applied: the stores hold each agent at its last version (not the
            // committed
            // offsets, which with at_least_once trail by up to a commit interval).
            int polls = 0;
            long allDeadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (!allApplied(processor, agents)) {
                if (System.nanoTime() > allDeadline) {
                    throw new IllegalStateException(
                            "not every agent at its last version after 30 minutes: "
                                    + processor.streams().state());
                }
                if (polls++ % 10 == 0) {
                    rocksDb = rocksDbMemory(processor.streams());
                }
                Thread.sleep(100);
            }
            long done = System.nanoTime();
            // Includes the start-up work after RUNNING (restoration of nothing, first polls).
            double cpuMicros =
                    ThreadCpu.microsPerEvent(cpuBefore, ThreadCpu.streamThreadNanos(), total);
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
            String memory =
                    String.format(java.util.Locale.ROOT, "%.1f us/event CPU; ", cpuMicros)
                            + "heap "
                            + (heap >> 20)
                            + " MiB; "
                            + rocksDb;
            return new Measured(rate, cpuMicros, memory);
        }
    }

    /**
     * The last event of each agent is in the last round, so the last agent of that round at version
     * 10 means done per partition.
     */
    static boolean allApplied(AgentProcessor processor, int agents) {
        for (int a = Math.max(0, agents - 50); a < agents; a++) {
            var agent = processor.queries().agent(agentId(a));
            if (agent.isEmpty() || agent.get().version() < EVENTS_PER_AGENT) {
                return false;
            }
        }
        return true;
    }

    /** Records the stream threads have processed, from their {@code process-total} metric. */
    private static double processed(KafkaStreams streams) {
        double total = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (e.getKey().name().equals("process-total")
                    && e.getKey().group().equals("stream-thread-metrics")
                    && e.getValue().metricValue() instanceof Number n) {
                total += n.doubleValue();
            }
        }
        return total;
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
