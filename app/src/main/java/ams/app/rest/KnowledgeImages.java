package ams.app.rest;

import ams.events.InvalidRequestException;
import ams.service.http.NotFoundException;
import ams.service.http.ServiceJson;
import ams.service.http.ServiceUnavailableException;
import ams.service.http.UnsupportedMediaTypeException;
import ams.service.media.MediaObject;
import ams.service.media.MediaStore;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Knowledge with images: turns an image in the media store into the text of a knowledge document.
 * The text is the user's caption when given, else the configured vision model's description. It
 * runs at write time so the {@code DocumentAdded} event carries the text: the indexer chunks and
 * embeds it like any document, and a replay needs neither the model nor the image bytes.
 */
public final class KnowledgeImages {

    /** The text to index, the document's type, and its metadata with the media reference. */
    record Document(String content, String contentType, String metadataJson) {}

    private final MediaStore store;
    private final ImageCaptioner captioner;

    public KnowledgeImages(MediaStore store, KnowledgeVision vision) {
        this.store = store;
        this.captioner = vision != null && vision.configured() ? new ImageCaptioner(vision) : null;
    }

    Document describe(String sha256, String caption, ObjectNode metadata) {
        String hash = MediaStore.checkHash(sha256);
        MediaObject object;
        byte[] bytes = null;
        try {
            object =
                    store.find(hash)
                            .orElseThrow(
                                    () ->
                                            new NotFoundException(
                                                    "no media object "
                                                            + hash
                                                            + ": upload the image first (POST"
                                                            + " /media)"));
            if (!object.isImage()) {
                throw new UnsupportedMediaTypeException(
                        "media object "
                                + hash
                                + " is "
                                + object.contentType()
                                + ": only an image can be added as knowledge");
            }
            if (caption == null || caption.isBlank()) {
                if (captioner == null) {
                    throw new InvalidRequestException(
                            "image "
                                    + hash
                                    + " has no caption: give one in 'content', or configure a"
                                    + " vision model to describe it (knowledge.vision.base.url,"
                                    + " knowledge.vision.model)");
                }
                bytes =
                        store.read(hash)
                                .orElseThrow(
                                        () -> new NotFoundException("no media object " + hash));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("media store unreadable for " + hash, e);
        }
        String text;
        String captionSource;
        if (bytes == null) {
            text = caption;
            captionSource = "user";
        } else {
            try {
                text = captioner.describe(bytes, object.contentType());
            } catch (RuntimeException e) {
                throw new ServiceUnavailableException(
                        "the vision model "
                                + captioner.modelName()
                                + " did not describe image "
                                + hash
                                + " ("
                                + e.getMessage()
                                + "): try again, or give a caption in 'content'",
                        e);
            }
            if (text == null || text.isBlank()) {
                throw new ServiceUnavailableException(
                        "the vision model "
                                + captioner.modelName()
                                + " answered no description for image "
                                + hash
                                + ": try again, or give a caption in 'content'",
                        null);
            }
            captionSource = "vision model " + captioner.modelName();
        }
        ObjectNode meta = metadata == null ? ServiceJson.mapper().createObjectNode() : metadata;
        ObjectNode media = meta.putObject("media");
        media.put("sha256", hash);
        media.put("content_type", object.contentType());
        media.put("size_bytes", object.sizeBytes());
        media.put("url", "/media/" + hash);
        meta.put("caption_source", captionSource);
        return new Document(text, object.contentType(), meta.toString());
    }
}
