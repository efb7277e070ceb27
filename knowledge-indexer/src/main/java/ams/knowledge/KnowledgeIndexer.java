package ams.knowledge;

import ams.events.streams.StaticMembership;
import ams.events.streams.StoreQueries;
import ams.events.topics.TopicProvisioner;
import ams.knowledge.embedding.BatchIndexer;
import ams.knowledge.embedding.Chunker;
import ams.knowledge.embedding.Embedder;
import ams.knowledge.embedding.EmbeddingModels;
import ams.knowledge.embedding.EmbeddingWorker;
import ams.knowledge.search.SearchIndex;
import ams.service.config.CommonConfig;
import ams.service.fate.EventFates;
import ams.service.fate.FateLog;
import ams.service.http.InstanceRouter;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running knowledge indexer: the embedding worker, the Streams application and the queries over
 * them. {@link #start} is what {@code app} and {@link KnowledgeIndexerMain} call; HTTP routes are
 * mounted on a Javalin the caller owns.
 */
public final class KnowledgeIndexer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KnowledgeIndexer.class);

    private final KnowledgeIndexerConfig config;
    private final KnowledgeTopics topics;
    private final EmbeddingWorker worker;
    private final KafkaStreams streams;
    private final KnowledgeQueries queries;
    private final KnowledgeHttp http;
    private final EventFates fates;

    private KnowledgeIndexer(
            KnowledgeIndexerConfig config,
            KnowledgeTopics topics,
            EmbeddingWorker worker,
            KafkaStreams streams,
            KnowledgeQueries queries,
            KnowledgeHttp http,
            EventFates fates) {
        this.fates = fates;
        this.config = config;
        this.topics = topics;
        this.worker = worker;
        this.streams = streams;
        this.queries = queries;
        this.http = http;
    }

    public static KnowledgeIndexer start(KnowledgeIndexerConfig config) {
        return start(config, EmbeddingModels.create(config));
    }

    /** Starts with the given embedder (tests share one in-process model per JVM this way). */
    public static KnowledgeIndexer start(KnowledgeIndexerConfig config, Embedder embedder) {
        KnowledgeTopics topics = KnowledgeTopics.of(config);
        String bootstrap = config.getString(KnowledgeIndexerConfig.BOOTSTRAP_SERVERS);
        if (config.getBoolean(KnowledgeIndexerConfig.TOPICS_PROVISION)) {
            provision(bootstrap, topics);
        }
        String application = config.applicationId();
        // The address other instances reach this one at: the application.server it advertises.
        HostInfo self = CommonConfig.applicationServer(config);
        SearchIndex index = new SearchIndex();
        ServedStores served = new ServedStores();
        FateLog applied = config.readOnly() ? FateLog.off() : new FateLog();
        FateLog rejected = new FateLog();
        Topology topology =
                CommonConfig.withIdleCommits(
                        KnowledgeTopology.buildTopology(
                                topics, application, index, served, config.readOnly(), applied),
                        config);
        KafkaStreams streams = new KafkaStreams(topology, config.streamsProperties());
        StoreQueries storeQueries =
                new StoreQueries(
                        Duration.ofMillis(
                                config.getLong(KnowledgeIndexerConfig.QUERY_MAX_WAIT_MS)));
        KnowledgeQueries queries =
                new KnowledgeQueries(
                        streams,
                        index,
                        served,
                        embedder,
                        storeQueries,
                        new QueryEmbeddingCache(
                                config.getInt(KnowledgeIndexerConfig.QUERY_EMBEDDING_CACHE_SIZE)));
        InstanceRouter router =
                new InstanceRouter(
                        streams, self, storeQueries, Duration.ofSeconds(10), config.apiToken());
        KnowledgeHttp http = new KnowledgeHttp(queries, router);
        EventFates fates =
                new EventFates(router, KnowledgeTopology.DOCUMENTS_STORE, applied, rejected);

        BatchIndexer batchIndexer =
                new BatchIndexer(
                        application,
                        topics.catalogue().knowledgeEvents(),
                        new Chunker(
                                config.getInt(KnowledgeIndexerConfig.CHUNK_MAX_CHARS),
                                config.getInt(KnowledgeIndexerConfig.CHUNK_OVERLAP_CHARS)),
                        embedder,
                        config.getInt(KnowledgeIndexerConfig.EMBEDDING_BATCH_SIZE),
                        config.getInt(KnowledgeIndexerConfig.CHUNK_MAX_PER_DOCUMENT),
                        config.getInt(KnowledgeIndexerConfig.EMBEDDING_MAX_ATTEMPTS),
                        config.getLong(KnowledgeIndexerConfig.EMBEDDING_RETRY_BACKOFF_MS),
                        Thread::sleep);
        EmbeddingWorker worker =
                new EmbeddingWorker(
                        bootstrap,
                        application + "-embedder",
                        application + "-embedder-" + self.host() + "-" + self.port(),
                        config.getInt(KnowledgeIndexerConfig.WORKER_MAX_POLL_RECORDS),
                        topics.catalogue().knowledgeEvents().name(),
                        topics.chunks(),
                        topics.catalogue().deadLetters(),
                        batchIndexer);
        worker.onCommitted(
                new KnowledgeFates(
                                rejected,
                                topics.catalogue().knowledgeEvents().valueSerde().deserializer())
                        ::committed);
        streams.setUncaughtExceptionHandler(
                e -> {
                    log.error("Knowledge indexer stream thread failed; replacing it", e);
                    return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                            .StreamThreadExceptionResponse.REPLACE_THREAD;
                });
        worker.start();
        streams.start();
        log.info(
                "Knowledge indexer {} started (application.server {}, embedding model {}, int8"
                        + " search kernel {})",
                application,
                self,
                embedder.modelName(),
                SearchIndex.vectorKernel());
        return new KnowledgeIndexer(config, topics, worker, streams, queries, http, fates);
    }

    /**
     * Creates missing topics (TopicProvisioner retries while a just-created topic is not yet
     * describable).
     */
    private static void provision(String bootstrap, KnowledgeTopics topics) {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicProvisioner.Report report =
                    new TopicProvisioner(admin, 30_000).provision(topics.all());
            if (!report.consistent()) {
                log.warn(
                        "Topic partition counts differ from the configuration: {}",
                        report.mismatches());
            }
        }
    }

    /**
     * Mounts the knowledge routes on a server the caller owns. The routes throw: the server must
     * map exceptions as {@code ServiceHttp.create} does. {@code GET /events/{event_id}} is not
     * among them: see {@link #fates}.
     */
    public void registerRoutes(Javalin app) {
        http.register(app);
    }

    /**
     * What became of the knowledge writes this instance settled (indexed with N chunks, removed, or
     * rejected by the embedding worker), for {@code GET /events/{event_id}} ({@code FateRoute},
     * which the server mounts over every processor it serves).
     */
    public EventFates fates() {
        return fates;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public KnowledgeQueries queries() {
        return queries;
    }

    public KnowledgeTopics topics() {
        return topics;
    }

    public EmbeddingWorker worker() {
        return worker;
    }

    public KnowledgeIndexerConfig config() {
        return config;
    }

    @Override
    public void close() {
        worker.close();
        StaticMembership.close(streams, Duration.ofSeconds(30));
        log.info("Knowledge indexer {} stopped", config.applicationId());
    }
}
