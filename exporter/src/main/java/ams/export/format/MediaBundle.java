package ams.export.format;

import ams.export.sink.SegmentName;
import ams.service.media.MediaStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Copies media objects out of the media store into an export's {@code media/} folder as {@code
 * media/<sha256>.<ext>}, once per hash: the layout both the training datasets and the snapshots
 * bundle, so a file a row names is beside it whatever store (a directory, a bucket) holds the
 * bytes.
 */
public final class MediaBundle {

    /** The folder, relative to the export's root, the files are copied into. */
    public static final String DIR = "media";

    /** What became of one object. */
    public enum Outcome {
        /** Copied now. */
        BUNDLED,
        /** Already in the folder (an earlier row, or an earlier export into the same root). */
        PRESENT,
        /** Not in the store (or no store): nothing copied. */
        MISSING
    }

    private final MediaStore store;
    private final Path root;

    /**
     * @param store where the bytes are; null = no store, every object is missing
     * @param root the export's root, {@code media/} is made under it
     */
    public MediaBundle(MediaStore store, Path root) {
        this.store = store;
        this.root = root;
    }

    /** {@code media/<sha256>.<ext>}, relative to the root. */
    public static String relativePath(String sha256, String contentType) {
        return DIR + "/" + sha256 + extension(contentType);
    }

    /** Copies the object {@code sha256} of type {@code contentType} into the folder. */
    public Outcome bundle(String sha256, String contentType) throws IOException {
        String hash;
        try {
            hash = MediaStore.checkHash(sha256);
        } catch (IllegalArgumentException e) {
            return Outcome.MISSING;
        }
        String relative = relativePath(hash, contentType);
        Path target = root.resolve(relative);
        if (Files.exists(target)) {
            return Outcome.PRESENT;
        }
        if (store == null) {
            return Outcome.MISSING;
        }
        Optional<InputStream> in = store.open(hash);
        if (in.isEmpty()) {
            return Outcome.MISSING;
        }
        Files.createDirectories(target.getParent());
        String name = target.getFileName().toString();
        Path temp = target.resolveSibling("." + name + SegmentName.IN_PROGRESS);
        try (InputStream bytes = in.get()) {
            Files.copy(bytes, temp, StandardCopyOption.REPLACE_EXISTING);
        }
        AtomicFiles.fsync(temp);
        AtomicFiles.publish(temp, target);
        return Outcome.BUNDLED;
    }

    /** The file extension of a media type ({@code .bin} for one it does not know). */
    public static String extension(String type) {
        return switch (type == null ? "" : type) {
            case "image/png" -> ".png";
            case "image/jpeg" -> ".jpg";
            case "image/gif" -> ".gif";
            case "image/webp" -> ".webp";
            case "audio/wav" -> ".wav";
            case "audio/mpeg" -> ".mp3";
            case "audio/ogg" -> ".ogg";
            case "audio/webm" -> ".webm";
            default -> ".bin";
        };
    }
}
