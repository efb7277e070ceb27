package ams.app.system;

import ams.service.config.CommonConfig;
import ams.service.media.MediaConfig;
import ams.service.media.MediaStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;

/**
 * The media store of a whole system in one JVM: the keys of {@link MediaConfig} from the
 * environment as the standalone processes take them ({@code AMS_MEDIA_STORE}, {@code AMS_MEDIA_DIR}
 * (default {@code <data-dir>/media}), {@code AMS_MEDIA_MAX_BYTES}, {@code AMS_MEDIA_ALLOWED_TYPES},
 * {@code AMS_MEDIA_S3_*}). The REST API writes the store; the orchestrator's turn workers and the
 * dataset export read it (the same keys, passed in their config), so every part names the same
 * store.
 */
public record MediaSettings(Map<String, String> values) {

    public MediaSettings {
        values = Map.copyOf(values);
    }

    public static MediaSettings of(SystemSettings system) {
        return of(system, Map.of());
    }

    /**
     * The system's media settings, with the {@code media.*} keys of {@code overrides} on top of the
     * environment (a test that names an S3 store without setting environment variables).
     */
    public static MediaSettings of(SystemSettings system, Map<String, ?> overrides) {
        Path dataDir = system.dataDir();
        // An as-of system (ams replay --until) keeps its state under <data-dir>/asof-<millis>;
        // the media it shows are the live ones (the store is not a view of the log).
        Path fileName = dataDir.toAbsolutePath().getFileName();
        if (fileName != null && fileName.toString().startsWith("asof-")) {
            dataDir = dataDir.toAbsolutePath().getParent();
        }
        MediaSettings env = fromEnvironment(System.getenv(), dataDir.resolve("media"));
        Map<String, String> props = new HashMap<>(env.values());
        overrides.forEach(
                (key, value) -> {
                    if (MediaConfig.KEYS.contains(key) && value != null) {
                        props.put(key, value.toString());
                    }
                });
        return new MediaSettings(props);
    }

    public static MediaSettings fromEnvironment(Map<String, String> env, Path defaultDir) {
        Map<String, String> props = new HashMap<>();
        props.put(MediaConfig.MEDIA_DIR, defaultDir.toString());
        for (String key : MediaConfig.KEYS) {
            String value = env.get(CommonConfig.environmentVariable(key));
            if (value != null && !value.isBlank()) {
                props.put(key, value.strip());
            }
        }
        MediaSettings settings = new MediaSettings(props);
        settings.config(); // a bad value fails at start, naming its key
        return settings;
    }

    /** The keys read with their types and defaults. */
    public AbstractConfig config() {
        return MediaConfig.parse(values);
    }

    public long maxBytes() {
        return config().getLong(MediaConfig.MEDIA_MAX_BYTES);
    }

    public Path dir() {
        return Path.of(config().getString(MediaConfig.MEDIA_DIR));
    }

    /** The keys of {@link MediaConfig}, for a processor's config. */
    public Map<String, Object> props() {
        return new HashMap<>(values);
    }

    /** The store, for the REST API that writes it. */
    public MediaStore open() {
        return MediaConfig.open(config());
    }

    /** The store, for a process that only reads it (the dataset export). */
    public MediaStore reader() {
        return MediaConfig.reader(config());
    }
}
