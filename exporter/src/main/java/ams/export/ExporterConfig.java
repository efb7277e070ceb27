package ams.export;

import ams.events.http.BearerToken;
import ams.events.topics.TopicCatalogue;
import ams.export.sink.RotationPolicy;
import ams.service.config.CommonConfig;
import ams.service.config.CommonConfig.ModuleDefaults;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * Every setting of the exporter, typed, documented and validated at start. The keys every process
 * shares come from {@link CommonConfig}; the exporter is a plain consumer, not a Streams app, so
 * its {@code application.id} is its consumer group. Each key can also be given as an environment
 * variable: {@code AMS_} + the key in upper case with dots as underscores ({@code dataset.root} is
 * {@code AMS_DATASET_ROOT}).
 */
public final class ExporterConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = CommonConfig.BOOTSTRAP_SERVERS;
    public static final String TOPIC_PREFIX = CommonConfig.TOPIC_PREFIX;
    public static final String TOPIC_PARTITIONS = CommonConfig.TOPIC_PARTITIONS;
    public static final String HTTP_HOST = CommonConfig.HTTP_HOST;
    public static final String HTTP_PORT = CommonConfig.HTTP_PORT;

    /**
     * The consumer group of the continuous sink: the shared {@code application.id}. Its old name
     * {@link #LEGACY_GROUP_ID} ({@code AMS_EXPORTER_GROUP_ID}) is still read when set.
     */
    public static final String GROUP_ID = CommonConfig.APPLICATION_ID;

    public static final String LEGACY_GROUP_ID = "exporter.group.id";
    public static final String DATASET_ROOT = "dataset.root";
    public static final String DATASETS = "exporter.datasets";
    public static final List<String> ALL_DATASETS =
            List.of("messages", "turns", "chat", "sharegpt");
    public static final String ROTATE_MAX_ROWS = "exporter.rotate.max.rows";
    public static final String ROTATE_MAX_BYTES = "exporter.rotate.max.bytes";
    public static final String ROTATE_INTERVAL_MS = "exporter.rotate.interval.ms";
    public static final String PARQUET_CODEC = "exporter.parquet.codec";
    public static final String RETRY_BACKOFF_MS = "exporter.retry.backoff.ms";
    public static final String POLL_MAX_RECORDS = "exporter.poll.max.records";
    public static final String FETCH_MAX_WAIT_MS = "exporter.fetch.max.wait.ms";

    /**
     * The exporter's defaults of the shared keys. It keeps no local state but its datasets (under
     * {@code dataset.root}); {@code state.dir} is there for what every process may need.
     */
    public static final ModuleDefaults DEFAULTS =
            new ModuleDefaults("ams-exporter", "./ams-data/state/exporter", 8085);

    /** Environment variables other than {@code AMS_<KEY>}: the group id's old name. */
    public static final Map<String, String> ENV_ALIASES =
            Map.of(CommonConfig.environmentVariable(LEGACY_GROUP_ID), GROUP_ID);

    public static final ConfigDef DEFINITION =
            CommonConfig.defineService(new ConfigDef(), DEFAULTS)
                    .define(
                            DATASET_ROOT,
                            ConfigDef.Type.STRING,
                            "./ams-data/datasets",
                            Importance.HIGH,
                            "Directory the datasets are written under (messages/, jsonl/, agents.parquet, ...).")
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
                            FETCH_MAX_WAIT_MS,
                            ConfigDef.Type.INT,
                            100,
                            Range.between(0, 500),
                            Importance.LOW,
                            "fetch.max.wait.ms of the sink's consumer (Kafka's default is 500). Closing the"
                                    + " consumer waits for the broker to answer the fetch in flight, which on a"
                                    + " caught-up topic waits this long: a shorter wait stops the sink sooner,"
                                    + " at the cost of more empty fetches while the topic is idle.");

    public ExporterConfig(Map<?, ?> props) {
        super(DEFINITION, CommonConfig.renamedKeys(props, Map.of(LEGACY_GROUP_ID, GROUP_ID)));
    }

    /**
     * Defaults, then {@code base} (e.g. a properties file), then the environment ({@code AMS_<KEY>}
     * and {@link #ENV_ALIASES}).
     */
    public static ExporterConfig fromEnvironment(Map<String, String> env, Map<String, ?> base) {
        Properties file = new Properties();
        file.putAll(base);
        return fromEnvironment(env, file);
    }

    /**
     * Defaults, then {@code file} (a properties file), then the environment ({@code AMS_<KEY>} and
     * {@link #ENV_ALIASES}).
     */
    public static ExporterConfig fromEnvironment(Map<String, String> env, Properties file) {
        try {
            return new ExporterConfig(
                    CommonConfig.fromEnvironment(DEFINITION, env, file, ENV_ALIASES));
        } catch (ConfigException e) {
            throw new ConfigException(
                    "Invalid exporter configuration: "
                            + e.getMessage()
                            + " (keys can be set as AMS_<KEY> environment variables)");
        }
    }

    /** The variable that sets {@code key}: {@code dataset.root} is {@code AMS_DATASET_ROOT}. */
    public static String envName(String key) {
        return CommonConfig.environmentVariable(key);
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    public TopicCatalogue catalogue() {
        return CommonConfig.catalogue(this);
    }

    /** Whether this process creates the catalogue's missing topics at start. */
    public boolean provisionTopics() {
        return getBoolean(CommonConfig.TOPICS_PROVISION);
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

    public int fetchMaxWaitMs() {
        return getInt(FETCH_MAX_WAIT_MS);
    }

    public String httpHost() {
        return getString(HTTP_HOST);
    }

    public int httpPort() {
        return getInt(HTTP_PORT);
    }

    /** The token this process's routes require and its calls carry; empty when none is set. */
    public Optional<BearerToken> apiToken() {
        return CommonConfig.apiToken(this);
    }
}
