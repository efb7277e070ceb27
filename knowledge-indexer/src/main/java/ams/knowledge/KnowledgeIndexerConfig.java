package ams.knowledge;

import ams.events.http.BearerToken;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Every setting of the knowledge indexer: keys, types, defaults and validation in one place. Read
 * from a map (tests, {@code app}) or from {@code AMS_*} environment variables.
 */
public final class KnowledgeIndexerConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    public static final String APPLICATION_ID = "application.id";
    public static final String STATE_DIR = "state.dir";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
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
    public static final String STREAM_THREADS = "stream.threads";
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    public static final String READ_ONLY = "read.only";

    public static final String PROVIDER_IN_PROCESS = "in-process";
    public static final String PROVIDER_OPENAI = "openai";
    public static final String PROVIDER_OLLAMA = "ollama";

    /**
     * Environment variable for each key that has one (DESIGN: every process reads the AMS_*
     * variables).
     */
    public static final Map<String, String> ENVIRONMENT =
            Map.ofEntries(
                    Map.entry("AMS_BOOTSTRAP_SERVERS", BOOTSTRAP_SERVERS),
                    Map.entry("AMS_TOPIC_PREFIX", TOPIC_PREFIX),
                    Map.entry("AMS_TOPIC_PARTITIONS", TOPIC_PARTITIONS),
                    Map.entry("AMS_STATE_DIR", STATE_DIR),
                    Map.entry("AMS_HTTP_HOST", HTTP_HOST),
                    Map.entry("AMS_HTTP_PORT", HTTP_PORT),
                    Map.entry(BearerToken.ENV, BearerToken.CONFIG_KEY),
                    Map.entry("AMS_EMBEDDING_PROVIDER", EMBEDDING_PROVIDER),
                    Map.entry("AMS_EMBEDDING_BASE_URL", EMBEDDING_BASE_URL),
                    Map.entry("AMS_EMBEDDING_MODEL", EMBEDDING_MODEL),
                    Map.entry("AMS_EMBEDDING_API_KEY", EMBEDDING_API_KEY));

    public static final ConfigDef DEFINITION =
            new ConfigDef()
                    .define(
                            BearerToken.CONFIG_KEY,
                            ConfigDef.Type.PASSWORD,
                            null,
                            Importance.HIGH,
                            "Bearer token every HTTP route of this process requires but /health, and its calls to other"
                                    + " instances and processors carry (env AMS_API_TOKEN). Empty: none.")
                    .define(
                            BOOTSTRAP_SERVERS,
                            ConfigDef.Type.STRING,
                            "localhost:9092",
                            Importance.HIGH,
                            "Kafka bootstrap servers (env AMS_BOOTSTRAP_SERVERS).")
                    .define(
                            TOPIC_PREFIX,
                            ConfigDef.Type.STRING,
                            "ams.",
                            Importance.HIGH,
                            "Prefix of every topic name (env AMS_TOPIC_PREFIX).")
                    .define(
                            TOPIC_PARTITIONS,
                            ConfigDef.Type.INT,
                            3,
                            Range.atLeast(1),
                            Importance.MEDIUM,
                            "Partitions of topics this module creates when missing; the internal chunks topic must match knowledge-events.")
                    .define(
                            TOPIC_REPLICATION_FACTOR,
                            ConfigDef.Type.SHORT,
                            (short) 1,
                            Importance.MEDIUM,
                            "Replication factor of topics this module creates.")
                    .define(
                            APPLICATION_ID,
                            ConfigDef.Type.STRING,
                            "ams-knowledge-indexer",
                            new ConfigDef.NonEmptyString(),
                            Importance.HIGH,
                            "Kafka Streams application.id; the embedding worker's consumer group is <application.id>-embedder.")
                    .define(
                            STATE_DIR,
                            ConfigDef.Type.STRING,
                            "./ams-data/state/knowledge-indexer",
                            Importance.MEDIUM,
                            "Directory of the RocksDB stores (env AMS_STATE_DIR).")
                    .define(
                            HTTP_HOST,
                            ConfigDef.Type.STRING,
                            "127.0.0.1",
                            Importance.MEDIUM,
                            "Host this instance's HTTP routes are reachable at; also its Streams application.server (env AMS_HTTP_HOST).")
                    .define(
                            HTTP_PORT,
                            ConfigDef.Type.INT,
                            8082,
                            Range.between(0, 65535),
                            Importance.MEDIUM,
                            "HTTP port of this instance (env AMS_HTTP_PORT).")
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
                            STREAM_THREADS,
                            ConfigDef.Type.INT,
                            1,
                            Range.atLeast(1),
                            Importance.LOW,
                            "Kafka Streams threads.")
                    .define(
                            COMMIT_INTERVAL_MS,
                            ConfigDef.Type.LONG,
                            100L,
                            Range.atLeast(1),
                            Importance.LOW,
                            "Kafka Streams commit interval (exactly_once_v2).");

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

    /** Defaults overridden by the AMS_* environment variables, then by {@code overrides}. */
    public static KnowledgeIndexerConfig fromEnvironment(
            Map<String, String> env, Map<String, ?> overrides) {
        Map<String, Object> props = new HashMap<>();
        ENVIRONMENT.forEach(
                (variable, key) -> {
                    String value = env.get(variable);
                    if (value != null && !value.isBlank()) {
                        props.put(key, value);
                    }
                });
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

    public static String help() {
        return DEFINITION.toRst();
    }

    /** The token this process's routes require and its calls carry; empty when none is set. */
    public Optional<BearerToken> apiToken() {
        Password token = getPassword(BearerToken.CONFIG_KEY);
        return BearerToken.of(token == null ? null : token.value());
    }
}
