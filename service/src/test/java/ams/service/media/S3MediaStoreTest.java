package ams.service.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.service.http.PayloadTooLargeException;
import ams.service.http.ServiceUnavailableException;
import ams.service.http.UnsupportedMediaTypeException;
import ams.testkit.FreePorts;
import ams.testkit.s3.FakeS3Server;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.config.AbstractConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The S3-compatible media store against a fake S3 server that checks every request's SigV4
 * signature with its own secret: a wrong signature, key or bucket is answered as S3 would.
 */
class S3MediaStoreTest {

    private FakeS3Server s3;

    @BeforeEach
    void start() throws Exception {
        s3 = FakeS3Server.start("ams-media");
    }

    @AfterEach
    void stop() {
        s3.close();
    }

    private S3Settings settings(String secret, String bucket, String prefix) {
        return new S3Settings(
                URI.create(s3.endpoint()),
                FakeS3Server.REGION,
                bucket,
                FakeS3Server.ACCESS_KEY,
                secret,
                prefix);
    }

    private S3MediaStore store(long maxBytes) {
        return new S3MediaStore(
                settings(FakeS3Server.SECRET_KEY, "ams-media", "media/"),
                maxBytes,
                MediaTypes.DEFAULT_ALLOWED);
    }

    @Test
    void storesBytesUnderTheirHashAndReadsThemBack() throws Exception {
        byte[] bytes = LocalMediaStoreTest.png(1000, 3);
        S3MediaStore store = store(1 << 20);
        MediaObject stored = store.put(new ByteArrayInputStream(bytes), "image/png");

        String hash = SigV4Signer.sha256Hex(bytes);
        assertEquals(new MediaObject(hash, "image/png", 1000), stored);
        String key = "media/" + hash.substring(0, 2) + "/" + hash;
        assertEquals(List.of(key), s3.keys());
        assertArrayEquals(bytes, s3.object(key).orElseThrow().bytes());
        assertEquals("image/png", s3.object(key).orElseThrow().contentType());
        assertArrayEquals(bytes, store.read(hash).orElseThrow());
        try (InputStream in = store.open(hash).orElseThrow()) {
            assertArrayEquals(bytes, in.readAllBytes());
        }
        assertEquals(stored, store.find(hash.toUpperCase()).orElseThrow());
    }

    @Test
    void theSameBytesTwiceAreOnePut() throws Exception {
        byte[] bytes = LocalMediaStoreTest.png(500, 4);
        S3MediaStore store = store(1 << 20);
        MediaObject first = store.put(new ByteArrayInputStream(bytes), null);
        MediaObject second = store.put(new ByteArrayInputStream(bytes), "image/png");
        assertEquals(first, second);
        String key = store.key(first.sha256());
        assertEquals(1, s3.count("PUT", key), s3.describeRequests());
        assertEquals(2, s3.count("HEAD", key), s3.describeRequests());
    }

    @Test
    void aMissingObjectIsEmptyNotAnError() throws Exception {
        S3MediaStore store = store(1 << 20);
        String hash = "ab".repeat(32);
        assertTrue(store.find(hash).isEmpty());
        assertTrue(store.read(hash).isEmpty());
        assertTrue(store.open(hash).isEmpty());
        assertTrue(store.transcript(hash).isEmpty());
    }

    @Test
    void aTranscriptIsKeptBesideTheObject() throws Exception {
        S3MediaStore store = store(1 << 20);
        String hash = "cd".repeat(32);
        store.putTranscript(hash, "hello, wörld");
        assertEquals("hello, wörld", store.transcript(hash).orElseThrow());
        assertEquals(
                "hello, wörld",
                new String(
                        s3.object("media/cd/" + hash + ".transcript.txt").orElseThrow().bytes(),
                        StandardCharsets.UTF_8));
    }

