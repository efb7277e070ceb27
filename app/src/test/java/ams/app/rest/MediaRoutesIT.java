package ams.app.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.EventPublisher;
import ams.events.media.MediaEvent;
import ams.events.media.MediaStored;
import ams.events.topics.TopicCatalogue;
import ams.service.media.LocalMediaStore;
import ams.service.media.MediaTypes;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /media}, {@code GET /media/{sha256}} and {@code /info} on a real REST server over a
 * real media store and broker: the limits answer 413/415/400 with what to fix, an unknown hash 404,
 * and each upload is a MediaStored event keyed by its hash.
 */
@ExtendWith(KafkaClusterExtension.class)
class MediaRoutesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MEDIA_MAX = 100 * 1024;

    private final HttpClient http = HttpClient.newHttpClient();
    @TempDir Path dir;
    private TestKafka kafka;
    private TopicCatalogue topics;
    private EventPublisher publisher;
    private Admin admin;
    private RestServer server;

    @BeforeEach
    void start(TestKafka kafka) throws Exception {
        this.kafka = kafka;
        topics = kafka.newCatalogue(1);
        publisher = new EventPublisher(kafka.bootstrapServers(), topics);
        admin = kafka.admin();
        LocalMediaStore store = new LocalMediaStore(dir, MEDIA_MAX, MediaTypes.DEFAULT_ALLOWED);
        server =
                RestServer.start(
                        // JSON bodies are capped at 64 KiB; media have their own, larger limit.
                        new RestConfig("127.0.0.1", 0, null, 64 * 1024),
                        publisher,
                        admin,
                        List.of(),
                        List.of(new MediaRoutes(store, publisher, MEDIA_MAX)::register));
    }

    @AfterEach
    void stop() {
        server.close();
        publisher.close();
        admin.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<byte[]> post(String path, byte[] body, String type, boolean chunked)
            throws Exception {
        HttpRequest.BodyPublisher publisher =
                chunked
                        ? HttpRequest.BodyPublishers.ofInputStream(
                                () -> new ByteArrayInputStream(body))
                        : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).POST(publisher);
        if (type != null) {
            request.header("Content-Type", type);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws Exception {
        return JSON.readTree(response.body());
    }

    static byte[] png(int size) {
        byte[] bytes = new byte[size];
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
        System.arraycopy(magic, 0, bytes, 0, magic.length);
        for (int i = magic.length; i < size; i++) {
            bytes[i] = (byte) (i * 13);
        }
        return bytes;
    }

    @Test
    void storesAnImageAndAnswersItsBytesAndInfo() throws Exception {
        // Larger than the JSON body limit: media are streamed to the store, not buffered.
        byte[] image = png(80 * 1024);
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
        HttpResponse<byte[]> stored =
                post("/media?file_name=cat.png&uploaded_by=ana", image, "image/png", false);
        assertEquals(201, stored.statusCode(), new String(stored.body(), StandardCharsets.UTF_8));
        JsonNode answer = json(stored);
        assertEquals(hash, answer.path("sha256").asText());
        assertEquals("image/png", answer.path("content_type").asText());
        assertEquals(image.length, answer.path("size_bytes").asLong());
        assertEquals("/media/" + hash, answer.path("url").asText());

        HttpResponse<byte[]> bytes = get("/media/" + hash);
        assertEquals(200, bytes.statusCode());
        assertEquals("image/png", bytes.headers().firstValue("Content-Type").orElse(""));
        assertArrayEquals(image, bytes.body());
        JsonNode info = json(get("/media/" + hash + "/info"));
        assertEquals(image.length, info.path("size_bytes").asLong());

        // Again, chunked and typed by the bytes only: the same object.
        HttpResponse<byte[]> again = post("/media", image, "application/octet-stream", true);
        assertEquals(201, again.statusCode());
        assertEquals(hash, json(again).path("sha256").asText());
        try (Stream<Path> files = Files.list(dir.resolve(hash.substring(0, 2)))) {
            assertEquals(List.of(dir.resolve(hash.substring(0, 2)).resolve(hash)), files.toList());
        }

        List<ConsumerRecord<String, MediaEvent>> events =
                kafka.consume(topics.mediaEvents(), 2, Duration.ofSeconds(30));
        assertEquals(hash, events.get(0).key());
        MediaStored first = (MediaStored) events.get(0).value().getPayload();
        assertEquals("cat.png", first.getFileName());
        assertEquals("ana", first.getUploadedBy());
        assertEquals("image/png", first.getMedia().getContentType());
        assertEquals(image.length, first.getMedia().getSizeBytes());
        assertEquals(null, ((MediaStored) events.get(1).value().getPayload()).getFileName());
    }

    @Test
    void anObjectOverTheLimitIs413WithOrWithoutContentLength() throws Exception {
        for (boolean chunked : List.of(false, true)) {
            HttpResponse<byte[]> tooLarge =
                    post("/media", png(MEDIA_MAX + 1), "image/png", chunked);
            assertEquals(413, tooLarge.statusCode(), "chunked=" + chunked);
            assertTrue(
                    json(tooLarge).path("error").asText().contains("media.max.bytes"),
                    new String(tooLarge.body(), StandardCharsets.UTF_8));
        }
        assertEquals(201, post("/media", png(MEDIA_MAX), "image/png", false).statusCode());
    }

    @Test
    void anUnsupportedTypeIs415AndAWrongDeclaredTypeIs400() throws Exception {
        HttpResponse<byte[]> text =
                post("/media", "hello".getBytes(StandardCharsets.UTF_8), "text/plain", false);
        assertEquals(415, text.statusCode());
        assertTrue(json(text).path("error").asText().contains("allowed: "), json(text).toString());

        HttpResponse<byte[]> noMagic =
                post("/media", "hello".getBytes(StandardCharsets.UTF_8), "image/png", false);
        assertEquals(415, noMagic.statusCode());

        HttpResponse<byte[]> lie = post("/media", png(100), "image/jpeg", false);
        assertEquals(400, lie.statusCode());
        assertTrue(json(lie).path("error").asText().contains("bytes are image/png"));
    }

    @Test
    void theCliUploadsLooksUpAndDownloads() throws Exception {
        byte[] image = png(2048);
        Path file = dir.resolve("upload").resolve("diagram.png");
        Files.createDirectories(file.getParent());
        Files.write(file, image);
        String api = "http://127.0.0.1:" + server.port();

        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cli = ams.app.Ams.commandLine();
        cli.setOut(new java.io.PrintWriter(out, true));
        assertEquals(0, cli.execute("media", "add", file.toString(), "--json", "--api", api));
        JsonNode added = JSON.readTree(out.toString());
        String hash = added.path("sha256").asText();
        assertEquals("image/png", added.path("content_type").asText());

        out.getBuffer().setLength(0);
        assertEquals(0, cli.execute("media", "info", hash, "--api", api));
        assertEquals(hash + " image/png 2048 bytes", out.toString().strip());

        Path copy = dir.resolve("upload").resolve("copy.png");
        assertEquals(0, cli.execute("media", "get", hash, copy.toString(), "--api", api));
        assertArrayEquals(image, Files.readAllBytes(copy));

        assertEquals(4, cli.execute("media", "info", "0".repeat(64), "--api", api));
        Files.writeString(file, "not an image");
        assertEquals(1, cli.execute("media", "add", file.toString(), "--api", api));

        MediaStored recorded =
                (MediaStored)
                        kafka.consume(topics.mediaEvents(), 1, Duration.ofSeconds(30))
                                .get(0)
                                .value()
                                .getPayload();
        assertEquals("diagram.png", recorded.getFileName());
        assertEquals("cli", recorded.getUploadedBy());
    }

    @Test
    void anUnknownHashIs404AndABadOneIs400() throws Exception {
        String unknown = "0".repeat(64);
        HttpResponse<byte[]> bytes = get("/media/" + unknown);
        assertEquals(404, bytes.statusCode());
        assertTrue(json(bytes).path("error").asText().contains(unknown));
        assertEquals(404, get("/media/" + unknown + "/info").statusCode());
        HttpResponse<byte[]> bad = get("/media/not-a-hash");
        assertEquals(400, bad.statusCode());
        assertTrue(json(bad).path("error").asText().contains("64 hex digits"));
    }
}
