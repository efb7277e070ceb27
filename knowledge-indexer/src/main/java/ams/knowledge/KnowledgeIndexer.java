package ams.knowledge;

import ams.events.streams.BoundedRocksDbMemory;
import ams.events.streams.RebuildProfile;
import ams.events.streams.StaticMembership;
import ams.events.streams.StoreQueries;
import ams.events.topics.TopicProvisioner;
import ams.knowledge.embedding.BatchIndexer;
import ams.knowledge.embedding.Chunker;
import ams.knowledge.embedding.Embedder;
import ams.knowledge.embedding.EmbeddingModels;
import ams.knowledge.embedding.EmbeddingWorker;
import ams.knowledge.search.SearchIndex;
import ams.service.http.InstanceRouter;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
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

    private KnowledgeIndexer(
            KnowledgeIndexerConfig config,
            KnowledgeTopics topics,
            EmbeddingWorker worker,
            KafkaStreams streams,
            KnowledgeQueries queries,
            KnowledgeHttp http) {
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
        provision(bootstrap, topics);
        String application = config.applicationId();
        HostInfo self =
                new HostInfo(
                        config.getString(KnowledgeIndexerConfig.HTTP_HOST),
                        config.getInt(KnowledgeIndexerConfig.HTTP_PORT));
        SearchIndex index = new SearchIndex();
        Topology topology =
                KnowledgeTopology.buildTopology(topics, application, index, config.readOnly());
        KafkaStreams streams = new KafkaStreams(topology, streamsProperties(config, self));
        StoreQueries storeQueries =
                new StoreQueries(
                        Duration.ofMillis(
                                config.getLong(KnowledgeIndexerConfig.QUERY_MAX_WAIT_MS)));
        KnowledgeQueries queries = new KnowledgeQueries(streams, index, embedder, storeQueries);
        InstanceRouter router =
                new InstanceRouter(
                        streams, self, storeQueries, Duration.ofSeconds(10), config.apiToken());
        KnowledgeHttp http = new KnowledgeHttp(queries, router);

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
        streams.setUncaughtExceptionHandler(
                e -> {
                    log.error("Knowledge indexer stream thread failed; replacing it", e);
                    return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                            .StreamThreadExceptionResponse.REPLACE_THREAD;
                });
        worker.start();
        streams.start();
        log.info(
                "Knowledge indexer {} started (application.server {}, embedding model {})",
                application,
                self,
                embedder.modelName());
        return new KnowledgeIndexer(config, topics, worker, streams, queries, http);
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

    static Properties streamsProperties(KnowledgeIndexerConfig config, HostInfo self) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG,
                config.getString(KnowledgeIndexerConfig.BOOTSTRAP_SERVERS));
        props.put(
                StreamsConfig.STATE_DIR_CONFIG, config.getString(KnowledgeIndexerConfig.STATE_DIR));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        props.put(
                StreamsConfig.NUM_STREAM_THREADS_CONFIG,
                config.getInt(KnowledgeIndexerConfig.STREAM_THREADS));
        props.put(
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
                config.getLong(KnowledgeIndexerConfig.COMMIT_INTERVAL_MS));
        props.put(
                StreamsConfig.REPLICATION_FACTOR_CONFIG,
                (int) config.getShort(KnowledgeIndexerConfig.TOPIC_REPLICATION_FACTOR));
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        // Chunk records carry a whole document's vectors: allow them through.
        props.put(
                StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                4 * 1024 * 1024);
        props.put(
                StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG),
                4 * 1024 * 1024);
        // streams.* settings pass through last: a rebuild (ams replay) overrides the guarantee.
        BoundedRocksDbMemory.apply(props);
        props.putAll(config.originalsWithPrefix(RebuildProfile.STREAMS_PREFIX));
        StaticMembership.apply(props);
        return props;
    }

    public void registerRoutes(Javalin app) {
        http.register(app);
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
