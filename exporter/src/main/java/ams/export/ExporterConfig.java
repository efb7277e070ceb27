package ams.export;

import ams.events.http.BearerToken;
import ams.events.topics.TopicCatalogue;
import ams.export.sink.RotationPolicy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Every setting of the exporter, typed, documented and validated at start. Each key can also be
 * given as an environment variable: {@code AMS_} + the key in upper case with dots as underscores
 * ({@code dataset.root} is {@code AMS_DATASET_ROOT}).
 */
public final class ExporterConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String DATASET_ROOT = "dataset.root";
    public static final String GROUP_ID = "exporter.group.id";
    public static final String DATASETS = "exporter.datasets";
    public static final List<String> ALL_DATASETS =
            List.of("messages", "turns", "chat", "sharegpt");
    public static final String ROTATE_MAX_ROWS = "exporter.rotate.max.rows";
    public static final String ROTATE_MAX_BYTES = "exporter.rotate.max.bytes";
    public static final String ROTATE_INTERVAL_MS = "exporter.rotate.interval.ms";
    public static final String PARQUET_CODEC = "exporter.parquet.codec";
    public static final String RETRY_BACKOFF_MS = "exporter.retry.backoff.ms";
    public static final String POLL_MAX_RECORDS = "exporter.poll.max.records";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";

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
                            "Kafka bootstrap servers.")
                    .define(
                            TOPIC_PREFIX,
                            ConfigDef.Type.STRING,
                            TopicCatalogue.DEFAULT_PREFIX,
                            Importance.HIGH,
                            "Prefix of every topic name, e.g. 'ams.' gives 'ams.conversation-events'.")
                    .define(
                            TOPIC_PARTITIONS,
                            ConfigDef.Type.INT,
                            TopicCatalogue.DEFAULT_PARTITIONS,
                            Range.atLeast(1),
                            Importance.LOW,
                            "Partitions of topics this process creates when they are missing (the importer).")
                    .define(
                            DATASET_ROOT,
                            ConfigDef.Type.STRING,
                            "./ams-data/datasets",
                            Importance.HIGH,
                            "Directory the datasets are written under (messages/, jsonl/, agents.parquet, ...).")
                    .define(
                            GROUP_ID,
                            ConfigDef.Type.STRING,
                            "ams-exporter",
                            Importance.MEDIUM,
                            "Consumer group of the continuous sink. Offsets are committed for monitoring only:"
                                    + " positions are always derived from the files on disk.")
                    .define(
                            DATASETS,
                            ConfigDef.Type.LIST,
                            String.join(",", ALL_DATASETS),
                            (name, value) -> {
                                @SuppressWarnings("unchecked")
                                List<String> names = (List<String>) value;
                                if (names.isEmpty() || !ALL_DATASETS.containsAll(names)) {
                                    throw new ConfigException(
                                            name, value, "choose one or more of " + ALL_DATASETS);
                                }
                            },
                            Importance.MEDIUM,
                            "Datasets the continuous sink writes: messages (Parquet), turns, chat, sharegpt (JSONL).")
                    .define(
                            ROTATE_MAX_ROWS,
                            ConfigDef.Type.LONG,
                            100_000L,
                            Range.atLeast(1),
                            Importance.MEDIUM,
                            "A file is closed and published once it holds this many rows.")
                    .define(
                            ROTATE_MAX_BYTES,
                            ConfigDef.Type.LONG,
                            128L * 1024 * 1024,
                            Range.atLeast(1),
                            Importance.MEDIUM,
                            "A file is closed and published once about this many bytes were written to it.")
                    .define(
                            ROTATE_INTERVAL_MS,
                            ConfigDef.Type.LONG,
                            60_000L,
                            Range.atLeast(1),
                            Importance.MEDIUM,
                            "A file is closed and published when its records span this much record time, or when it"
                                    + " has been open this long by the wall clock (so a quiet topic still gets its files).")
                    .define(
                            PARQUET_CODEC,
                            ConfigDef.Type.STRING,
                            "ZSTD",
                            ValidString.in("ZSTD", "SNAPPY", "GZIP", "UNCOMPRESSED"),
                            Importance.LOW,
                            "Parquet compression codec.")
                    .define(
                            RETRY_BACKOFF_MS,
                            ConfigDef.Type.LONG,
                            5_000L,
                            Range.atLeast(1),
                            Importance.LOW,
                            "After a write failure (full disk, unwritable root) the sink waits this long, then resumes"
                                    + " from the files on disk.")
                    .define(
                            POLL_MAX_RECORDS,
                            ConfigDef.Type.INT,
                            2_000,
                            Range.atLeast(1),
                            Importance.LOW,
                            "max.poll.records of the sink's consumer.")
                    .define(
                            HTTP_HOST,
                            ConfigDef.Type.STRING,
                            "127.0.0.1",
                            Importance.LOW,
                            "Host the exporter's own HTTP server binds.")
                    .define(
                            HTTP_PORT,
                            ConfigDef.Type.INT,
                            8085,
                            Range.between(0, 65535),
                            Importance.LOW,
                            "Port of the exporter's own HTTP server when run alone (0 = no server).");

    public ExporterConfig(Map<?, ?> props) {
        super(DEFINITION, props);
    }

    /** Defaults, overridden by environment variables, overridden by {@code overrides}. */
    public static ExporterConfig fromEnvironment(
            Map<String, String> env, Map<String, ?> overrides) {
        Map<String, Object> props = new HashMap<>();
        for (String key : DEFINITION.names()) {
            String value = env.get(envName(key));
            if (value != null) {
                props.put(key, value);
            }
        }
        props.putAll(overrides);
        try {
            return new ExporterConfig(props);
        } catch (ConfigException e) {
            throw new ConfigException(
                    "Invalid exporter configuration: "
                            + e.getMessage()
                            + " (keys can be set as AMS_<KEY> environment variables)");
        }
    }

    /**
     * {@code dataset.root} becomes {@code AMS_DATASET_ROOT}; the exporter's own keys keep their
     * prefix.
     */
    public static String envName(String key) {
        return "AMS_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    public TopicCatalogue catalogue() {
        return new TopicCatalogue(getString(TOPIC_PREFIX), getInt(TOPIC_PARTITIONS), (short) 1);
    }

    public Path datasetRoot() {
        return Path.of(getString(DATASET_ROOT));
    }

    public String groupId() {
        return getString(GROUP_ID);
    }

    public Set<String> datasets() {
        return Set.copyOf(getList(DATASETS));
    }

    public RotationPolicy rotation() {
        return new RotationPolicy(
                getLong(ROTATE_MAX_ROWS), getLong(ROTATE_MAX_BYTES), getLong(ROTATE_INTERVAL_MS));
    }

    public String parquetCodec() {
        return getString(PARQUET_CODEC);
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS);
    }

    public int pollMaxRecords() {
        return getInt(POLL_MAX_RECORDS);
    }

    public String httpHost() {
        return getString(HTTP_HOST);
    }

    public int httpPort() {
        return getInt(HTTP_PORT);
    }

    /** The token this process's routes require and its calls carry; empty when none is set. */
    public Optional<BearerToken> apiToken() {
        Password token = getPassword(BearerToken.CONFIG_KEY);
        return BearerToken.of(token == null ? null : token.value());
    }
}
