package ams.export.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.MediaRef;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.export.DocumentRow;
import ams.export.format.MessageRows;
import ams.service.media.LocalMediaStore;
import ams.service.media.MediaObject;
import ams.service.media.MediaStore;
import ams.service.media.MediaTypes;
import ams.service.media.S3MediaStore;
import ams.service.media.S3Settings;
import ams.testkit.TestEvents;
import ams.testkit.s3.FakeS3Server;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot copies the media its knowledge and its messages refer to into {@code media/}, from a
 * local store or an S3 bucket alike, and counts the ones the store does not have.
 */
class SnapshotMediaTest {

    private static final String MISSING = "ef".repeat(32);

    @TempDir Path tmp;

    static byte[] png(int seed) {
        byte[] b = new byte[80];
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
        System.arraycopy(magic, 0, b, 0, magic.length);
        for (int i = magic.length; i < b.length; i++) {
            b[i] = (byte) (i * 13 + seed);
        }
        return b;
    }

    private static DocumentRow imageDocument(String sha256) {
        return new DocumentRow(
                "kb-1",
                "a",
                "doc-1",
                "A diagram",
                "a caption",
                "image/png",
                "upload",
                List.of(),
                "{\"media\":{\"sha256\":\"" + sha256 + "\",\"content_type\":\"image/png\"}}",
                Instant.now(),
                null);
    }

    private static DocumentRow textDocument() {
        return new DocumentRow(
                "kb-2",
                "a",
                "doc-2",
                "Notes",
                "text",
                "text/plain",
                "upload",
                List.of(),
                "not json at all",
                Instant.now(),
                null);
    }

    private static GenericRecord messageWith(MediaRef... refs) {
        ConversationEvent text = TestEvents.humanMessage("c", 0, "ann", "look");
        MessageAppended m =
                MessageAppended.newBuilder((MessageAppended) text.getPayload())
                        .setMedia(List.of(refs))
                        .build();
        return MessageRows.of(ConversationEvent.newBuilder(text).setPayload(m).build(), m, 0, 0);
    }

    private void bundlesFrom(MediaStore store) throws Exception {
        byte[] doc = png(1);
        byte[] msg = png(2);
        MediaObject docObject = store.put(new ByteArrayInputStream(doc), "image/png");
        MediaObject msgObject = store.put(new ByteArrayInputStream(msg), "image/png");
        Path root = tmp.resolve("snapshot-" + System.nanoTime());

        SnapshotMedia.Report report =
                new SnapshotMedia()
                        .knowledge(List.of(imageDocument(docObject.sha256()), textDocument()))
                        .messages(
                                List.of(
                                        messageWith(
                                                msgObject.toRef(),
                                                new MediaRef(MISSING, "image/png", 10L)),
                                        messageWith(msgObject.toRef())))
                        .bundle(store, root);

        assertEquals(new SnapshotMedia.Report(3, 2, 0, 1, root.resolve("media")), report);
        assertArrayEquals(
                doc, Files.readAllBytes(root.resolve("media/" + docObject.sha256() + ".png")));
        assertArrayEquals(
                msg, Files.readAllBytes(root.resolve("media/" + msgObject.sha256() + ".png")));
        try (var files = Files.list(root.resolve("media"))) {
            assertEquals(2, files.count());
        }

        // Again into the same root: nothing copied twice.
        SnapshotMedia.Report again =
                new SnapshotMedia()
                        .knowledge(List.of(imageDocument(docObject.sha256())))
                        .bundle(store, root);
        assertEquals(new SnapshotMedia.Report(1, 0, 1, 0, root.resolve("media")), again);

        Path manifest =
                new Snapshots("ZSTD")
                        .manifest(
                                root,
                                root.resolve("agents.parquet"),
                                root.resolve("knowledge.parquet"),
                                report);
        JsonNode json = new ObjectMapper().readTree(manifest.toFile());
        assertEquals("media", json.path("media").path("dir").asText());
        assertEquals(2, json.path("media").path("bundled").asLong());
        assertEquals(1, json.path("media").path("missing").asLong());
        assertEquals("agents.parquet", json.path("agents").asText());
    }

    @Test
    void bundlesFromALocalStore() throws Exception {
        bundlesFrom(new LocalMediaStore(tmp.resolve("store"), 1 << 20, MediaTypes.DEFAULT_ALLOWED));
    }

    @Test
    void bundlesFromAnS3Bucket() throws Exception {
        try (FakeS3Server s3 = FakeS3Server.start("snapshots")) {
            bundlesFrom(
                    new S3MediaStore(
                            new S3Settings(
                                    URI.create(s3.endpoint()),
                                    FakeS3Server.REGION,
                                    "snapshots",
                                    FakeS3Server.ACCESS_KEY,
                                    FakeS3Server.SECRET_KEY,
                                    "ams/"),
                            1 << 20,
                            MediaTypes.DEFAULT_ALLOWED));
            assertTrue(
                    s3.keys().stream().allMatch(k -> k.startsWith("ams/")), s3.keys().toString());
        }
    }

    @Test
    void withoutAStoreEveryObjectIsMissingAndNothingFails() throws Exception {
        SnapshotMedia.Report report =
                new SnapshotMedia()
                        .knowledge(List.of(imageDocument("ab".repeat(32))))
                        .bundle(null, tmp);
        assertEquals(1, report.missing());
        assertEquals(0, report.bundled());
    }
}
