package ams.service.media;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The media types the store recognises, told apart by the bytes' magic numbers: a declared
 * Content-Type is a claim, the first bytes are the evidence.
 */
public final class MediaTypes {

    /** The types the store takes unless {@code media.allowed.types} says otherwise. */
    public static final List<String> DEFAULT_ALLOWED =
            List.of(
                    "image/png",
                    "image/jpeg",
                    "image/gif",
                    "image/webp",
                    "audio/wav",
                    "audio/mpeg",
                    "audio/ogg",
                    "audio/webm");

    /** How many leading bytes {@link #sniff} needs. */
    public static final int MAGIC_BYTES = 16;

    /** Other spellings clients send for the same types. */
    private static final Map<String, String> ALIASES =
            Map.of(
                    "image/jpg", "image/jpeg",
                    "image/pjpeg", "image/jpeg",
                    "audio/x-wav", "audio/wav",
                    "audio/wave", "audio/wav",
                    "audio/vnd.wave", "audio/wav",
                    "audio/mp3", "audio/mpeg",
                    "video/webm", "audio/webm",
                    "application/ogg", "audio/ogg");

    private MediaTypes() {}

    /**
     * The canonical form of a declared type: lower case, parameters dropped, aliases resolved;
     * empty when nothing useful was declared ({@code application/octet-stream} says nothing).
     */
    public static Optional<String> canonical(String declared) {
        if (declared == null) {
            return Optional.empty();
        }
        String type = declared.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (type.isEmpty() || type.equals("application/octet-stream")) {
            return Optional.empty();
        }
        return Optional.of(ALIASES.getOrDefault(type, type));
    }

    /** The type the first bytes announce, or empty when they match none the store knows. */
    public static Optional<String> sniff(byte[] head, int length) {
        if (starts(head, length, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of("image/png");
        }
        if (starts(head, length, 0xFF, 0xD8, 0xFF)) {
            return Optional.of("image/jpeg");
        }
        if (starts(head, length, 'G', 'I', 'F', '8') && length >= 6 && head[5] == 'a') {
            return Optional.of("image/gif");
        }
        if (starts(head, length, 'R', 'I', 'F', 'F') && length >= 12) {
            if (at(head, 8, 'W', 'E', 'B', 'P')) {
                return Optional.of("image/webp");
            }
            if (at(head, 8, 'W', 'A', 'V', 'E')) {
                return Optional.of("audio/wav");
            }
        }
        if (starts(head, length, 'I', 'D', '3')
                || (length >= 2 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xE0) == 0xE0)) {
            return Optional.of("audio/mpeg");
        }
        if (starts(head, length, 'O', 'g', 'g', 'S')) {
            return Optional.of("audio/ogg");
        }
        if (starts(head, length, 0x1A, 0x45, 0xDF, 0xA3)) {
            return Optional.of("audio/webm");
        }
        return Optional.empty();
    }

    private static boolean starts(byte[] head, int length, int... magic) {
        return length >= magic.length && at(head, 0, magic);
    }

    private static boolean at(byte[] head, int offset, int... magic) {
        if (head.length < offset + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((head[offset + i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
