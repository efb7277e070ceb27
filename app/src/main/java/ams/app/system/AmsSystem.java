package ams.app.system;

import ams.agents.AgentProcessor;
import ams.agents.AgentProcessorConfig;
import ams.app.client.EventPublisher;
import ams.app.rest.ExportRoutes;
import ams.app.rest.KnowledgeImages;
import ams.app.rest.KnowledgeVision;
import ams.app.rest.MediaRoutes;
import ams.app.rest.RestConfig;
import ams.app.rest.RestServer;
import ams.app.rest.SystemComponent;
import ams.conversations.ConversationConfig;
import ams.conversations.ConversationOrchestrator;
import ams.conversations.KnowledgeSearch;
import ams.events.http.BearerToken;
import ams.events.streams.RebuildProfile;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.export.Exporter;
import ams.export.ExporterConfig;
import ams.knowledge.KnowledgeIndexer;
import ams.knowledge.KnowledgeIndexerConfig;
import ams.service.config.CommonConfig;
import ams.service.fate.FateRoute;
import ams.service.media.MediaStore;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole system in one JVM: topics, the agent-processor, the knowledge-indexer, the
 * conversation-orchestrator, the exporter and the REST API, all against one Kafka cluster. Each
 * processor's Streams instance advertises the API's address, where its routes are mounted.
 */
