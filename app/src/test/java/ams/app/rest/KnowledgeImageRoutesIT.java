package ams.app.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.EventPublisher;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.topics.TopicCatalogue;
import ams.service.media.LocalMediaStore;
import ams.service.media.MediaObject;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /agents/{id}/knowledge} with {@code media} on a server with no vision model: a
 * caption given by the user is the document's text and the document links the image; without a
 * caption the answer is 400 saying what to do; an unknown hash 404 naming it; audio 415.
 */
@ExtendWith(KafkaClusterExtension.class)
class KnowledgeImageRoutesIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    @TempDir Path dir;
    private TestKafka kafka;
    private TopicCatalogue topics;
    private EventPublisher publisher;
    private Admin admin;
    private LocalMediaStore store;
    private RestServer server;

    @BeforeEach
    void start(TestKafka kafka) throws Exception {
        this.kafka = kafka;
        topics = kafka.newCatalogue(1);
        publisher = new EventPublisher(kafka.bootstrapServers(), topics);
        admin = kafka.admin();
        store = new LocalMediaStore(dir, 100 * 1024, MediaTypes.DEFAULT_ALLOWED);
        server =
                RestServer.start(
                        new RestConfig("127.0.0.1", 0, null, 64 * 1024),
                        publisher,
                        admin,
                        List.of(),
                        List.of(new MediaRoutes(store, publisher, 100 * 1024)::register),
                        new KnowledgeImages(store, KnowledgeVision.NONE));
    }

    @AfterEach
    void stop() {
        server.close();
        publisher.close();
        admin.close();
    }

    private HttpResponse<String> addKnowledge(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(
                                URI.create(
                                        "http://127.0.0.1:"
                                                + server.port()
                                                + "/agents/lib/knowledge"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private MediaObject put(byte[] bytes) throws Exception {
        return store.put(new ByteArrayInputStream(bytes), null);
    }

    @Test
    void aCaptionedImageIsADocumentLinkedToItsMediaObject() throws Exception {
        MediaObject image = put(MediaRoutesIT.png(500));
        HttpResponse<String> added =
                addKnowledge(
                        "{\"document_id\":\"harbour\",\"media\":\""
                                + image.sha256()
                                + "\",\"content\":\"A red lighthouse at dusk\","
                                + "\"metadata\":{\"album\":\"trips\"}}");
        assertEquals(202, added.statusCode(), added.body());
        assertEquals("harbour", JSON.readTree(added.body()).path("document_id").asText());

        List<ConsumerRecord<String, KnowledgeEvent>> events =
                kafka.consume(topics.knowledgeEvents(), 1, Duration.ofSeconds(30));
        DocumentAdded document = (DocumentAdded) events.get(0).value().getPayload();
        assertEquals("A red lighthouse at dusk", document.getContent());
        assertEquals("image/png", document.getContentType());
        JsonNode metadata = JSON.readTree(document.getMetadataJson());
        assertEquals(image.sha256(), metadata.at("/media/sha256").asText(), metadata.toString());
        assertEquals("image/png", metadata.at("/media/content_type").asText());
        assertEquals("user", metadata.path("caption_source").asText());
        assertEquals("trips", metadata.path("album").asText(), "the user's metadata is kept");
    }

    @Test
    void theCliUploadsAnImageAndAddsItWithItsCaption() throws Exception {
        Path file = dir.resolve("kite.png");
        byte[] bytes = MediaRoutesIT.png(700);
        java.nio.file.Files.write(file, bytes);
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = ams.app.Ams.commandLine();
        cli.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
        cli.setErr(new java.io.PrintWriter(err, true));
        int exit =
                cli.execute(
                        "knowledge",
                        "add",
                        "lib",
                        "--title",
                        "Kite",
                        "--id",
                        "kite",
                        "--image",
                        file.toString(),
                        "--content",
                        "A green kite over the dunes",
                        "--api",
                        "http://127.0.0.1:" + server.port());
        assertEquals(0, exit, err.toString());
        DocumentAdded document =
                (DocumentAdded)
                        kafka.consume(topics.knowledgeEvents(), 1, Duration.ofSeconds(30))
                                .get(0)
                                .value()
                                .getPayload();
        assertEquals("kite", document.getDocumentId());
        assertEquals("A green kite over the dunes", document.getContent());
        assertEquals("image/png", document.getContentType());
        String hash = JSON.readTree(document.getMetadataJson()).at("/media/sha256").asText();
        assertEquals(bytes.length, store.find(hash).orElseThrow().sizeBytes());
    }

    @Test
    void withoutCaptionOrVisionModelItIs400() throws Exception {
        MediaObject image = put(MediaRoutesIT.png(600));
        HttpResponse<String> refused = addKnowledge("{\"media\":\"" + image.sha256() + "\"}");
        assertEquals(400, refused.statusCode(), refused.body());
        String error = JSON.readTree(refused.body()).path("error").asText();
        assertTrue(error.contains("give one in 'content'"), error);
        assertTrue(error.contains("knowledge.vision.base.url"), error);
    }

    @Test
    void aVisionModelThatFailsIs503SayingToRetryOrGiveACaption() throws Exception {
        MediaObject image = put(MediaRoutesIT.png(800));
        try (ams.testkit.openai.FakeOpenAiServer fake =
                        ams.testkit.openai.FakeOpenAiServer.start()
                                .respondWith(
                                        r ->
                                                ams.testkit.openai.Reply.status(
                                                        400, "this model does not take images"));
                RestServer withVision =
                        RestServer.start(
                                new RestConfig("127.0.0.1", 0, null, 64 * 1024),
                                publisher,
                                admin,
                                List.of(),
                                List.of(),
                                new KnowledgeImages(
                                        store,
                                        new KnowledgeVision(fake.baseUrl(), "text-only", null)))) {
            HttpResponse<String> failed =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    "http://127.0.0.1:"
                                                            + withVision.port()
                                                            + "/agents/lib/knowledge"))
                                    .header("Content-Type", "application/json")
                                    .POST(
                                            HttpRequest.BodyPublishers.ofString(
                                                    "{\"media\":\"" + image.sha256() + "\"}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(503, failed.statusCode(), failed.body());
            assertTrue(failed.body().contains("text-only"), failed.body());
            assertTrue(failed.body().contains("give a caption"), failed.body());
            assertEquals(1, fake.chatRequests().size(), "the image was sent to the model");
        }
    }

    @Test
    void anUnknownHashIs404AndAudioIs415() throws Exception {
        String unknown = "cd".repeat(32);
        HttpResponse<String> missing =
                addKnowledge("{\"media\":\"" + unknown + "\",\"content\":\"x\"}");
        assertEquals(404, missing.statusCode(), missing.body());
        assertTrue(missing.body().contains(unknown), missing.body());

        byte[] wav = new byte[64];
        System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, wav, 0, 4);
        System.arraycopy("WAVE".getBytes(StandardCharsets.US_ASCII), 0, wav, 8, 4);
        MediaObject audio = put(wav);
        assertEquals("audio/wav", audio.contentType());
        HttpResponse<String> notImage =
                addKnowledge("{\"media\":\"" + audio.sha256() + "\",\"content\":\"a song\"}");
        assertEquals(415, notImage.statusCode(), notImage.body());
        assertTrue(notImage.body().contains("only an image"), notImage.body());

        HttpResponse<String> badHash = addKnowledge("{\"media\":\"nope\",\"content\":\"x\"}");
        assertEquals(400, badHash.statusCode(), badHash.body());
    }
}
