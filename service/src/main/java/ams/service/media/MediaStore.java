package ams.service.media;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Media objects (images, audio) addressed by the SHA-256 of their bytes. Bytes never go through
 * Kafka: events carry a {@link ams.events.MediaRef} and readers fetch the bytes here by hash. Two
 * implementations: {@link LocalMediaStore} (a directory) and {@link S3MediaStore} (an S3-compatible
 * bucket), chosen by {@code media.store}.
 */
public interface MediaStore {

    Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /**
     * Stores the bytes read from {@code in} (up to the size limit) and returns what was stored. The
     * same bytes twice are one object: the second put writes nothing.
     *
     * @param declaredType the client's Content-Type, checked against the bytes; null or {@code
     *     application/octet-stream} = take the type the bytes announce
     * @throws ams.service.http.PayloadTooLargeException over {@code media.max.bytes}
     * @throws ams.service.http.UnsupportedMediaTypeException a type not in {@code
     *     media.allowed.types}, or bytes of no known type
     * @throws IllegalArgumentException the bytes are not of the declared type, or empty
     */
    MediaObject put(InputStream in, String declaredType) throws IOException;

    /** What is stored under {@code sha256}, or empty. */
    Optional<MediaObject> find(String sha256) throws IOException;

    /** The bytes stored under {@code sha256}, or empty. */
    Optional<byte[]> read(String sha256) throws IOException;

    /** Streams the bytes stored under {@code sha256}, or empty; the caller closes the stream. */
    Optional<InputStream> open(String sha256) throws IOException;

    /**
     * The transcript kept beside the object {@code sha256} (speech-to-text of an audio object), or
     * empty: a replay or a later turn reuses it instead of calling the transcription endpoint
     * again.
     */
    Optional<String> transcript(String sha256) throws IOException;

    /** Keeps {@code text} as the transcript of the object {@code sha256}, replacing any earlier. */
    void putTranscript(String sha256, String text) throws IOException;

    /** Which kind of store holds the bytes ({@code MediaStored.store}): local or s3. */
    default String kind() {
        return MediaConfig.LOCAL;
    }

    /** {@code sha256} in the store's spelling (lower-case hex), or a 400 saying what is wrong. */
    static String checkHash(String sha256) {
        String hash = sha256 == null ? "" : sha256.strip().toLowerCase(java.util.Locale.ROOT);
        if (!SHA256.matcher(hash).matches()) {
            throw new IllegalArgumentException(
                    "'"
                            + sha256
                            + "' is not a media hash: give the 64 hex digits of the SHA-256 that"
                            + " POST /media answered");
        }
        return hash;
    }
}