public final class AmsSystem implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AmsSystem.class);

    private final List<AutoCloseable> parts;
    private final AgentProcessor agents;
    private final KnowledgeIndexer knowledge;
    private final ConversationOrchestrator conversations;
    private final Exporter exporter;
    private final RestServer rest;
    private final EventPublisher publisher;
    private final TopicCatalogue topics;

    private AmsSystem(
            List<AutoCloseable> parts,
            AgentProcessor agents,
            KnowledgeIndexer knowledge,
            ConversationOrchestrator conversations,
            Exporter exporter,
            RestServer rest,
            EventPublisher publisher,
            TopicCatalogue topics) {
        this.parts = parts;
        this.agents = agents;
        this.knowledge = knowledge;
        this.conversations = conversations;
        this.exporter = exporter;
        this.rest = rest;
        this.publisher = publisher;
        this.topics = topics;
    }

    public static AmsSystem start(SystemSettings settings) {
        return start(settings, false);
    }

    /**
     * Starts the system; {@code rebuild} runs the stream processors with the {@link RebuildProfile}
     * (at_least_once, long commits, a large cache), which only a replay that wipes everything first
     * and marks itself unfinished until it is done may use (and the replay benchmark, which does
     * the same).
     */
    public static AmsSystem start(SystemSettings settings, boolean rebuild) {
        return start(settings, rebuild, KnowledgeVision.fromEnvironment(System.getenv()));
    }

    /**
     * Starts the system with {@code conversationOverrides} on top of the orchestrator's settings:
     * for tests of settings {@code ams up} takes from the environment only (e.g. {@code
     * stt.base.url}).
     */
    static AmsSystem start(SystemSettings settings, Map<String, Object> conversationOverrides) {
        return start(
                settings,
                false,
                KnowledgeVision.fromEnvironment(System.getenv()),
                conversationOverrides);
    }

    /**
     * Starts the system with the given vision model for knowledge images.
     *
     * @param vision the model that describes images added as knowledge without a caption
     *     (unconfigured: a caption is required)
     */
    public static AmsSystem start(
            SystemSettings settings, boolean rebuild, KnowledgeVision vision) {
        return start(settings, rebuild, vision, Map.of());
    }

    private static AmsSystem start(
            SystemSettings settings,
            boolean rebuild,
            KnowledgeVision vision,
            Map<String, Object> conversationOverrides) {
        if (!rebuild) {
            ReplayMarker.refuseIfUnfinished(settings);
        }
        List<AutoCloseable> parts = new ArrayList<>();
        try {
            TopicCatalogue topics =
                    new TopicCatalogue(settings.topicPrefix(), settings.partitions(), (short) 1);
            Admin admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    settings.bootstrapServers()));
            parts.add(admin);
            TopicProvisioner.Report report = new TopicProvisioner(admin, 60_000).provision(topics);
            if (!report.consistent()) {
                log.warn("Topics differ from the catalogue: {}", report.mismatches());
            }

            AgentProcessor agents =
                    AgentProcessor.start(
                            new AgentProcessorConfig(profiled(agentSettings(settings), rebuild)));
            parts.add(agents);
            KnowledgeIndexer knowledgeIndexer =
                    KnowledgeIndexer.start(
                            new KnowledgeIndexerConfig(
                                    profiled(knowledgeSettings(settings), rebuild)));
            parts.add(knowledgeIndexer);
            KnowledgeSearch knowledge = new InProcessKnowledgeSearch(knowledgeIndexer.queries());
            MediaSettings media = MediaSettings.of(settings, conversationOverrides);
            Map<String, Object> conversationProps = conversationSettings(settings);
            conversationProps.putAll(media.props());
            conversationProps.putAll(conversationOverrides);
            ConversationOrchestrator conversations =
                    ConversationOrchestrator.start(
                            new ConversationConfig(profiled(conversationProps, rebuild)),
                            new InProcessAgentDirectory(agents.queries()),
                            knowledge);
            parts.add(conversations);
            Exporter exporter = Exporter.start(new ExporterConfig(exporterSettings(settings)));
            parts.add(exporter);

            EventPublisher publisher = new EventPublisher(settings.bootstrapServers(), topics);
            parts.add(publisher);
            MediaStore mediaStore = media.open();
            MediaRoutes mediaRoutes = new MediaRoutes(mediaStore, publisher, media.maxBytes());
            List<SystemComponent> components =
                    List.of(
                            new SystemComponent(
                                    "agent-processor", () -> agents.streams().state().name()),
                            new SystemComponent(
                                    "knowledge-indexer",
                                    () -> knowledgeIndexer.streams().state().name()),
                            new SystemComponent(
                                    "conversation-orchestrator",
                                    () -> conversations.streams().state().name()),
                            new SystemComponent(
                                    "exporter", () -> exporter.status().state().name()));
            ExportRoutes exports =
                    new ExportRoutes(
                            ViewTables.agents(agents.queries()),
                            ViewTables.knowledge(agents.queries(), knowledgeIndexer.queries()),
                            new ams.export.snapshot.ConversationExport(
                                    settings.bootstrapServers(),
                                    topics.conversationEvents(),
                                    "ZSTD"),
                            new ams.export.snapshot.Snapshots("ZSTD"),
                            settings.datasetRoot(),
                            mediaStore);
            SystemMetrics metrics =
                    new SystemMetrics(
                            conversations::modelServers,
                            Map.of(
                                    "agent-processor",
                                    agents.streams(),
                                    "knowledge-indexer",
                                    knowledgeIndexer.streams(),
                                    "conversation-orchestrator",
                                    conversations.streams()),
                            settings.bootstrapServers(),
                            topics.conversationEvents(),
                            knowledgeIndexer.queries().queryEmbeddings());
            parts.add(metrics);
            List<Consumer<Javalin>> routes =
                    List.of(
                            agents::registerRoutes,
                            knowledgeIndexer::registerRoutes,
                            conversations::registerRoutes,
                            exporter::registerRoutes,
                            // One GET /events/{event_id} over every processor's writes.
                            app ->
                                    FateRoute.register(
                                            app,
                                            List.of(
                                                    agents.fates(),
                                                    knowledgeIndexer.fates(),
                                                    conversations.fates())),
                            exports::register,
                            mediaRoutes::register,
                            metrics::register);
            RestServer rest =
                    RestServer.start(
                            new RestConfig(
                                    settings.httpHost(),
                                    settings.httpPort(),
                                    settings.apiToken(),
                                    RestConfig.DEFAULT_MAX_REQUEST_BYTES),
                            publisher,
                            admin,
                            components,
                            routes,
                            new KnowledgeImages(mediaStore, vision),
                            agentId -> agents.queries().agent(agentId).isPresent());
            parts.add(rest);
            return new AmsSystem(
                    parts,
                    agents,
                    knowledgeIndexer,
                    conversations,
                    exporter,
                    rest,
                    publisher,
                    topics);
        } catch (RuntimeException e) {
            closeAll(parts);
            throw e;
        }
    }

    private static Map<String, Object> profiled(Map<String, Object> props, boolean rebuild) {
        if (rebuild) {
            props.putAll(RebuildProfile.overrides());
        }
        return props;
    }

    private static Map<String, Object> common(SystemSettings settings, String module) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", settings.bootstrapServers());
        props.put("topic.prefix", settings.topicPrefix());
        props.put("topic.partitions", settings.partitions());
        props.put("state.dir", settings.stateDir(module).toString());
        props.put("http.host", settings.httpHost());
        props.put("http.port", settings.httpPort());
        // Forwards to the instance that owns a key carry the system's token.
        if (settings.apiToken() != null) {
            props.put(BearerToken.CONFIG_KEY, settings.apiToken());
        }
        return props;
    }

    private static Map<String, Object> agentSettings(SystemSettings settings) {
        Map<String, Object> props = common(settings, "agent-processor");
        props.put(AgentProcessorConfig.APPLICATION_ID, settings.applicationId("agent-processor"));
        props.put(AgentProcessorConfig.TOPICS_PROVISION, false);
        // A replay appends nothing: the dead letters were written when the events first arrived.
        props.put(AgentProcessorConfig.READ_ONLY, settings.rebuildOnly());
        return props;
    }

    private static Map<String, Object> knowledgeSettings(SystemSettings settings) {
        Map<String, Object> props = common(settings, "knowledge-indexer");
        props.put(
                KnowledgeIndexerConfig.APPLICATION_ID, settings.applicationId("knowledge-indexer"));
        props.put(KnowledgeIndexerConfig.READ_ONLY, settings.rebuildOnly());
        return props;
    }

    private static Map<String, Object> conversationSettings(SystemSettings settings) {
        Map<String, Object> props = common(settings, "conversation-orchestrator");
        props.put(
                ConversationConfig.APPLICATION_ID,
                settings.applicationId("conversation-orchestrator"));
        props.put(ConversationConfig.LLM_PROVIDER, settings.llmProvider());
        // A replay must not append to the log it replays: no TurnRequested, no model calls, and no
        // turns, which would answer a turn the log left open (and append its message).
        props.put(ConversationConfig.READ_ONLY, settings.rebuildOnly());
        if (settings.rebuildOnly()) {
            props.put(ConversationConfig.TURNS_ENABLED, false);
        }
        if (settings.llmBaseUrl() != null) {
            props.put(ConversationConfig.LLM_BASE_URL, settings.llmBaseUrl());
        }
        if (settings.llmModel() != null) {
            props.put(ConversationConfig.LLM_MODEL, settings.llmModel());
        }
        if (settings.llmApiKey() != null) {
            props.put(ConversationConfig.LLM_API_KEY, settings.llmApiKey());
        }
        props.putAll(modelEndpointSettings(System.getenv()));
        return props;
    }

    /**
     * The orchestrator's named model endpoints and rate limits, which {@code ams up} takes from the
     * environment only ({@code AMS_LLM_ENDPOINTS}, {@code AMS_LLM_REQUESTS_PER_MINUTE}, {@code
     * AMS_LLM_TOKENS_PER_MINUTE}, {@code AMS_LLM_RATE_WINDOW_MS}) and the speech-to-text endpoint
     * ({@code AMS_STT_BASE_URL}, {@code AMS_STT_MODEL}, {@code AMS_STT_API_KEY}, {@code
     * AMS_STT_TIMEOUT_MS}), as the standalone orchestrator does.
     */
    static Map<String, Object> modelEndpointSettings(Map<String, String> environment) {
        Map<String, Object> props = new HashMap<>();
        for (String key :
                List.of(
                        ConversationConfig.LLM_ENDPOINTS,
                        ConversationConfig.LLM_REQUESTS_PER_MINUTE,
                        ConversationConfig.LLM_TOKENS_PER_MINUTE,
                        ConversationConfig.LLM_RATE_WINDOW_MS,
                        ConversationConfig.STT_BASE_URL,
                        ConversationConfig.STT_MODEL,
                        ConversationConfig.STT_API_KEY,
                        ConversationConfig.STT_TIMEOUT_MS)) {
            String value = environment.get(CommonConfig.environmentVariable(key));
            if (value != null && !value.isBlank()) {
                props.put(key, value);
            }
        }
        return props;
    }

    private static Map<String, Object> exporterSettings(SystemSettings settings) {
        Map<String, Object> props = common(settings, "exporter");
        props.remove("state.dir");
        props.put(ExporterConfig.DATASET_ROOT, settings.datasetRoot().toString());
        props.put(ExporterConfig.GROUP_ID, settings.applicationId("exporter"));
        props.put(ExporterConfig.ROTATE_INTERVAL_MS, settings.exportRotateMs());
        return props;
    }

    /** Waits until every stream processor is RUNNING (stores restored) and the API answers. */
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (var entry :
                Map.of(
                                "agent-processor",
                                agents.streams(),
                                "knowledge-indexer",
                                knowledge.streams(),
                                "conversation-orchestrator",
                                conversations.streams())
                        .entrySet()) {
            while (entry.getValue().state()
                    != org.apache.kafka.streams.KafkaStreams.State.RUNNING) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            entry.getKey()
                                    + " not RUNNING after "
                                    + timeout
                                    + ": "
                                    + entry.getValue().state());
                }
                sleep(20);
            }
        }
    }

    public AgentProcessor agents() {
        return agents;
    }

    public KnowledgeIndexer knowledge() {
        return knowledge;
    }

    public ConversationOrchestrator conversations() {
        return conversations;
    }

    public Exporter exporter() {
        return exporter;
    }

    public EventPublisher publisher() {
        return publisher;
    }

    public TopicCatalogue topics() {
        return topics;
    }

    public int httpPort() {
        return rest.port();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        closeAll(parts);
    }

    private static void closeAll(List<AutoCloseable> parts) {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                log.warn("Closing {} failed", parts.get(i).getClass().getSimpleName(), e);
            }
        }
    }
}
