package ams.conversations;

import ams.conversations.http.ConversationHttp;
import ams.conversations.http.ConversationStreamHttp;
import ams.conversations.http.JobHttp;
import ams.conversations.jobs.JobQueries;
import ams.conversations.llm.Providers;
import ams.conversations.media.MessageMedia;
import ams.conversations.retrieval.StoreConversationMemory;
import ams.conversations.statemachine.ConversationQueries;
import ams.conversations.statemachine.ConversationTopology;
import ams.conversations.statemachine.ServedConversations;
import ams.conversations.stream.TurnStreams;
import ams.conversations.worker.ConversationSnapshot;
import ams.conversations.worker.TurnPool;
import ams.conversations.worker.TurnRunner;
import ams.events.conversation.TurnRequested;
import ams.events.streams.StaticMembership;
import ams.events.streams.StoreQueries;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.service.config.CommonConfig;
import ams.service.fate.EventFates;
import ams.service.fate.FateLog;
import ams.service.http.InstanceRouter;
import ams.service.http.ServiceJson;
import ams.service.media.MediaConfig;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running orchestrator: the state machine (Kafka Streams), whose tasks run their turns on this
 * process's turn pool, plus the queries and HTTP routes over them. What {@code app} starts
 * in-process and {@link ConversationOrchestratorMain} alone.
 */
