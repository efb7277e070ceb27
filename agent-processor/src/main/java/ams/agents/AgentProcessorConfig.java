package ams.agents;

import ams.events.http.BearerToken;
import ams.events.streams.BoundedRocksDbMemory;
import ams.events.streams.StaticMembership;
import ams.events.topics.TopicCatalogue;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Every setting of the agent processor, typed and validated at start. Built from properties ({@link
 * #AgentProcessorConfig(Map)}) or from the environment ({@link #fromEnvironment}); keys prefixed
 * {@code streams.} are passed through to Kafka Streams unchanged (without the prefix).
 */
public final class AgentProcessorConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    public static final String TOPICS_PROVISION = "topics.provision";
    public static final String APPLICATION_ID = "application.id";
    public static final String STATE_DIR = "state.dir";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_ADVERTISED_HOST = "http.advertised.host";
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    public static final String NUM_STREAM_THREADS = "num.stream.threads";
    public static final String NUM_STANDBY_REPLICAS = "num.standby.replicas";
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";

    /** The commit interval under exactly_once_v2 when none is configured (see its doc string). */
    static final long DEFAULT_EOS_COMMIT_INTERVAL_MS = 1_000L;

    public static final String MAX_TEXT_BYTES = "max.text.bytes";
    public static final String MAX_CONFIG_BYTES = "max.config.bytes";
    public static final String QUERY_MAX_WAIT_MS = "query.max.wait.ms";
    public static final String QUERY_FORWARD_TIMEOUT_MS = "query.forward.timeout.ms";
    public static final String READ_ONLY = "read.only";
    public static final String STREAMS_PREFIX = "streams.";

    public static final String DEFAULT_APPLICATION_ID = "ams-agent-processor";

    /**
     * Environment variable → key, for the variables every AMS process reads (DESIGN.md) and this
     * module's own.
     */
    static final Map<String, String> ENVIRONMENT =
            Map.ofEntries(
                    Map.entry("AMS_BOOTSTRAP_SERVERS", BOOTSTRAP_SERVERS),
                    Map.entry("AMS_TOPIC_PREFIX", TOPIC_PREFIX),
                    Map.entry("AMS_TOPIC_PARTITIONS", TOPIC_PARTITIONS),
                    Map.entry("AMS_TOPIC_REPLICATION_FACTOR", TOPIC_REPLICATION_FACTOR),
                    Map.entry("AMS_STATE_DIR", STATE_DIR),
                    Map.entry("AMS_HTTP_HOST", HTTP_HOST),
                    Map.entry("AMS_HTTP_PORT", HTTP_PORT),
                    Map.entry(BearerToken.ENV, BearerToken.CONFIG_KEY),
                    Map.entry("AMS_HTTP_ADVERTISED_HOST", HTTP_ADVERTISED_HOST),
                    Map.entry("AMS_AGENTS_APPLICATION_ID", APPLICATION_ID),
                    Map.entry("AMS_AGENTS_PROCESSING_GUARANTEE", PROCESSING_GUARANTEE),
                    Map.entry("AMS_AGENTS_STREAM_THREADS", NUM_STREAM_THREADS),
                    Map.entry("AMS_AGENTS_STANDBY_REPLICAS", NUM_STANDBY_REPLICAS),
                    Map.entry("AMS_AGENTS_MAX_TEXT_BYTES", MAX_TEXT_BYTES));

    private static final ConfigDef DEFINITION =
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
                            new ConfigDef.NonEmptyString(),
                            Importance.HIGH,
                            "Kafka bootstrap servers (env AMS_BOOTSTRAP_SERVERS).")
                    .define(
                            TOPIC_PREFIX,
                            ConfigDef.Type.STRING,
                            TopicCatalogue.DEFAULT_PREFIX,
                            Importance.HIGH,
                            "Prefix of every AMS topic, e.g. 'ams.' gives 'ams.agent-events' (env AMS_TOPIC_PREFIX).")
                    .define(
                            TOPIC_PARTITIONS,
                            ConfigDef.Type.INT,
                            TopicCatalogue.DEFAULT_PARTITIONS,
                            Range.atLeast(1),
                            Importance.MEDIUM,
                            "Partitions of the AMS topics when this process creates them (existing topics are left as they are).")
                    .define(
                            TOPIC_REPLICATION_FACTOR,
                            ConfigDef.Type.SHORT,
                            (short) 1,
                            Importance.MEDIUM,
                            "Replication factor of the AMS topics when this process creates them.")
                    .define(
                            TOPICS_PROVISION,
                            ConfigDef.Type.BOOLEAN,
                            true,
                            Importance.LOW,
                            "Create missing AMS topics at start (idempotent).")
                    .define(
                            APPLICATION_ID,
                            ConfigDef.Type.STRING,
                            DEFAULT_APPLICATION_ID,
                            new ConfigDef.NonEmptyString(),
                            Importance.HIGH,
                            "Kafka Streams application.id: consumer group, prefix of changelog and repartition topics.")
                    .define(
                            STATE_DIR,
                            ConfigDef.Type.STRING,
                            "./ams-data/state/agent-processor",
                            new ConfigDef.NonEmptyString(),
                            Importance.HIGH,
                            "Directory of the RocksDB stores; each instance needs its own (env AMS_STATE_DIR).")
                    .define(
                            HTTP_HOST,
                            ConfigDef.Type.STRING,
                            "127.0.0.1",
                            new ConfigDef.NonEmptyString(),
                            Importance.MEDIUM,
                            "Interface the HTTP query routes listen on (env AMS_HTTP_HOST).")
                    .define(
                            HTTP_PORT,
                            ConfigDef.Type.INT,
                            8081,
                            Range.between(1, 65535),
                            Importance.HIGH,
                            "Port of the HTTP query routes; also advertised as application.server (env AMS_HTTP_PORT).")
                    .define(
                            HTTP_ADVERTISED_HOST,
                            ConfigDef.Type.STRING,
                            "",
                            Importance.LOW,
                            "Host other instances use to reach this one; empty means http.host.")
                    .define(
                            PROCESSING_GUARANTEE,
                            ConfigDef.Type.STRING,
                            StreamsConfig.EXACTLY_ONCE_V2,
                            ValidString.in(
                                    StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE),
                            Importance.MEDIUM,
                            "exactly_once_v2 (default: the stores and dead-letters move together) or at_least_once.")
                    .define(
                            NUM_STREAM_THREADS,
                            ConfigDef.Type.INT,
                            1,
                            Range.atLeast(1),
                            Importance.MEDIUM,
                            "Stream threads of this instance.")
                    .define(
                            NUM_STANDBY_REPLICAS,
                            ConfigDef.Type.INT,
                            0,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "Warm copies of each store on other instances, for fast take-over when an instance dies.")
                    .define(
                            COMMIT_INTERVAL_MS,
                            ConfigDef.Type.LONG,
                            null,
                            Importance.LOW,
                            "How often state and offsets are committed (with EOS: the transaction length). Empty: 1 s with "
                                    + "exactly_once_v2 (Kafka Streams' own default is 100 ms), 30 s with at_least_once. Each commit "
                                    + "ends a transaction and flushes the record cache, writing every agent changed since the last one "
                                    + "to RocksDB and the changelogs: at 1 s the fold ran about twice as fast as at 100 ms "
                                    + "(bench/RESULTS.md). The price: dead letters reach read_committed readers up to that much later, "
                                    + "and a crash redoes up to that much work; queries see applied events at once either way.")
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

    /** Defaults, then {@code base}, then the environment variables in {@link #ENVIRONMENT}. */
    public static AgentProcessorConfig fromEnvironment(
            Map<String, String> environment, Properties base) {
        Map<Object, Object> props = new HashMap<>(base);
        ENVIRONMENT.forEach(
                (variable, key) -> {
                    String value = environment.get(variable);
                    if (value != null && !value.isBlank()) {
                        props.put(key, value);
                    }
                });
        return new AgentProcessorConfig(props);
    }

    public static ConfigDef definition() {
        return new ConfigDef(DEFINITION);
    }

    public TopicCatalogue catalogue() {
        return new TopicCatalogue(
                getString(TOPIC_PREFIX),
                getInt(TOPIC_PARTITIONS),
                getShort(TOPIC_REPLICATION_FACTOR));
    }

    public String advertisedHost() {
        String advertised = getString(HTTP_ADVERTISED_HOST);
        return advertised.isBlank() ? getString(HTTP_HOST) : advertised;
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
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, getString(BOOTSTRAP_SERVERS));
        props.put(StreamsConfig.STATE_DIR_CONFIG, getString(STATE_DIR));
        props.put(
                StreamsConfig.APPLICATION_SERVER_CONFIG,
                advertisedHost() + ":" + getInt(HTTP_PORT));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, getString(PROCESSING_GUARANTEE));
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, getInt(NUM_STREAM_THREADS));
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, getInt(NUM_STANDBY_REPLICAS));
        Long commitInterval = getLong(COMMIT_INTERVAL_MS);
        if (commitInterval == null
                && StreamsConfig.EXACTLY_ONCE_V2.equals(getString(PROCESSING_GUARANTEE))) {
            commitInterval = DEFAULT_EOS_COMMIT_INTERVAL_MS;
        }
        if (commitInterval != null) {
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval);
        }
        // A renamed operator must never silently start a new, empty changelog.
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        BoundedRocksDbMemory.apply(props);
        props.putAll(originalsWithPrefix(STREAMS_PREFIX));
        StaticMembership.apply(props);
        return props;
    }

    /** The token this process's routes require and its calls carry; empty when none is set. */
    public Optional<BearerToken> apiToken() {
        Password token = getPassword(BearerToken.CONFIG_KEY);
        return BearerToken.of(token == null ? null : token.value());
    }
}
