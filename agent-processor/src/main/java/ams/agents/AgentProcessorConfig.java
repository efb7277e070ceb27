package ams.agents;

import ams.events.http.BearerToken;
import ams.events.topics.TopicCatalogue;
import ams.service.config.CommonConfig;
import ams.service.config.CommonConfig.ModuleDefaults;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Every setting of the agent processor, typed and validated at start: the keys every AMS process
 * shares ({@link CommonConfig}) plus this module's own. Built from properties ({@link
 * #AgentProcessorConfig(Map)}) or from the environment ({@link #fromEnvironment}); keys prefixed
 * {@code streams.} are passed through to Kafka Streams unchanged (without the prefix).
 */
public final class AgentProcessorConfig extends AbstractConfig {

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
    public static final String FORWARD_PORT = CommonConfig.FORWARD_PORT;
    public static final String COMMIT_INTERVAL_MS = CommonConfig.COMMIT_INTERVAL_MS;
    public static final String CACHE_MAX_BYTES = CommonConfig.CACHE_MAX_BYTES;
    public static final String STREAMS_PREFIX = CommonConfig.STREAMS_PREFIX;

    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    public static final String NUM_STANDBY_REPLICAS = "num.standby.replicas";
    public static final String MAX_TEXT_BYTES = "max.text.bytes";
    public static final String MAX_CONFIG_BYTES = "max.config.bytes";
    public static final String QUERY_MAX_WAIT_MS = "query.max.wait.ms";
    public static final String QUERY_FORWARD_TIMEOUT_MS = "query.forward.timeout.ms";
    public static final String READ_ONLY = "read.only";

    public static final String DEFAULT_APPLICATION_ID = "ams-agent-processor";

    /**
     * The commit interval under exactly_once_v2 when none is configured. Kafka Streams' own default
     * is 100 ms; each commit ends a transaction and flushes the record cache, writing every agent
     * changed since the last one to RocksDB and the changelogs: at 1 s the fold ran about twice as
     * fast (bench/RESULTS.md). The price: dead letters reach read_committed readers up to that much
     * later, and a crash redoes up to that much work; queries see applied events at once either
     * way. With at_least_once Kafka's own default (30 s) applies.
     */
    static final long DEFAULT_EOS_COMMIT_INTERVAL_MS = 1_000L;

    /**
     * The record cache when none is configured ({@code statestore.cache.max.bytes}, or the same key
     * under {@code streams.}), instead of Kafka Streams' 10 MiB. It holds the {@code agents} rows:
     * the fold reads an agent's row before each event, and a row found in the cache costs neither a
     * RocksDB read nor, when it is evicted later, a write. 128 MiB holds about 150,000 rows of the
     * benchmark's size (an agent with the original's full templates takes a few KiB: fewer); an
     * instance whose active agents outnumber that, touched in turn, misses on every event, as a
     * least-recently-used cache does. The price is heap: up to this much per instance. In the
     * agents benchmark's round-robin order (100,000 agents) it cut the stream thread's CPU per
     * event by about a fifth (bench/results-issue-15.md).
     */
    static final long DEFAULT_CACHE_MAX_BYTES = 128L * 1024 * 1024;

    /**
     * The batch size of the Streams producer when none is configured ({@code
     * streams.producer.batch.size}), instead of Kafka's 16 KiB. Every applied event sends its
     * version (the whole state, a configuration included) to the history changelog: with 16 KiB
     * batches a new batch, and a wake-up of the sender thread, came every few dozen events, and the
     * stream thread spent about half of its CPU per event around them (measured, bench/
     * results-issue-15.md). The price: up to this much memory per partition being written, within
     * the producer's {@code buffer.memory}.
     */
    static final int DEFAULT_PRODUCER_BATCH_BYTES = 256 * 1024;

    /**
     * The variables this module read before the one {@code AMS_<KEY>} rule, kept as aliases
     * (variable → key); {@code AMS_<KEY>} wins when both are set.
     */
    static final Map<String, String> ENVIRONMENT_ALIASES =
            Map.of(
                    "AMS_AGENTS_APPLICATION_ID", APPLICATION_ID,
                    "AMS_AGENTS_PROCESSING_GUARANTEE", PROCESSING_GUARANTEE,
                    "AMS_AGENTS_STREAM_THREADS", NUM_STREAM_THREADS,
                    "AMS_AGENTS_STANDBY_REPLICAS", NUM_STANDBY_REPLICAS,
                    "AMS_AGENTS_MAX_TEXT_BYTES", MAX_TEXT_BYTES);

