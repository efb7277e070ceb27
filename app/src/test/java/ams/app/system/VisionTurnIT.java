package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.AmsClient;
import ams.app.client.RestClient;
import ams.events.media.MediaEvent;
import ams.events.media.MediaStored;
import ams.events.topics.TopicCatalogue;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
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
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A person posts a message with an image into a running conversation; a vision agent ({@code
 * LLAVA_FLAG} on, {@code visionSystem} set) answers through the real LangChain4j OpenAI client
 * against the fake server, which must receive the image as an {@code image_url} data URL of the
 * uploaded bytes and the vision prompts; an agent with the flag off gets no image and its turn's
 * provenance says why. The whole system runs in one JVM on the broker.
 */
@ExtendWith(KafkaClusterExtension.class)
class VisionTurnIT {

    private static final String SEER_VISION =
            "You can see the images people share; say what is in them.";
    private static final String SEER_BOOSTER = "Mention the colours you see.";
    private static final String BLIND_VISION = "BLIND-VISION-PROMPT-MUST-NOT-BE-SENT";

    @TempDir Path dataDir;

    private static String config(String id, boolean llava, String visionSystem, String booster) {
        return """
                {"agent_id":"%s","model_config":{},"prompt_config":{"userInput":"","agent":{"llmSystem":"You are %s.",\
                "llmBooster":"","visionSystem":"%s","visionBooster":"%s"},"primeDirective":"Help."},\
                "command_flags":{"LLM_SYSTEM_PROMPT_FLAG":true,"LLM_BOOSTER_PROMPT_FLAG":false,"LLAVA_FLAG":%s},\
                "databases":{},"database_config":{}}"""
                .formatted(id, id, visionSystem, booster, llava);
    }

