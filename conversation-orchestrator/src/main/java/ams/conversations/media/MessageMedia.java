package ams.conversations.media;

import ams.events.MediaRef;
import ams.service.http.NotFoundException;
import ams.service.media.MediaObject;
import ams.service.media.MediaStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * The media a message carries: hashes a client names are checked against the media store (each must
 * be there) and become {@link MediaRef}s with the type and size the store read from the bytes.
 */
public final class MessageMedia {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<MediaStore> store;

    /** {@code store} empty: this process has no media store, and a message with media is a 400. */
    public MessageMedia(Optional<MediaStore> store) {
        this.store = store;
    }

    /** The references for {@code hashes}, in order, each once. */
    public List<MediaRef> resolve(List<String> hashes) {
        if (hashes.isEmpty()) {
            return List.of();
        }
        MediaStore media =
                store.orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "this orchestrator has no media store: set media.dir to"
                                                + " the directory the REST API writes media to"));
        List<MediaRef> refs = new ArrayList<>();
        for (String hash :
                new LinkedHashSet<>(hashes.stream().map(MediaStore::checkHash).toList())) {
            MediaObject object;
            try {
                object =
                        media.find(hash)
                                .orElseThrow(
                                        () ->
                                                new NotFoundException(
                                                        "no media object "
                                                                + hash
                                                                + " in the media store: upload it"
                                                                + " first (POST /media) and name"
                                                                + " the sha256 it answers"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the media store", e);
            }
            refs.add(object.toRef());
        }
        return refs;
    }

    /** The original's {@code message_type}: text, or image/audio when the message carries one. */
    public static String messageType(List<MediaRef> media) {
        if (media.stream().anyMatch(m -> m.getContentType().startsWith("image/"))) {
            return "image";
        }
        if (media.stream().anyMatch(m -> m.getContentType().startsWith("audio/"))) {
            return "audio";
        }
        return "text";
    }

    /**
     * The references as {@code metadata.media} ({@code {}} without media): the stored messages and
     * {@code GET /conversations/{id}/messages} carry metadata as it is, so they show the media
     * without a new store column.
     */
    public static String metadataJson(List<MediaRef> media) {
        ObjectNode metadata = JSON.createObjectNode();
        if (!media.isEmpty()) {
            metadata.set("media", toJson(media));
        }
        return metadata.toString();
    }

    static ArrayNode toJson(List<MediaRef> media) {
        ArrayNode array = JSON.createArrayNode();
        for (MediaRef ref : media) {
            array.addObject()
                    .put("sha256", ref.getSha256())
                    .put("content_type", ref.getContentType())
                    .put("size_bytes", ref.getSizeBytes());
        }
        return array;
    }
}