public final class ConversationOrchestrator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConversationOrchestrator.class);

    private final ConversationConfig config;
    private final TopicCatalogue catalogue;
    private final KafkaStreams streams;
    private final TurnRunner runner;
    private final Providers providers;
    private final TurnPool turnPool;
    private final ConversationQueries queries;
    private final ConversationCommands commands;
    private final ConversationHttp http;
    private final TurnStreams turnStreams = new TurnStreams();
    private final ConversationStreamHttp streamHttp;
    private final JobCommands jobCommands;
    private final JobQueries jobQueries;
    private final JobHttp jobHttp;
    private final EventFates fates;

    private ConversationOrchestrator(
            ConversationConfig config, AgentDirectory agents, KnowledgeSearch knowledge) {
        this.config = config;
        this.catalogue = catalogue(config);
        provision();
        boolean readOnly = config.getBoolean(ConversationConfig.READ_ONLY);
        boolean runTurns = !readOnly && config.getBoolean(ConversationConfig.TURNS_ENABLED);
        FateLog fateLog = readOnly ? FateLog.off() : new FateLog();
        ServedConversations served = new ServedConversations();
        Topology topology =
                ConversationTopology.buildTopology(
                        catalogue,
                        config.getString(ConversationConfig.APPLICATION_ID),
                        Duration.ofMillis(
                                config.getLong(ConversationConfig.TIMEOUT_CHECK_INTERVAL_MS)),
                        readOnly,
                        new ConversationTopology.Turns(
                                // The pool is made below, once the queries its runner needs exist;
                                // no task runs before start().
                                runTurns ? this::launchTurn : null,
                                Duration.ofMillis(
                                        config.getLong(
                                                ConversationConfig.TURNS_DRAIN_INTERVAL_MS))),
                        fateLog,
                        served);
        streams =
                new KafkaStreams(
                        CommonConfig.withIdleCommits(topology, config), streamsProperties(config));
        StoreQueries storeQueries = new StoreQueries(Duration.ofSeconds(10));
        queries = new ConversationQueries(streams, storeQueries, served);
        HostInfo self = CommonConfig.applicationServer(config);
        InstanceRouter router =
                new InstanceRouter(
                        streams, self, storeQueries, Duration.ofSeconds(10), config.apiToken());
        fates = new EventFates(router, ConversationTopology.CONVERSATIONS_STORE, fateLog);
        commands =
                new ConversationCommands(
                        config.getString(ConversationConfig.BOOTSTRAP_SERVERS),
                        catalogue.conversationEvents());
        http =
                new ConversationHttp(
                        queries,
                        router,
                        commands,
                        agents,
                        new MessageMedia(Optional.of(MediaConfig.reader(config))));
        streamHttp =
                new ConversationStreamHttp(
                        http,
                        turnStreams,
                        new ConversationStreamHttp.Settings(
                                config.getLong(ConversationConfig.STREAM_POLL_MS),
                                config.getLong(ConversationConfig.STREAM_HEARTBEAT_MS),
                                config.getInt(ConversationConfig.STREAM_CLIENT_BUFFER),
                                config.getInt(ConversationConfig.STREAM_MAX_CLIENTS)));
        jobQueries = new JobQueries(streams, storeQueries);
        jobCommands =
                new JobCommands(
                        config.getString(ConversationConfig.BOOTSTRAP_SERVERS),
                        catalogue.jobEvents());
        jobHttp = new JobHttp(jobQueries, router, jobCommands, agents);
        providers = Providers.fromConfig(config);
        runner =
                TurnRunner.fromConfig(
                                config,
                                agents,
                                knowledge,
                                new StoreConversationMemory(queries),
                                providers)
                        .streamTo(turnStreams);
        turnPool =
                runTurns
                        ? new TurnPool(
                                runner,
                                config.getInt(ConversationConfig.TURNS_MAX_IN_FLIGHT),
                                "conversation-" + config.instanceId())
                        : null;
    }

    /**
     * Provisions missing topics (unless {@code topics.provision} is false) and starts the state
     * machine, whose tasks run their turns on this process's turn pool.
     */
    public static ConversationOrchestrator start(
            ConversationConfig config, AgentDirectory agents, KnowledgeSearch knowledge) {
        ConversationOrchestrator orchestrator =
                new ConversationOrchestrator(config, agents, knowledge);
        orchestrator.streams.start();
        log.info(
                "Conversation orchestrator {} started on topic {}, {}",
                config.instanceId(),
                orchestrator.catalogue.conversationEvents().name(),
                orchestrator.turnPool == null
                        ? "running no turns"
                        : "running turns on "
                                + config.getInt(ConversationConfig.TURNS_MAX_IN_FLIGHT)
                                + " thread(s)");
        return orchestrator;
    }

    private Future<?> launchTurn(
            ConversationSnapshot conversation, TurnRequested request, Consumer<List<Object>> done) {
        return turnPool.launch(conversation, request, done);
    }

    public static TopicCatalogue catalogue(ConversationConfig config) {
        return CommonConfig.catalogue(config);
    }

    /**
     * The shared Streams properties with exactly-once and the orchestrator's commit interval, plus
     * what makes a turn's read_committed hop (its outcome read back) fast. {@code streams.*}
     * settings still win: a rebuild (ams replay) overrides the guarantee.
     */
    public static Properties streamsProperties(ConversationConfig config) {
        Properties p =
                CommonConfig.streamsProperties(
                        config,
                        StreamsConfig.EXACTLY_ONCE_V2,
                        ConversationConfig.DEFAULT_COMMIT_INTERVAL_MS);
        p.putIfAbsent(
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG),
                config.getInt(ConversationConfig.FETCH_MAX_WAIT_MS));
        // Output becomes visible at the transaction commit anyway; lingering only delays the next
        // hop.
        p.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
        p.putIfAbsent(StreamsConfig.POLL_MS_CONFIG, ConversationConfig.DEFAULT_POLL_MS);
        p.putIfAbsent(
                StreamsConfig.CLIENT_ID_CONFIG,
                config.getString(ConversationConfig.APPLICATION_ID) + "-" + config.instanceId());
        return p;
    }

    /**
     * Creates missing topics (TopicProvisioner retries while a just-created topic is not yet
     * describable).
     */
    private void provision() {
        if (!config.getBoolean(CommonConfig.TOPICS_PROVISION)) {
            return;
        }
        try (Admin admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                config.getString(ConversationConfig.BOOTSTRAP_SERVERS)))) {
            TopicProvisioner.Report report =
                    new TopicProvisioner(admin, 30_000).provision(catalogue);
            if (!report.consistent()) {
                log.warn("Topics differ from the catalogue: {}", report.mismatches());
            }
        }
    }

    public KafkaStreams streams() {
        return streams;
    }

    public ConversationQueries queries() {
        return queries;
    }

    public ConversationCommands commands() {
        return commands;
    }

    public JobQueries jobQueries() {
        return jobQueries;
    }

    public JobCommands jobCommands() {
        return jobCommands;
    }

    public TopicCatalogue topics() {
        return catalogue;
    }

    /** Turns this process has started and not yet answered (0 when it runs none). */
    public int turnsInFlight() {
        return turnPool == null ? 0 : turnPool.inFlight();
    }

    /** The model clients, shared guards and rate-limit counters of this process. */
    public Providers providers() {
        return providers;
    }

    /** Each model server called so far and what its rate limiter did, for the metrics. */
    public List<ModelServerStatus> modelServers() {
        return providers.status().stream()
                .map(
                        s ->
                                new ModelServerStatus(
                                        s.server(),
                                        s.stats().calls(),
                                        s.stats().waits(),
                                        s.stats().waitNanos() / 1e9,
                                        s.stats().retryAfterPauses()))
                .toList();
    }

    /** The replies this process's turns are writing, token by token (a live view). */
    public TurnStreams turnStreams() {
        return turnStreams;
    }

    /**
     * What became of the conversation writes this instance settled (generate, a person's message,
     * cancel, resume), for {@code GET /events/{event_id}} ({@code FateRoute}, which the server
     * mounts over every processor it serves; {@link #registerRoutes} leaves it out).
     */
    public EventFates fates() {
        return fates;
    }

    public void registerRoutes(Javalin app) {
        http.registerRoutes(app);
        streamHttp.registerRoutes(app);
        // Each model server this process has called: its limits, calls in flight and what its rate
        // limiter did (waits and their time, Retry-After pauses).
        app.get(
                "/llm/endpoints",
                ctx ->
                        ctx.contentType("application/json")
                                .result(
                                        ServiceJson.mapper()
                                                .writeValueAsString(
                                                        Map.of("endpoints", providers.status()))));
        jobHttp.registerRoutes(app);
    }

    @Override
    public void close() {
        streamHttp.close();
        // Streams first: its tasks cancel their running turns as they close.
        StaticMembership.close(streams, Duration.ofSeconds(30));
        if (turnPool != null) {
            turnPool.close();
        }
        commands.close();
        jobCommands.close();
        log.info("Conversation orchestrator {} closed", config.instanceId());
    }
}
