package ams.service.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.service.http.PayloadTooLargeException;
import ams.service.http.UnsupportedMediaTypeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalMediaStoreTest {

    static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

    @TempDir Path dir;

    static byte[] png(int size, int seed) {
        byte[] bytes = new byte[size];
        System.arraycopy(PNG_MAGIC, 0, bytes, 0, PNG_MAGIC.length);
        for (int i = PNG_MAGIC.length; i < size; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }

    private LocalMediaStore store(long maxBytes) throws IOException {
        return new LocalMediaStore(dir, maxBytes, MediaTypes.DEFAULT_ALLOWED);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private List<Path> objects() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !p.getParent().getFileName().toString().equals(".incoming"))
                    .toList();
        }
    }

    private List<Path> incoming() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(".incoming"))) {
            return files.toList();
        }
    }

    @Test
    void storesBytesUnderTheirHashInATwoHexShard() throws Exception {
        byte[] bytes = png(1000, 1);
        MediaObject stored = store(1 << 20).put(new ByteArrayInputStream(bytes), "image/png");

        String hash = sha256(bytes);
        assertEquals(new MediaObject(hash, "image/png", 1000), stored);
        Path file = dir.resolve(hash.substring(0, 2)).resolve(hash);
        assertArrayEquals(bytes, Files.readAllBytes(file));
        assertEquals(List.of(file), objects());
        assertArrayEquals(bytes, store(1 << 20).read(hash).orElseThrow());
        assertEquals(stored, store(1 << 20).find(hash.toUpperCase()).orElseThrow());
    }

    @Test
    void theSameBytesTwiceAreOneObject() throws Exception {
        LocalMediaStore store = store(1 << 20);
        byte[] bytes = png(5000, 2);
        MediaObject first = store.put(new ByteArrayInputStream(bytes), "image/png");
        Path file = store.path(first.sha256());
        var written = Files.getLastModifiedTime(file);
        Thread.sleep(20);
        MediaObject second = store.put(new ByteArrayInputStream(bytes), null);

        assertEquals(first, second);
        assertEquals(written, Files.getLastModifiedTime(file), "the second put rewrote the object");
        assertEquals(1, objects().size());
        assertTrue(incoming().isEmpty());

        MediaObject other = store.put(new ByteArrayInputStream(png(5000, 3)), "image/png");
        assertFalse(other.sha256().equals(first.sha256()));
        assertEquals(2, objects().size());
    }

    @Test
    void aPutCutShortLeavesNoObjectAndNoPartialFile() throws Exception {
        LocalMediaStore store = store(1 << 20);
        byte[] bytes = png(200_000, 4);
        InputStream breaking =
                new InputStream() {
                    int at;

                    @Override
                    public int read() throws IOException {
                        if (at >= 150_000) {
                            throw new IOException("client went away");
                        }
                        return bytes[at++] & 0xFF;
                    }
                };
        assertThrows(IOException.class, () -> store.put(breaking, "image/png"));
        assertEquals(List.of(), objects());
        assertEquals(List.of(), incoming());

        // A crash mid-put leaves a temporary file; it is never an object, and a writer starting
        // later removes it once it is old enough not to be another writer's put in progress.
        Path crashed = dir.resolve(".incoming").resolve("put-1.part");
        Path inProgress = dir.resolve(".incoming").resolve("put-2.part");
        Files.write(crashed, new byte[] {1, 2, 3});
        Files.write(inProgress, new byte[] {4});
        Files.setLastModifiedTime(crashed, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        LocalMediaStore.reader(dir);
        assertEquals(2, incoming().size(), "a reader touched the temporary files");
        LocalMediaStore restarted = store(1 << 20);
        assertEquals(List.of(inProgress), incoming());
        assertEquals(List.of(), objects());
        assertTrue(restarted.find(sha256(new byte[] {1, 2, 3})).isEmpty());
    }

    @Test
    void anObjectOverTheLimitIs413AndNotStored() throws Exception {
        LocalMediaStore store = store(100);
        PayloadTooLargeException e =
                assertThrows(
                        PayloadTooLargeException.class,
                        () -> store.put(new ByteArrayInputStream(png(101, 5)), "image/png"));
        assertEquals(413, e.getStatus());
        assertTrue(e.getMessage().contains("100 bytes (media.max.bytes)"), e.getMessage());
        assertEquals(List.of(), objects());
        assertEquals(List.of(), incoming());

        assertEquals(100, store.put(new ByteArrayInputStream(png(100, 5)), null).sizeBytes());
    }

    @Test
    void theTypeComesFromTheMagicNumberNotTheDeclaredType() throws Exception {
        LocalMediaStore store = store(1 << 20);
        byte[] text = "just some text, not a picture".getBytes(StandardCharsets.UTF_8);
        UnsupportedMediaTypeException unknown =
                assertThrows(
                        UnsupportedMediaTypeException.class,
                        () -> store.put(new ByteArrayInputStream(text), "image/png"));
        assertEquals(415, unknown.getStatus());
        assertTrue(unknown.getMessage().contains("image/png"), unknown.getMessage());

        IllegalArgumentException lie =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> store.put(new ByteArrayInputStream(png(64, 6)), "image/jpeg"));
        assertTrue(lie.getMessage().contains("bytes are image/png"), lie.getMessage());

        assertThrows(
                UnsupportedMediaTypeException.class,
                () -> store.put(new ByteArrayInputStream(png(64, 6)), "application/pdf"));
        assertEquals(
                "image/png",
                store.put(new ByteArrayInputStream(png(64, 6)), "application/octet-stream")
                        .contentType());
        assertEquals(
                "image/jpeg",
                store.put(
                                new ByteArrayInputStream(
                                        new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2}),
                                "image/jpg; q=1")
                        .contentType());
        assertEquals(List.of(), incoming());
        assertThrows(
                IllegalArgumentException.class,
                () -> store.put(new ByteArrayInputStream(new byte[0]), null));
    }

    @Test
    void recognisesEveryDefaultType() {
        assertEquals("image/gif", sniff("GIF89a......"));
        assertEquals("image/webp", sniff("RIFF\0\0\0\0WEBPVP8 "));
        assertEquals("audio/wav", sniff("RIFF\0\0\0\0WAVEfmt "));
        assertEquals("audio/mpeg", sniff("ID3\u0004\0\0\0\0"));
        assertEquals("audio/ogg", sniff("OggS\0\u0002"));
        assertEquals(
                "audio/webm",
                MediaTypes.sniff(new byte[] {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3, 1}, 5)
                        .orElseThrow());
        assertTrue(
                MediaTypes.sniff("RIFF\0\0\0\0AVI LIST".getBytes(StandardCharsets.ISO_8859_1), 16)
                        .isEmpty());
    }

    private static String sniff(String head) {
        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
        return MediaTypes.sniff(bytes, bytes.length).orElseThrow();
    }

    @Test
    void onlyTheConfiguredTypesAreTaken() throws Exception {
        LocalMediaStore store = new LocalMediaStore(dir, 1 << 20, List.of("image/png"));
        byte[] gif = "GIF89a-rest-of-it".getBytes(StandardCharsets.ISO_8859_1);
        UnsupportedMediaTypeException e =
                assertThrows(
                        UnsupportedMediaTypeException.class,
                        () -> store.put(new ByteArrayInputStream(gif), null));
        assertTrue(e.getMessage().contains("image/gif"), e.getMessage());
        assertTrue(e.getMessage().contains("allowed: image/png"), e.getMessage());
    }

    @Test
    void unknownHashIsEmptyAndABadHashSaysWhatToGive() throws Exception {
        LocalMediaStore store = store(1 << 20);
        String absent = sha256(new byte[] {9});
        assertTrue(store.find(absent).isEmpty());
        assertTrue(store.read(absent).isEmpty());
        assertTrue(store.open(absent).isEmpty());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> store.find("../../etc/passwd"));
        assertTrue(e.getMessage().contains("64 hex digits"), e.getMessage());
    }
}
