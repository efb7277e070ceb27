package ams.app.system;

import ams.service.config.CommonConfig;
import ams.service.media.LocalMediaStore;
import ams.service.media.MediaConfig;
import ams.service.media.MediaTypes;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The media store of a whole system in one JVM: {@code <data-dir>/media} unless {@code
 * AMS_MEDIA_DIR} says otherwise, {@code AMS_MEDIA_MAX_BYTES} and {@code AMS_MEDIA_ALLOWED_TYPES}
 * from the environment as the standalone processes take them. The REST API writes it; the
 * orchestrator's turn workers read it (the same directory, passed in their config).
 */
public record MediaSettings(Path dir, long maxBytes, List<String> allowedTypes) {

    public static MediaSettings of(SystemSettings system) {
        Path dataDir = system.dataDir();
        // An as-of system (ams replay --until) keeps its state under <data-dir>/asof-<millis>;
        // the media it shows are the live ones (the store is not a view of the log).
        Path fileName = dataDir.toAbsolutePath().getFileName();
        if (fileName != null && fileName.toString().startsWith("asof-")) {
            dataDir = dataDir.toAbsolutePath().getParent();
        }
        return fromEnvironment(System.getenv(), dataDir.resolve("media"));
    }

    public static MediaSettings fromEnvironment(Map<String, String> env, Path defaultDir) {
        String dir = env.get(CommonConfig.environmentVariable(MediaConfig.MEDIA_DIR));
        String max = env.get(CommonConfig.environmentVariable(MediaConfig.MEDIA_MAX_BYTES));
        String types = env.get(CommonConfig.environmentVariable(MediaConfig.MEDIA_ALLOWED_TYPES));
        long maxBytes;
        try {
            maxBytes =
                    max == null || max.isBlank()
                            ? MediaConfig.DEFAULT_MAX_BYTES
                            : Long.parseLong(max.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "AMS_MEDIA_MAX_BYTES must be a number of bytes, was '" + max + "'", e);
        }
        return new MediaSettings(
                dir == null || dir.isBlank() ? defaultDir : Path.of(dir),
                maxBytes,
                types == null || types.isBlank()
                        ? MediaTypes.DEFAULT_ALLOWED
                        : Arrays.stream(types.split(",")).map(String::strip).toList());
    }

    /** The keys of {@link MediaConfig}, for a processor's config. */
    public Map<String, Object> props() {
        Map<String, Object> props = new HashMap<>();
        props.put(MediaConfig.MEDIA_DIR, dir.toString());
        props.put(MediaConfig.MEDIA_MAX_BYTES, maxBytes);
        props.put(MediaConfig.MEDIA_ALLOWED_TYPES, String.join(",", allowedTypes));
        return props;
    }

    public LocalMediaStore open() {
        return MediaConfig.open(dir, maxBytes, allowedTypes);
    }
}
