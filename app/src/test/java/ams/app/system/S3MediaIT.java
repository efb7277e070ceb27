package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.AmsClient;
import ams.app.client.RestClient;
import ams.service.media.MediaConfig;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import ams.testkit.openai.ChatRequest;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import ams.testkit.s3.FakeS3Server;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole system on the broker with {@code media.store=s3} against a fake S3 server that checks
 * every signature: an image uploaded through REST lands in the bucket once (the same bytes twice
 * are one PUT), a vision agent's turn reads it back from the bucket and sends it to the model, and
 * a snapshot bundles it from the bucket. Nothing is written to the local media directory.
 */
@ExtendWith(KafkaClusterExtension.class)
class S3MediaIT {

    @TempDir Path dataDir;

    private static String config(String id) {
        return """
                {"agent_id":"%s","model_config":{},"prompt_config":{"userInput":"","agent":{"llmSystem":"You are %s.",\
                "llmBooster":"","visionSystem":"Say what you see.","visionBooster":""},"primeDirective":"Help."},\
                "command_flags":{"LLM_SYSTEM_PROMPT_FLAG":true,"LLM_BOOSTER_PROMPT_FLAG":false,"LLAVA_FLAG":true},\
                "databases":{},"database_config":{}}"""
                .formatted(id, id);
    }

    @Test
    void imagesLiveInTheBucketAndEveryPartReadsThemFromThere(TestKafka kafka) throws Exception {
        String prefix = "s3m-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int port = FreePorts.next();
        AtomicInteger calls = new AtomicInteger();
        try (FakeS3Server s3 = FakeS3Server.start("ams-media");
                FakeOpenAiServer fake =
                        FakeOpenAiServer.start()
                                .respondWith(
                                        r -> {
                                            // The opening turn takes a while, so the person's
                                            // message is in the log before the next turn.
                                            Reply reply = Reply.text("turn " + calls.get());
                                            return calls.getAndIncrement() == 0
                                                    ? reply.after(Duration.ofSeconds(4))
                                                    : reply;
                                        });
                AmsSystem system =
                        AmsSystem.start(
                                TestSystemSettings.openAi(
                                        kafka.bootstrapServers(),
                                        prefix,
                                        dataDir,
                                        port,
                                        fake.baseUrl()),
                                Map.of(
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
                                        FakeS3Server.SECRET_KEY,
                                        MediaConfig.MEDIA_S3_PREFIX,
                                        "media/"));
                AmsClient client =
                        AmsClient.connect(
                                kafka.bootstrapServers(),
                                "http://127.0.0.1:" + port,
                                prefix,
                                null)) {
            system.awaitReady(Duration.ofMinutes(1));
            client.createAgent("seer", "Seer", config("seer"));
            client.createAgent("sage", "Sage", config("sage"));
            client.awaitAgent("seer", Duration.ofSeconds(60));
            client.awaitAgent("sage", Duration.ofSeconds(60));

            byte[] image = VisionTurnIT.png();
            Path file = dataDir.resolve("photo.png");
            Files.write(file, image);
            String hash = client.addMedia(file).path("sha256").asText();
            assertEquals(hash, client.addMedia(file).path("sha256").asText(), "dedup by hash");
            String key = "media/" + hash.substring(0, 2) + "/" + hash;
            assertArrayEquals(image, s3.object(key).orElseThrow().bytes());
            assertEquals(1, s3.count("PUT", key), s3.describeRequests());
            assertEquals("image/png", client.mediaInfo(hash).path("content_type").asText());
            assertTrue(
                    !Files.exists(
                            dataDir.resolve("media").resolve(hash.substring(0, 2)).resolve(hash)),
                    "no object in the local media directory");

            String id = client.generateConversation(List.of("seer", "sage"), "a photo", 3);
            Wait.until(
                    "the conversation to exist",
                    Duration.ofSeconds(30),
                    () -> {
                        try {
                            return client.conversation(id) != null;
                        } catch (RestClient.ApiException e) {
                            return false;
                        }
                    });
            client.sendMessage(id, "ana", "What is in this photo?", List.of(hash));
            JsonNode state = client.awaitConversation(id, Duration.ofMinutes(2));
            assertEquals("COMPLETED", state.path("status").asText(), state.toString());

            // A turn after the message saw the image: the orchestrator read it from the bucket.
            String dataUrl = "data:image/png;base64," + Base64.getEncoder().encodeToString(image);
            List<ChatRequest> withImage =
                    fake.chatRequests().stream().filter(r -> !r.imageUrls().isEmpty()).toList();
            assertTrue(!withImage.isEmpty(), "no image sent to the model");
            assertEquals(List.of(dataUrl), withImage.get(0).imageUrls());
            assertTrue(s3.count("GET", key) >= 1, s3.describeRequests());
            assertEquals(1, s3.count("PUT", key), "the image was written once");

            // A snapshot bundles the image from the bucket.
            JsonNode snapshot = client.snapshot();
            JsonNode media = snapshot.path("media");
            assertEquals(1, media.path("referenced").asLong(), snapshot.toString());
            assertEquals(1, media.path("bundled").asLong(), snapshot.toString());
            assertEquals(0, media.path("missing").asLong(), snapshot.toString());
            Path bundled = Path.of(media.path("dir").asText()).resolve(hash + ".png");
            assertArrayEquals(image, Files.readAllBytes(bundled));
            assertTrue(Files.exists(Path.of(snapshot.path("manifest").asText())));
        }
    }
}