    static byte[] png() {
        byte[] bytes = new byte[300];
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
        System.arraycopy(magic, 0, bytes, 0, magic.length);
        for (int i = magic.length; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 7);
        }
        return bytes;
    }

    @Test
    void aVisionAgentSeesThePostedImageAndAnAgentWithoutLlavaIsToldWhyNot(TestKafka kafka)
            throws Exception {
        String prefix = "vis-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int port = FreePorts.next();
        AtomicInteger calls = new AtomicInteger();
        try (FakeOpenAiServer fake =
                        FakeOpenAiServer.start()
                                .respondWith(
                                        r -> {
                                            // The opening turn takes a while, so the person's
                                            // message is in the log before the next turn.
                                            Reply reply =
                                                    Reply.text("I answer turn " + calls.get());
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
                                        fake.baseUrl()));
                AmsClient client =
                        AmsClient.connect(
                                kafka.bootstrapServers(),
                                "http://127.0.0.1:" + port,
                                prefix,
                                null)) {
            system.awaitReady(Duration.ofMinutes(1));
            client.createAgent("seer", "Seer", config("seer", true, SEER_VISION, SEER_BOOSTER));
            client.createAgent("blind", "Blind", config("blind", false, BLIND_VISION, ""));
            client.awaitAgent("seer", Duration.ofSeconds(60));
            client.awaitAgent("blind", Duration.ofSeconds(60));

            byte[] image = png();
            Path file = dataDir.resolve("screenshot.png");
            Files.write(file, image);
            JsonNode stored = client.addMedia(file);
            String hash = stored.path("sha256").asText();
            assertEquals("image/png", stored.path("content_type").asText(), stored.toString());
            assertEquals(image.length, stored.path("size_bytes").asLong());
            assertEquals(stored.path("sha256"), client.addMedia(file).path("sha256"), "dedup");

            // A message naming a hash the store does not have is refused, naming the hash.
            String id = client.generateConversation(List.of("seer", "blind"), "a screenshot", 3);
            String unknown = "ab".repeat(32);
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
            RestClient.ApiException missing =
                    org.junit.jupiter.api.Assertions.assertThrows(
                            RestClient.ApiException.class,
                            () -> client.sendMessage(id, "ana", "look", List.of(unknown)));
            assertTrue(missing.getMessage().contains(unknown), missing.getMessage());
            assertEquals(404, missing.status(), missing.getMessage());

            client.sendMessage(id, "ana", "What is in this screenshot?", List.of(hash));
            JsonNode state = client.awaitConversation(id, Duration.ofMinutes(2));
            assertEquals("COMPLETED", state.path("status").asText(), state.toString());

            JsonNode messages = client.messages(id).path("messages");
            JsonNode human = find(messages, "ana");
            assertEquals("image", human.path("message_type").asText(), human.toString());
            assertEquals(hash, human.at("/metadata/media/0/sha256").asText(), human.toString());

            // The seer's last turn (turn 2) saw the image, with its vision prompts.
            JsonNode seerTurn = messages.get(messages.size() - 1);
            assertEquals("seer", seerTurn.path("agent_id").asText(), messages.toString());
            JsonNode seen = seerTurn.path("metadata");
            assertTrue(seen.path("vision").asBoolean(), seen.toString());
            assertEquals(hash, seen.at("/media_sent/0/sha256").asText(), seen.toString());
            assertEquals("visionSystem", seen.at("/vision_prompts/0").asText(), seen.toString());
            assertEquals("visionBooster", seen.at("/vision_prompts/1").asText(), seen.toString());

            String dataUrl = "data:image/png;base64," + Base64.getEncoder().encodeToString(image);
            List<ChatRequest> seerCalls = calls(fake, "agent seer");
            ChatRequest seerVision =
                    seerCalls.stream()
                            .filter(r -> !r.imageUrls().isEmpty())
                            .findFirst()
                            .orElseThrow(() -> new AssertionError("no image sent: " + seerCalls));
            assertEquals(List.of(dataUrl), seerVision.imageUrls());
            assertTrue(seerVision.systemPrompt().contains(SEER_VISION), seerVision.systemPrompt());
            assertTrue(seerVision.systemPrompt().contains(SEER_BOOSTER), seerVision.systemPrompt());
            assertTrue(
                    seerVision.body().toString().contains("\"type\":\"image_url\""),
                    "the image is a content part of the request body");
            assertTrue(seerVision.allText().contains("What is in this screenshot?"));

            // The blind agent (LLAVA_FLAG off) got no image part and no vision prompt; the
            // prompt and its turn's provenance say why.
            JsonNode blindTurn = find(messages, "blind");
            JsonNode unsupported = blindTurn.at("/metadata/media_unsupported/0");
            assertEquals(hash, unsupported.path("sha256").asText(), blindTurn.toString());
            assertEquals("LLAVA_FLAG is off for agent blind", unsupported.path("why").asText());
            assertFalse(blindTurn.path("metadata").has("media_sent"), blindTurn.toString());
            List<ChatRequest> blindCalls = calls(fake, "agent blind");
            assertFalse(blindCalls.isEmpty());
            for (ChatRequest call : blindCalls) {
                assertEquals(List.of(), call.imageUrls(), "an image went to the blind agent");
                assertFalse(call.body().toString().contains("image_url"));
                assertFalse(call.systemPrompt().contains(BLIND_VISION), call.systemPrompt());
                assertTrue(
                        call.allText()
                                .contains(
                                        "[image "
                                                + hash
                                                + " not shown: LLAVA_FLAG is off for agent"
                                                + " blind]"),
                        call.allText());
            }

            // The uploads are on media-events, keyed by hash, with who and which file; never the
            // bytes.
            TopicCatalogue topics = new TopicCatalogue(prefix, 2, (short) 1);
            List<ConsumerRecord<String, MediaEvent>> events =
                    kafka.consume(topics.mediaEvents(), 2, Duration.ofSeconds(30));
            for (ConsumerRecord<String, MediaEvent> record : events) {
                assertEquals(hash, record.key());
                MediaStored payload = (MediaStored) record.value().getPayload();
                assertEquals(hash, payload.getMedia().getSha256());
                assertEquals("image/png", payload.getMedia().getContentType());
                assertEquals(image.length, payload.getMedia().getSizeBytes());
                assertEquals("screenshot.png", payload.getFileName());
                assertEquals("java-client", payload.getUploadedBy());
            }
        }
    }

    private static JsonNode find(JsonNode messages, String agentId) {
        for (JsonNode m : messages) {
            if (m.path("agent_id").asText().equals(agentId)) {
                return m;
            }
        }
        throw new AssertionError("no message by " + agentId + " in " + messages);
    }

    private static List<ChatRequest> calls(FakeOpenAiServer fake, String who) {
        return fake.chatRequests().stream().filter(r -> r.systemPrompt().contains(who)).toList();
    }
}
