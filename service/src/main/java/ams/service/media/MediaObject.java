package ams.service.media;

import ams.events.MediaRef;

/** What the media store holds under one hash: the type checked from the bytes, and their size. */
public record MediaObject(String sha256, String contentType, long sizeBytes) {

    public MediaRef toRef() {
        return MediaRef.newBuilder()
                .setSha256(sha256)
                .setContentType(contentType)
                .setSizeBytes(sizeBytes)
                .build();
    }

    public boolean isImage() {
        return contentType.startsWith("image/");
    }
}
