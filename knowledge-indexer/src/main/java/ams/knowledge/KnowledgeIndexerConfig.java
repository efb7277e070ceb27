package ams.knowledge;

import ams.events.http.BearerToken;
import ams.events.topics.TopicCatalogue;
import ams.service.config.CommonConfig;
import ams.service.config.CommonConfig.ModuleDefaults;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Every setting of the knowledge indexer: the keys every AMS process shares ({@link CommonConfig})
 * plus this module's own, with types, defaults and validation. Read from a map (tests, {@code app})
 * or from the environment ({@code AMS_<KEY>} for every key).
 */
public final class KnowledgeIndexerConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = CommonConfig.BOOTSTRAP_SERVERS;
    public static final String TOPIC_PREFIX = CommonConfig.TOPIC_PREFIX;
    public static final String TOPIC_PARTITIONS = CommonConfig.TOPIC_PARTITIONS;
    public static final String TOPIC_REPLICATION_FACTOR = CommonConfig.TOPIC_REPLICATION_FACTOR;
    public static final String TOPICS_PROVISION = CommonConfig.TOPICS_PROVISION;
    public static final String APPLICATION_ID = CommonConfig.APPLICATION_ID;
    public static final String STATE_DIR = CommonConfig.STATE_DIR;
    public static final String HTTP_HOST = CommonConfig.HTTP_HOST;
    public static final String HTTP_PORT = CommonConfig.HTTP_PORT;
    public static final String HTTP_ADVERTISED_HOST = CommonConfig.HTTP_ADVERTISED_HOST;
    public static final String NUM_STREAM_THREADS = CommonConfig.NUM_STREAM_THREADS;
    public static final String COMMIT_INTERVAL_MS = CommonConfig.COMMIT_INTERVAL_MS;

    public static final String EMBEDDING_PROVIDER = "embedding.provider";
    public static final String EMBEDDING_BASE_URL = "embedding.base.url";
    public static final String EMBEDDING_MODEL = "embedding.model";
    public static final String EMBEDDING_API_KEY = "embedding.api.key";
    public static final String EMBEDDING_TIMEOUT_MS = "embedding.timeout.ms";
    public static final String EMBEDDING_BATCH_SIZE = "embedding.batch.size";
    public static final String EMBEDDING_MAX_ATTEMPTS = "embedding.max.attempts";
    public static final String EMBEDDING_RETRY_BACKOFF_MS = "embedding.retry.backoff.ms";
    public static final String WORKER_MAX_POLL_RECORDS = "worker.max.poll.records";
    public static final String CHUNK_MAX_CHARS = "chunk.max.chars";
    public static final String CHUNK_OVERLAP_CHARS = "chunk.overlap.chars";
    public static final String CHUNK_MAX_PER_DOCUMENT = "chunk.max.per.document";
    public static final String QUERY_MAX_WAIT_MS = "query.max.wait.ms";
    public static final String QUERY_EMBEDDING_CACHE_SIZE = "query.embedding.cache.size";
    public static final String READ_ONLY = "read.only";

    public static final String PROVIDER_IN_PROCESS = "in-process";
    public static final String PROVIDER_OPENAI = "openai";
    public static final String PROVIDER_OLLAMA = "ollama";

    /** The commit interval when none is configured: Kafka Streams' own under exactly_once_v2. */
    static final long DEFAULT_COMMIT_INTERVAL_MS = 100L;

    /**
     * Variables this module read before the one {@code AMS_<KEY>} rule. Every one of them
     * (AMS_BOOTSTRAP_SERVERS, AMS_EMBEDDING_*, ...) is the rule's own name for its key, so none
     * needs an alias.
     */
    static final Map<String, String> ENVIRONMENT_ALIASES = Map.of();

    public static final ConfigDef DEFINITION =
            CommonConfig.defineStreams(
                            CommonConfig.defineService(
                                    new ConfigDef(),
                                    new ModuleDefaults(
                                            "ams-knowledge-indexer",
                                            "./ams-data/state/knowledge-indexer",
                                            8082)))
                    .define(
                            EMBEDDING_PROVIDER,
                            ConfigDef.Type.STRING,
                            PROVIDER_IN_PROCESS,
                            ValidString.in(PROVIDER_IN_PROCESS, PROVIDER_OPENAI, PROVIDER_OLLAMA),
                            Importance.HIGH,
                            "in-process (all-MiniLM-L6-v2 quantized, 384 dimensions, shipped in the jar), openai (any OpenAI-compatible endpoint) or ollama.")
                    .define(
                            EMBEDDING_BASE_URL,
                            ConfigDef.Type.STRING,
                            "",
                            Importance.MEDIUM,
                            "Base URL of the embedding endpoint; for openai include /v1 (env AMS_EMBEDDING_BASE_URL).")
                    .define(
                            EMBEDDING_MODEL,
                            ConfigDef.Type.STRING,
                            "",
                            Importance.MEDIUM,
                            "Model name for openai/ollama, e.g. text-embedding-3-small or nomic-embed-text (env AMS_EMBEDDING_MODEL).")
                    .define(
                            EMBEDDING_API_KEY,
                            ConfigDef.Type.PASSWORD,
                            new Password(""),
                            Importance.LOW,
                            "API key for the openai provider (env AMS_EMBEDDING_API_KEY).")
                    .define(
                            EMBEDDING_TIMEOUT_MS,
                            ConfigDef.Type.LONG,
                            30_000L,
                            Range.atLeast(1),
                            Importance.LOW,
                            "Timeout of one remote embedding call.")
                    .define(
                            EMBEDDING_BATCH_SIZE,
                            ConfigDef.Type.INT,
                            64,
                            Range.between(1, 2048),
                            Importance.MEDIUM,
                            "Chunks embedded per model call.")
                    .define(
                            EMBEDDING_MAX_ATTEMPTS,
                            ConfigDef.Type.INT,
                            3,
                            Range.atLeast(1),
                            Importance.LOW,
                            "Attempts of a retriable embedding failure within one poll before the batch is rewound and retried later.")
                    .define(
                            EMBEDDING_RETRY_BACKOFF_MS,
                            ConfigDef.Type.LONG,
                            500L,
                            Range.atLeast(0),
                            Importance.LOW,
                            "First backoff after a retriable embedding failure; doubles per attempt.")
                    .define(
                            WORKER_MAX_POLL_RECORDS,
                            ConfigDef.Type.INT,
                            32,
                            Range.between(1, 10_000),
                            Importance.MEDIUM,
                            "Knowledge events embedded per transaction; bounds the time between polls (max.poll.interval.ms).")
                    .define(
                            CHUNK_MAX_CHARS,
                            ConfigDef.Type.INT,
                            500,
                            Range.atLeast(20),
                            Importance.MEDIUM,
                            "Largest chunk in characters (LangChain4j recursive splitter).")
                    .define(
                            CHUNK_OVERLAP_CHARS,
                            ConfigDef.Type.INT,
                            50,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "Overlap between consecutive chunks in characters.")
                    .define(
                            CHUNK_MAX_PER_DOCUMENT,
                            ConfigDef.Type.INT,
                            400,
                            Range.between(1, 2000),
                            Importance.MEDIUM,
                            "More chunks than this and the document is dead-lettered as TEXT_TOO_LARGE (keeps records under the 1 MB message limit).")
                    .define(
                            READ_ONLY,
                            ConfigDef.Type.BOOLEAN,
                            false,
                            Importance.LOW,
                            "Rebuild the stores without dead-lettering undecodable agent and conversation events again (they "
                                    + "were when they arrived): what a replay uses. The stores are the same either way.")
                    .define(
                            QUERY_MAX_WAIT_MS,
                            ConfigDef.Type.LONG,
                            5_000L,
                            Range.atLeast(0),
                            Importance.LOW,
                            "How long a query waits for a store during a rebalance before answering 503.")
                    .define(
                            QUERY_EMBEDDING_CACHE_SIZE,
                            ConfigDef.Type.INT,
                            4_096,
                            Range.atLeast(0),
                            Importance.LOW,
                            "Search query embeddings kept (least recently used out; 0 = none), keyed by model and normalized text: a repeated vector or hybrid query skips the model. About 1.6 KiB each at 384 dimensions.");

    public KnowledgeIndexerConfig(Map<?, ?> props) {
        super(DEFINITION, props);
        if (getInt(CHUNK_OVERLAP_CHARS) >= getInt(CHUNK_MAX_CHARS)) {
            throw new ConfigException(
                    CHUNK_OVERLAP_CHARS,
                    getInt(CHUNK_OVERLAP_CHARS),
                    "must be smaller than "
                            + CHUNK_MAX_CHARS
                            + " ("
                            + getInt(CHUNK_MAX_CHARS)
                            + ")");
        }
        String provider = getString(EMBEDDING_PROVIDER);
        if (!provider.equals(PROVIDER_IN_PROCESS) && getString(EMBEDDING_BASE_URL).isBlank()) {
            throw new ConfigException(
                    EMBEDDING_BASE_URL, "", "is required for embedding.provider=" + provider);
        }
        if (!provider.equals(PROVIDER_IN_PROCESS) && getString(EMBEDDING_MODEL).isBlank()) {
            throw new ConfigException(
                    EMBEDDING_MODEL, "", "is required for embedding.provider=" + provider);
        }
    }

    /** Defaults, then the environment ({@code AMS_<KEY>} for every key), then {@code overrides}. */
    public static KnowledgeIndexerConfig fromEnvironment(
            Map<String, String> env, Map<?, ?> overrides) {
        return fromEnvironment(env, new Properties(), overrides);
    }

    /**
     * Defaults, then {@code base} (a properties file), then the environment, then {@code overrides}
     * (e.g. {@code -Dkey=value} system properties).
     */
    public static KnowledgeIndexerConfig fromEnvironment(
            Map<String, String> env, Properties base, Map<?, ?> overrides) {
        Map<Object, Object> props =
                CommonConfig.fromEnvironment(DEFINITION, env, base, ENVIRONMENT_ALIASES);
        props.putAll(overrides);
        return new KnowledgeIndexerConfig(props);
    }

    public String topicPrefix() {
        return getString(TOPIC_PREFIX);
    }

    public boolean readOnly() {
        return getBoolean(READ_ONLY);
    }

    public String applicationId() {
        return getString(APPLICATION_ID);
    }

    public TopicCatalogue catalogue() {
        return CommonConfig.catalogue(this);
    }

    /**
     * The Kafka Streams properties of this instance: the shared ones under exactly_once_v2, plus
     * room for chunk records. A {@code streams.*} key passed through still wins over these (a
     * rebuild, {@code ams replay}, overrides the guarantee that way).
     */
    public Properties streamsProperties() {
        Properties props =
                CommonConfig.streamsProperties(
                        this, StreamsConfig.EXACTLY_ONCE_V2, DEFAULT_COMMIT_INTERVAL_MS);
        props.putIfAbsent(
                StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) getShort(TOPIC_REPLICATION_FACTOR));
        // Chunk records carry a whole document's vectors: allow them through.
        props.putIfAbsent(
                StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                4 * 1024 * 1024);
        props.putIfAbsent(
                StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG),
                4 * 1024 * 1024);
        return props;
    }

    public static String help() {
        return DEFINITION.toRst();
    }

    /** The token this process's routes require and its calls carry; empty when none is set. */
    public Optional<BearerToken> apiToken() {
        return CommonConfig.apiToken(this);
    }
}