    private static final ConfigDef DEFINITION =
            CommonConfig.defineStreams(
                            CommonConfig.defineService(
                                    new ConfigDef(),
                                    new ModuleDefaults(
                                            DEFAULT_APPLICATION_ID,
                                            "./ams-data/state/agent-processor",
                                            8081)))
                    .define(
                            PROCESSING_GUARANTEE,
                            ConfigDef.Type.STRING,
                            StreamsConfig.EXACTLY_ONCE_V2,
                            ValidString.in(
                                    StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE),
                            Importance.MEDIUM,
                            "exactly_once_v2 (default: the stores and dead-letters move together) or at_least_once.")
                    .define(
                            NUM_STANDBY_REPLICAS,
                            ConfigDef.Type.INT,
                            0,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "Warm copies of each store on other instances, for fast take-over when an instance dies.")
                    .define(
                            MAX_TEXT_BYTES,
                            ConfigDef.Type.INT,
                            64 * 1024,
                            Range.atLeast(1),
                            Importance.MEDIUM,
                            "Largest UTF-8 size of one text in an event (prompt, name, description, config document, merge patch); "
                                    + "larger is dead-lettered as TEXT_TOO_LARGE.")
                    .define(
                            MAX_CONFIG_BYTES,
                            ConfigDef.Type.INT,
                            1024 * 1024,
                            Range.atLeast(1),
                            Importance.LOW,
                            "Largest UTF-8 size of an agent's configuration after a change; larger is dead-lettered as TEXT_TOO_LARGE.")
                    .define(
                            QUERY_MAX_WAIT_MS,
                            ConfigDef.Type.LONG,
                            10_000L,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "How long a query waits for a store that is migrating or restoring before answering 503.")
                    .define(
                            READ_ONLY,
                            ConfigDef.Type.BOOLEAN,
                            false,
                            Importance.LOW,
                            "Rebuild the stores from the log without writing to it: no dead letters (they were written when "
                                    + "the events first arrived). What a replay uses; the stores are the same either way.")
                    .define(
                            QUERY_FORWARD_TIMEOUT_MS,
                            ConfigDef.Type.LONG,
                            5_000L,
                            Range.atLeast(1),
                            Importance.LOW,
                            "Timeout of a query forwarded to the instance that owns the key.");

    public AgentProcessorConfig(Map<?, ?> props) {
        super(DEFINITION, props);
    }

    /**
     * Defaults, then {@code base}, then the environment: {@code AMS_<KEY>} for every key, and the
     * {@link #ENVIRONMENT_ALIASES}.
     */
    public static AgentProcessorConfig fromEnvironment(
            Map<String, String> environment, Properties base) {
        return new AgentProcessorConfig(
                CommonConfig.fromEnvironment(DEFINITION, environment, base, ENVIRONMENT_ALIASES));
    }

    public static ConfigDef definition() {
        return new ConfigDef(DEFINITION);
    }

    public TopicCatalogue catalogue() {
        return CommonConfig.catalogue(this);
    }

    public int maxTextBytes() {
        return getInt(MAX_TEXT_BYTES);
    }

    public int maxConfigBytes() {
        return getInt(MAX_CONFIG_BYTES);
    }

    public boolean readOnly() {
        return getBoolean(READ_ONLY);
    }

    public Duration queryMaxWait() {
        return Duration.ofMillis(getLong(QUERY_MAX_WAIT_MS));
    }

    public Duration forwardTimeout() {
        return Duration.ofMillis(getLong(QUERY_FORWARD_TIMEOUT_MS));
    }

    /** The Kafka Streams properties of this instance. */
    public Properties streamsProperties() {
        String guarantee = getString(PROCESSING_GUARANTEE);
        Properties props =
                CommonConfig.streamsProperties(
                        this,
                        guarantee,
                        StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee)
                                ? DEFAULT_EOS_COMMIT_INTERVAL_MS
                                : null);
        // A streams.num.standby.replicas passed through still wins, as it always did.
        props.putIfAbsent(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, getInt(NUM_STANDBY_REPLICAS));
        if (!originals().containsKey(CACHE_MAX_BYTES)
                && !originals()
                        .containsKey(
                                STREAMS_PREFIX + StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG)) {
            props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, DEFAULT_CACHE_MAX_BYTES);
        }
        props.putIfAbsent(
                StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG),
                DEFAULT_PRODUCER_BATCH_BYTES);
        return props;
    }

    /** The token this process's routes require and its calls carry; empty when none is set. */
    public Optional<BearerToken> apiToken() {
        return CommonConfig.apiToken(this);
    }
}
