package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.AmsClient;
import ams.app.client.RestClient;
import ams.app.rest.KnowledgeVision;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import ams.testkit.openai.ChatRequest;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Knowledge with images, end to end: an uploaded PNG added as knowledge without a caption is
 * described by the vision model (the real LangChain4j OpenAI client against the fake server, which
 * must receive the image as a data URL), and the description is chunked, embedded and found by
 * search like any text, with the link to the media object on the hit.
 */
@ExtendWith(KafkaClusterExtension.class)
class KnowledgeImageIT {

    private static final String DESCRIPTION =
            "A red lighthouse on a rocky shore at dusk, gulls circling the lantern.";

    @TempDir Path dataDir;

    @Test
    void anImageWithoutCaptionIsDescribedByTheVisionModelAndFoundByItsWords(TestKafka kafka)
            throws Exception {
        String prefix = "kim-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int port = FreePorts.next();
        AtomicReference<ChatRequest> asked = new AtomicReference<>();
        try (FakeOpenAiServer fake =
                        FakeOpenAiServer.start()
                                .respondWith(
                                        r -> {
                                            asked.set(r);
                                            return Reply.text(DESCRIPTION);
                                        });
                AmsSystem system =
                        AmsSystem.start(
                                TestSystemSettings.scripted(
                                        kafka.bootstrapServers(), prefix, dataDir, port),
                                false,
                                new KnowledgeVision(fake.baseUrl(), "vision-test", null));
                AmsClient client =
                        AmsClient.connect(
                                kafka.bootstrapServers(),
                                "http://127.0.0.1:" + port,
                                prefix,
                                null)) {
            system.awaitReady(Duration.ofMinutes(1));
            RestClient rest = new RestClient("http://127.0.0.1:" + port, null);
            // A knowledge write needs its agent (404 otherwise).
            client.createAgent("librarian", "Librarian", TestEvents.minimalConfig("librarian"));
            Wait.untilValue(
                    "the librarian agent is applied",
                    Duration.ofSeconds(60),
                    () -> client.agent("librarian"));

            byte[] image = VisionTurnIT.png();
            Path file = dataDir.resolve("harbour.png");
            Files.write(file, image);
            String hash = client.addMedia(file).path("sha256").asText();

            JsonNode accepted =
                    rest.post(
                            "/agents/librarian/knowledge",
                            Map.of("document_id", "harbour", "title", "Harbour", "media", hash));
            assertEquals("harbour", accepted.path("document_id").asText(), accepted.toString());

            // The captioning request carried the uploaded bytes as an image_url data URL.
            ChatRequest request = asked.get();
            assertEquals(
                    List.of("data:image/png;base64," + Base64.getEncoder().encodeToString(image)),
                    request.imageUrls());
            assertTrue(request.body().toString().contains("\"type\":\"image_url\""));
            assertEquals("vision-test", request.model());

            AtomicReference<JsonNode> hit = new AtomicReference<>();
            Wait.until(
                    "the image document to be found by a word of its description",
                    Duration.ofSeconds(60),
                    () -> {
                        JsonNode results =
                                client.searchKnowledge("librarian", "lighthouse gulls", 3)
                                        .path("results");
                        if (results.size() > 0
                                && results.get(0).path("document_id").asText().equals("harbour")) {
                            hit.set(results.get(0));
                            return true;
                        }
                        return false;
                    });
            JsonNode found = hit.get();
            assertEquals("image/png", found.path("content_type").asText(), found.toString());
            assertTrue(found.path("content").asText().contains("lighthouse"), found.toString());
            assertEquals(hash, found.at("/metadata/media/sha256").asText(), found.toString());
            assertEquals(
                    "vision model vision-test",
                    found.at("/metadata/caption_source").asText(),
                    found.toString());

            JsonNode documents = rest.get("/agents/librarian/knowledge").path("documents");
            assertEquals(1, documents.size(), documents.toString());
            assertEquals(hash, documents.get(0).at("/metadata/media/url").asText().substring(7));
            assertEquals(1, fake.chatRequests().size(), "one captioning call");
        }
    }
}