    @Test
    void limitsAndTypesAreCheckedBeforeAnythingIsSent() {
        S3MediaStore store = store(100);
        assertThrows(
                PayloadTooLargeException.class,
                () -> store.put(new ByteArrayInputStream(LocalMediaStoreTest.png(101, 1)), null));
        assertThrows(
                UnsupportedMediaTypeException.class,
                () ->
                        store.put(
                                new ByteArrayInputStream(
                                        "just text".getBytes(StandardCharsets.UTF_8)),
                                null));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        store.put(
                                new ByteArrayInputStream(LocalMediaStoreTest.png(50, 1)),
                                "image/jpeg"));
        assertEquals(List.of(), s3.requests());
    }

    @Test
    void aWrongSecretIsRefusedWithAMessageAboutTheCredentials() {
        S3MediaStore wrong =
                new S3MediaStore(
                        settings("not-the-secret", "ams-media", ""),
                        1 << 20,
                        MediaTypes.DEFAULT_ALLOWED);
        ServiceUnavailableException e =
                assertThrows(ServiceUnavailableException.class, () -> wrong.read("ab".repeat(32)));
        assertTrue(e.getMessage().contains("SignatureDoesNotMatch"), e.getMessage());
        assertTrue(e.getMessage().contains("media.s3.secret.key"), e.getMessage());
        // A put: the HEAD's 403 is not taken as the answer (AWS says 403 for a missing key to a
        // key without s3:ListBucket); the PUT's is.
        ServiceUnavailableException put =
                assertThrows(
                        ServiceUnavailableException.class,
                        () ->
                                wrong.put(
                                        new ByteArrayInputStream(LocalMediaStoreTest.png(64, 5)),
                                        null));
        assertTrue(put.getMessage().contains("refused PUT"), put.getMessage());
        assertTrue(put.getMessage().contains("403 SignatureDoesNotMatch"), put.getMessage());
        assertTrue(s3.keys().isEmpty());
    }

    @Test
    void aMissingBucketSaysSo() {
        S3MediaStore wrong =
                new S3MediaStore(
                        settings(FakeS3Server.SECRET_KEY, "no-such-bucket", ""),
                        1 << 20,
                        MediaTypes.DEFAULT_ALLOWED);
        ServiceUnavailableException e =
                assertThrows(
                        ServiceUnavailableException.class,
                        () ->
                                wrong.put(
                                        new ByteArrayInputStream(LocalMediaStoreTest.png(64, 2)),
                                        null));
        assertTrue(e.getMessage().contains("'no-such-bucket' does not exist"), e.getMessage());
    }

    @Test
    void anUnreachableStoreIsUnavailable() {
        S3MediaStore down =
                new S3MediaStore(
                        new S3Settings(
                                URI.create("http://127.0.0.1:" + FreePorts.next()),
                                "us-east-1",
                                "b",
                                "k",
                                "s",
                                ""),
                        1 << 20,
                        MediaTypes.DEFAULT_ALLOWED);
        ServiceUnavailableException e =
                assertThrows(ServiceUnavailableException.class, () -> down.find("ab".repeat(32)));
        assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
    }

    @Test
    void theConfigChoosesTheStoreAndRefusesAnIncompleteS3Setting() {
        AbstractConfig s3Config =
                MediaConfig.parse(
                        java.util.Map.of(
                                MediaConfig.MEDIA_STORE,
                                "s3",
                                MediaConfig.MEDIA_S3_ENDPOINT,
                                s3.endpoint(),
                                MediaConfig.MEDIA_S3_REGION,
                                FakeS3Server.REGION,
                                MediaConfig.MEDIA_S3_BUCKET,
                                "ams-media",
                                MediaConfig.MEDIA_S3_ACCESS_KEY,
                                FakeS3Server.ACCESS_KEY,
                                MediaConfig.MEDIA_S3_SECRET_KEY,
                                FakeS3Server.SECRET_KEY));
        assertTrue(MediaConfig.open(s3Config) instanceof S3MediaStore);
        assertTrue(MediaConfig.reader(s3Config) instanceof S3MediaStore);
        assertTrue(!s3Config.toString().contains(FakeS3Server.SECRET_KEY));

        IllegalArgumentException missing =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                MediaConfig.open(
                                        MediaConfig.parse(
                                                java.util.Map.of(
                                                        MediaConfig.MEDIA_STORE,
                                                        "s3",
                                                        MediaConfig.MEDIA_S3_ENDPOINT,
                                                        s3.endpoint()))));
        assertTrue(missing.getMessage().contains("media.s3.bucket"), missing.getMessage());
        assertTrue(missing.getMessage().contains("AMS_MEDIA_S3_BUCKET"), missing.getMessage());
    }
}
