package ams.conversations.media;

import ams.events.MediaRef;
import ams.service.media.MediaStore;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The transcript of each audio object, made once per SHA-256: from memory, else from the sidecar
 * beside the bytes in the media store ({@code <sha>.transcript.txt}, which a replay or another
 * worker reuses), else from the speech-to-text endpoint, which is then written to both.
 */
public final class AudioTranscripts {

    private final MediaStore store;
    private final SpeechToText speech;
    private final Map<String, String> cache = new ConcurrentHashMap<>();

    public AudioTranscripts(MediaStore store, SpeechToText speech) {
        this.store = store;
        this.speech = speech;
    }

    public String model() {
        return speech.model();
    }

    /** The transcript of {@code media}. */
    public String transcript(MediaRef media) throws IOException {
        String hash = media.getSha256();
        String known = cache.get(hash);
        if (known != null) {
            return known;
        }
        Optional<String> kept = store.transcript(hash);
        if (kept.isPresent()) {
            cache.put(hash, kept.get());
            return kept.get();
        }
        byte[] audio =
                store.read(hash)
                        .orElseThrow(
                                () ->
                                        new IOException(
                                                "it is not in this process's media store"
                                                        + " (media.dir)"));
        String text = speech.transcribe(audio, media.getContentType(), hash + extension(media));
        store.putTranscript(hash, text);
        cache.put(hash, text);
        return text;
    }

    /** The endpoints guess the format from the file name's extension as much as from the bytes. */
    private static String extension(MediaRef media) {
        return switch (media.getContentType()) {
            case "audio/wav" -> ".wav";
            case "audio/mpeg" -> ".mp3";
            case "audio/ogg" -> ".ogg";
            case "audio/webm" -> ".webm";
            default -> "";
        };
    }
}
