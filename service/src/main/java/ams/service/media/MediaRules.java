package ams.service.media;

import ams.service.http.PayloadTooLargeException;
import ams.service.http.UnsupportedMediaTypeException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What every media store accepts, whatever it keeps the bytes in: a size limit, a list of types,
 * and the bytes' magic number as the evidence of their type (a declared Content-Type is a claim).
 */
final class MediaRules {

    private final long maxBytes;
    private final Set<String> allowed;

    MediaRules(long maxBytes, List<String> allowedTypes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException(
                    "media.max.bytes must be at least 1, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.allowed =
                Set.copyOf(
                        allowedTypes.stream().map(t -> MediaTypes.canonical(t).orElse(t)).toList());
    }

    long maxBytes() {
        return maxBytes;
    }

    /** The declared type in canonical form, refused (415) when it is not allowed. */
    Optional<String> declared(String declaredType) {
        Optional<String> declared = MediaTypes.canonical(declaredType);
        if (declared.isPresent() && !allowed.contains(declared.get())) {
            throw unsupported("Content-Type " + declared.get());
        }
        return declared;
    }

    /** Throws 413 when {@code size} bytes are over the limit. */
    void checkSize(long size) {
        if (size > maxBytes) {
            throw new PayloadTooLargeException(
                    "media object is over the limit of "
                            + maxBytes
                            + " bytes (media.max.bytes): send a smaller file");
        }
    }

    /**
     * The type of bytes whose first {@code length} bytes are {@code head} and whose size is {@code
     * size}: 400 when empty or not the declared type, 415 when of no known or allowed type.
     */
    String typeOf(byte[] head, int length, long size, Optional<String> declared) {
        if (size == 0) {
            throw new IllegalArgumentException(
                    "the media body is empty: send the file's bytes as the request body");
        }
        String sniffed =
                MediaTypes.sniff(head, length)
                        .orElseThrow(() -> unsupported("bytes of no recognised type"));
        if (!allowed.contains(sniffed)) {
            throw unsupported(sniffed);
        }
        if (declared.isPresent() && !declared.get().equals(sniffed)) {
            throw new IllegalArgumentException(
                    "Content-Type says "
                            + declared.get()
                            + " but the bytes are "
                            + sniffed
                            + ": send the right Content-Type (or application/octet-stream)");
        }
        return sniffed;
    }

    private UnsupportedMediaTypeException unsupported(String what) {
        return new UnsupportedMediaTypeException(
                what
                        + " is not a media type this store takes; allowed: "
                        + String.join(", ", allowed.stream().sorted().toList())
                        + " (media.allowed.types)");
    }
}
