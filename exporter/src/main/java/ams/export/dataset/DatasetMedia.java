package ams.export.dataset;

import ams.events.MediaRef;
import ams.export.format.MediaBundle;
import ams.service.media.MediaStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The images of a training dataset: each referenced image becomes the URL of an OpenAI {@code
 * image_url} content part, either a path relative to the dataset root into its bundled {@code
 * media/} folder (the file copied there once per hash) or a {@code data:} URL with the bytes. An
 * image whose bytes are not in the store is counted ({@code media_missing}) and left out: its
 * message keeps its text, the export never fails for it.
 */
public final class DatasetMedia {

    /** Where a content part's URL points. */
    public enum Urls {
        /** {@code media/<sha256>.<ext>}, relative to the dataset root (the files bundled). */
        PATH,
        /** {@code data:<type>;base64,...}: self-contained rows, no files beside them. */
        DATA;

        public static Urls parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "media URLs must be path or data; was '" + text + "'", e);
            }
        }
    }

    /** The folder of the dataset the images are copied into in {@link Urls#PATH} mode. */
    public static final String MEDIA_DIR = MediaBundle.DIR;

    /**
     * What the export knows about media.
     *
     * @param store the media store (a directory or a bucket, as {@code media.store} names it); null
     *     = no store, every image counts as missing
     * @param urls path or data URLs
     */
    public record Options(MediaStore store, Urls urls) {
        public static Options none() {
            return new Options(null, Urls.PATH);
        }
    }

    private final MediaStore store;
    private final Urls urls;
    private final MediaBundle bundle;
    private final Map<String, Optional<String>> resolved = new HashMap<>();
    private long images;
    private long missing;
    private long bundled;

    DatasetMedia(Options options, Path root) {
        this.store = options.store();
        this.urls = options.urls();
        this.bundle = new MediaBundle(store, root);
    }

    /** Whether a reference is an image (the only media the chat views carry today). */
    static boolean image(MediaRef ref) {
        return ref.getContentType() != null && ref.getContentType().startsWith("image/");
    }

    /** The URL of an image's content part, or empty (counted) when its bytes are not stored. */
    Optional<String> url(MediaRef ref) throws IOException {
        images++;
        String hash = ref.getSha256();
        Optional<String> known = resolved.get(hash);
        if (known == null) {
            known = resolve(ref);
            resolved.put(hash, known);
        }
        if (known.isEmpty()) {
            missing++;
        }
        return known;
    }

    private Optional<String> resolve(MediaRef ref) throws IOException {
        if (store == null) {
            return Optional.empty();
        }
        String hash;
        try {
            hash = MediaStore.checkHash(ref.getSha256());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        String type = ref.getContentType();
        if (urls == Urls.DATA) {
            return store.read(hash)
                    .map(b -> "data:" + type + ";base64," + Base64.getEncoder().encodeToString(b));
        }
        MediaBundle.Outcome outcome = bundle.bundle(hash, type);
        if (outcome == MediaBundle.Outcome.MISSING) {
            return Optional.empty();
        }
        if (outcome == MediaBundle.Outcome.BUNDLED) {
            bundled++;
        }
        return Optional.of(MediaBundle.relativePath(hash, type));
    }

    long images() {
        return images;
    }

    long missing() {
        return missing;
    }

    long bundled() {
        return bundled;
    }
}
