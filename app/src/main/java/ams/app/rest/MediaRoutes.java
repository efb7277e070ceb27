package ams.app.rest;

import ams.app.client.EventPublisher;
import ams.events.Envelopes;
import ams.events.media.MediaEvent;
import ams.events.media.MediaStored;
import ams.service.http.NotFoundException;
import ams.service.http.PayloadTooLargeException;
import ams.service.http.ServiceHttp;
import ams.service.media.MediaObject;
import ams.service.media.MediaStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Media by reference: {@code POST /media} puts the request body into the content-addressed {@link
 * MediaStore} and records a {@code MediaStored} event on {@code media-events} (hash, type, size,
 * who and which file; never the bytes); {@code GET /media/{sha256}} answers the bytes and {@code
 * /info} what the store holds. Messages then name the object by its hash.
 */
public final class MediaRoutes {

    private final MediaStore store;
    private final EventPublisher publisher;
    private final long maxBytes;

    public MediaRoutes(MediaStore store, EventPublisher publisher, long maxBytes) {
        this.store = store;
        this.publisher = publisher;
        this.maxBytes = maxBytes;
    }

    public void register(Javalin app) {
        app.post("/media", this::add);
        app.get("/media/{sha256}", this::bytes);
        app.get("/media/{sha256}/info", this::info);
    }

    private void add(Context ctx) throws IOException {
        String contentType = ctx.header("Content-Type");
        if (contentType != null
                && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/")) {
            throw new IllegalArgumentException(
                    "send the file's bytes as the request body with their Content-Type"
                            + " (e.g. image/png), not multipart/form-data");
        }
        long declaredLength = ctx.req().getContentLengthLong();
        if (declaredLength > maxBytes) {
            // Refused before a byte is read: the client learns at once.
            throw new PayloadTooLargeException(
                    "media object of "
                            + declaredLength
                            + " bytes is over the limit of "
                            + maxBytes
                            + " bytes (media.max.bytes): send a smaller file");
        }
        MediaObject stored;
        // The body is streamed to the store, not buffered: Javalin's request-size limit is for
        // JSON bodies, media has its own (media.max.bytes).
        try (InputStream body = ctx.req().getInputStream()) {
            stored = store.put(body, contentType);
        }
        MediaEvent event =
                MediaEvent.newBuilder()
                        .setEnvelope(Envelopes.create("rest"))
                        .setSha256(stored.sha256())
                        .setPayload(
                                MediaStored.newBuilder()
                                        .setMedia(stored.toRef())
                                        .setUploadedBy(ctx.queryParam("uploaded_by"))
                                        .setFileName(ctx.queryParam("file_name"))
                                        .setStore(store.kind())
                                        .build())
                        .build();
        RecordMetadata meta = publisher.publish(event);
        Map<String, Object> body = describe(stored);
        body.put("event_id", event.getEnvelope().getEventId().toString());
        body.put("topic", meta.topic());
        body.put("partition", meta.partition());
        body.put("offset", meta.offset());
        ServiceHttp.reply(ctx, 201, body);
    }

    private void bytes(Context ctx) throws IOException {
        String hash = MediaStore.checkHash(ctx.pathParam("sha256"));
        MediaObject object = find(hash);
        InputStream in = store.open(hash).orElseThrow(() -> missing(hash));
        // Content-addressed: the bytes under a hash never change.
        ctx.header("ETag", "\"" + hash + "\"");
        ctx.header("Cache-Control", "private, max-age=31536000, immutable");
        ctx.status(200).contentType(object.contentType()).result(in);
    }

    private void info(Context ctx) throws IOException {
        ServiceHttp.ok(ctx, describe(find(MediaStore.checkHash(ctx.pathParam("sha256")))));
    }

    private MediaObject find(String hash) throws IOException {
        return store.find(hash).orElseThrow(() -> missing(hash));
    }

    private static NotFoundException missing(String hash) {
        return new NotFoundException("no media object " + hash + ": upload it first (POST /media)");
    }

    static Map<String, Object> describe(MediaObject object) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sha256", object.sha256());
        body.put("content_type", object.contentType());
        body.put("size_bytes", object.sizeBytes());
        body.put("url", "/media/" + object.sha256());
        return body;
    }
}
