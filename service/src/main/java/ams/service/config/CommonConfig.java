package ams.service.config;

import ams.events.http.BearerToken;
import ams.events.streams.BoundedRocksDbMemory;
import ams.events.streams.IdleCommits;
import ams.events.streams.StaticMembership;
import ams.events.topics.TopicCatalogue;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The settings every AMS process shares, defined once: module configs add these to their own {@link
 * ConfigDef} and keep only their own keys. Three defaults differ by module on purpose (the
 * application id, the state directory and the HTTP port, so that processors started side by side
 * with defaults do not collide); everything else is identical everywhere, which {@code
 * ProcessorDefaultsTest} (app module) checks.
 *
 * <p>One environment rule for every key: {@code AMS_} + the key upper-cased with dots as
 * underscores ({@code http.port} ← {@code AMS_HTTP_PORT}); a module may document extra aliases.
 * Keys prefixed {@code streams.} pass through to Kafka Streams without the prefix.
 */
public final class CommonConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    public static final String TOPICS_PROVISION = "topics.provision";
    public static final String APPLICATION_ID = "application.id";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_ADVERTISED_HOST = "http.advertised.host";
    public static final String FORWARD_PORT = "forward.port";
    public static final String API_TOKEN = BearerToken.CONFIG_KEY;

    public static final String STATE_DIR = "state.dir";
    public static final String NUM_STREAM_THREADS = "num.stream.threads";
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    public static final String CACHE_MAX_BYTES = "statestore.cache.max.bytes";
    public static final String COMMIT_WHEN_IDLE_MS = IdleCommits.CONFIG_KEY;
    public static final String STREAMS_PREFIX = "streams.";

    public static final String ENV_PREFIX = "AMS_";

    /** Kafka Streams' own record-cache default (10 MiB), stated here so every module agrees. */
    public static final long DEFAULT_CACHE_MAX_BYTES = 10L * 1024 * 1024;

    /** The defaults that differ by module. */
    public record ModuleDefaults(String applicationId, String stateDir, int httpPort) {}

    private CommonConfig() {}

    /** Adds the keys of every process (Kafka, topics, identity, HTTP, token) to {@code def}. */
    public static ConfigDef defineService(ConfigDef def, ModuleDefaults defaults) {
        return def.define(
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
                        Range.atLeast(1),
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
                        defaults.applicationId(),
                        new ConfigDef.NonEmptyString(),
                        Importance.HIGH,
                        "Application id: the consumer group, the prefix of internal topics, and the name dead letters carry.")
                .define(
                        HTTP_HOST,
                        ConfigDef.Type.STRING,
                        "127.0.0.1",
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Interface the HTTP routes listen on (env AMS_HTTP_HOST).")
                .define(
                        HTTP_PORT,
                        ConfigDef.Type.INT,
                        defaults.httpPort(),
                        Range.between(0, 65535),
                        Importance.HIGH,
                        "Port of the HTTP routes (0: any free port); also advertised as application.server unless forward.port is set"
                                + " (env AMS_HTTP_PORT).")
                .define(
                        HTTP_ADVERTISED_HOST,
                        ConfigDef.Type.STRING,
                        "",
                        Importance.LOW,
                        "Host other instances use to reach this one; empty means http.host.")
                .define(
                        API_TOKEN,
                        ConfigDef.Type.PASSWORD,
                        null,
                        Importance.HIGH,
                        "Bearer token every HTTP route of this process requires but /health, and its calls to other"
                                + " instances and processors carry (env AMS_API_TOKEN). Empty: none.")
                .define(
                        STATE_DIR,
                        ConfigDef.Type.STRING,
                        defaults.stateDir(),
                        new ConfigDef.NonEmptyString(),
                        Importance.HIGH,
                        "Directory of this process's local state (RocksDB stores, datasets); each instance needs its own (env AMS_STATE_DIR).");
    }

    /**
     * Adds the Kafka Streams keys (threads, forward port, commit interval, record cache) to {@code
     * def}.
     */
    public static ConfigDef defineStreams(ConfigDef def) {
        return def.define(
                        NUM_STREAM_THREADS,
                        ConfigDef.Type.INT,
                        1,
                        Range.atLeast(1),
                        Importance.MEDIUM,
                        "Stream threads of this instance (env AMS_NUM_STREAM_THREADS).")
                .define(
                        FORWARD_PORT,
                        ConfigDef.Type.INT,
                        0,
                        Range.between(0, 65535),
                        Importance.LOW,
                        "Port where other instances of this application forward queries for the keys this one"
                                + " owns: a lean listener in front of the same routes, token and answers as the HTTP"
                                + " port, advertised as application.server instead of http.port. Worth it when an"
                                + " application runs as several instances; keep it off the public network like"
                                + " http.port. 0: none, instances forward to each other's HTTP port (env"
                                + " AMS_FORWARD_PORT).")
                .define(
                        COMMIT_INTERVAL_MS,
                        ConfigDef.Type.LONG,
                        null,
                        Importance.LOW,
                        "How often state and offsets are committed (with exactly-once: the transaction length). Empty: the"
                                + " module's default (see its README).")
                .define(
                        CACHE_MAX_BYTES,
                        ConfigDef.Type.LONG,
                        DEFAULT_CACHE_MAX_BYTES,
                        Range.atLeast(0),
                        Importance.LOW,
                        "Record cache of the stores, shared by the stream threads of this instance.")
                .define(
                        COMMIT_WHEN_IDLE_MS,
                        ConfigDef.Type.LONG,
                        null,
                        Importance.LOW,
                        "When set, a task whose input has been idle this long commits at once instead of at the"
                                + " next commit interval (what a rebuild, which commits rarely, uses). Empty: off.");
    }

    /**
     * {@code topology} with {@link IdleCommits} when {@value #COMMIT_WHEN_IDLE_MS} is set, else as
     * it is.
     */
    public static Topology withIdleCommits(Topology topology, AbstractConfig config) {
        Long idleMs = config.getLong(COMMIT_WHEN_IDLE_MS);
        if (idleMs == null) {
            return topology;
        }
        if (idleMs <= 0) {
            throw new ConfigException(
                    COMMIT_WHEN_IDLE_MS, idleMs, "must be a positive number of milliseconds");
        }
        return IdleCommits.addTo(topology, Duration.ofMillis(idleMs));
    }

    /**
     * Defaults, then {@code base}, then environment variables: {@code AMS_<KEY>} for every key of
     * {@code def}, and {@code aliases} (variable → key) a module keeps for names it used before.
     */
    public static Map<Object, Object> fromEnvironment(
            ConfigDef def,
            Map<String, String> environment,
            Properties base,
            Map<String, String> aliases) {
        Map<Object, Object> props = new HashMap<>(base);
        aliases.forEach((variable, key) -> putIfSet(props, environment.get(variable), key));
        for (String key : def.names()) {
            putIfSet(props, environment.get(environmentVariable(key)), key);
        }
        return props;
    }

    /**
     * {@code props} with the keys a module renamed ({@code renamed}: old key → new key) read as
     * their new name, so that a properties file or caller written for the old name keeps working;
     * the new name wins when both are set.
     */
    public static Map<Object, Object> renamedKeys(Map<?, ?> props, Map<String, String> renamed) {
        Map<Object, Object> result = new HashMap<>(props);
        renamed.forEach(
                (old, current) -> {
                    Object value = result.remove(old);
                    if (value != null) {
                        result.putIfAbsent(current, value);
                    }
                });
        return result;
    }

    /** The variable that sets {@code key}: {@code http.port} → {@code AMS_HTTP_PORT}. */
    public static String environmentVariable(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static void putIfSet(Map<Object, Object> props, String value, String key) {
        if (value != null && !value.isBlank()) {
            props.put(key, value);
        }
    }

    public static TopicCatalogue catalogue(AbstractConfig config) {
        return new TopicCatalogue(
                config.getString(TOPIC_PREFIX),
                config.getInt(TOPIC_PARTITIONS),
                config.getShort(TOPIC_REPLICATION_FACTOR));
    }

    public static String advertisedHost(AbstractConfig config) {
        String advertised = config.getString(HTTP_ADVERTISED_HOST);
        return advertised.isBlank() ? config.getString(HTTP_HOST) : advertised;
    }

    /**
     * Where other instances reach this one for the keys it owns (its {@code application.server}):
     * the forward port when one is set, else the HTTP port.
     */
    public static HostInfo applicationServer(AbstractConfig config) {
        int forwardPort = config.getInt(FORWARD_PORT);
        return new HostInfo(
                advertisedHost(config), forwardPort != 0 ? forwardPort : config.getInt(HTTP_PORT));
    }

    /** The token this process's routes require and its calls carry; empty when none is set. */
    public static Optional<BearerToken> apiToken(AbstractConfig config) {
        Password token = config.getPassword(API_TOKEN);
        return BearerToken.of(token == null ? null : token.value());
    }

    /**
     * The Kafka Streams properties every module starts from: identity, state, application.server,
     * threads, commit interval ({@code defaultCommitIntervalMs} when none is set; null leaves
     * Kafka's), record cache, explicit internal names (a renamed operator must never silently start
     * a new, empty changelog), bounded RocksDB memory, the {@code streams.} passthrough, static
     * membership. The module adds its processing guarantee and own keys.
     */
    public static Properties streamsProperties(
            AbstractConfig config, String processingGuarantee, Long defaultCommitIntervalMs) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.getString(APPLICATION_ID));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(BOOTSTRAP_SERVERS));
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.getString(STATE_DIR));
        HostInfo server = applicationServer(config);
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, server.host() + ":" + server.port());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.getInt(NUM_STREAM_THREADS));
        Long commitInterval = config.getLong(COMMIT_INTERVAL_MS);
        if (commitInterval == null) {
            commitInterval = defaultCommitIntervalMs;
        }
        if (commitInterval != null) {
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval);
        }
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, config.getLong(CACHE_MAX_BYTES));
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        BoundedRocksDbMemory.apply(props);
        props.putAll(config.originalsWithPrefix(STREAMS_PREFIX));
        StaticMembership.apply(props);
        return props;
    }
}
