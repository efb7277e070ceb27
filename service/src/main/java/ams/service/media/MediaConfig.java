package ams.service.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;

/**
 * The media store's settings, defined once for every process that reads or writes media (the REST
 * API writes, the orchestrator's turn workers read): they must agree on {@code media.dir}.
 */
public final class MediaConfig {

    public static final String MEDIA_DIR = "media.dir";
    public static final String MEDIA_MAX_BYTES = "media.max.bytes";
    public static final String MEDIA_ALLOWED_TYPES = "media.allowed.types";

    public static final String DEFAULT_DIR = "./ams-data/media";
    public static final long DEFAULT_MAX_BYTES = 20L * 1024 * 1024;

    private MediaConfig() {}

    /** Adds the media keys to {@code def}. */
    public static ConfigDef define(ConfigDef def) {
        return def.define(
                        MEDIA_DIR,
                        ConfigDef.Type.STRING,
                        DEFAULT_DIR,
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Directory of the content-addressed media store (<dir>/<2 hex>/<sha256>);"
                                + " every process that reads media must see the same directory"
                                + " (env AMS_MEDIA_DIR).")
                .define(
                        MEDIA_MAX_BYTES,
                        ConfigDef.Type.LONG,
                        DEFAULT_MAX_BYTES,
                        Range.atLeast(1),
                        Importance.MEDIUM,
                        "Largest media object accepted, in bytes (413 over it).")
                .define(
                        MEDIA_ALLOWED_TYPES,
                        ConfigDef.Type.LIST,
                        MediaTypes.DEFAULT_ALLOWED,
                        Importance.LOW,
                        "Media types accepted, checked against the bytes' magic numbers (415"
                                + " otherwise).");
    }

    /** The store a config with {@link #define}'s keys names. */
    public static LocalMediaStore open(AbstractConfig config) {
        return open(
                Path.of(config.getString(MEDIA_DIR)),
                config.getLong(MEDIA_MAX_BYTES),
                config.getList(MEDIA_ALLOWED_TYPES));
    }

    /** The store of {@code media.dir} for a process that only reads media. */
    public static LocalMediaStore reader(AbstractConfig config) {
        return LocalMediaStore.reader(Path.of(config.getString(MEDIA_DIR)));
    }

    public static LocalMediaStore open(Path dir, long maxBytes, List<String> allowedTypes) {
        try {
            return new LocalMediaStore(dir, maxBytes, allowedTypes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the media store at " + dir, e);
        }
    }
}
