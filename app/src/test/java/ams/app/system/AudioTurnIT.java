package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.AmsClient;
import ams.app.client.RestClient;
import ams.conversations.ConversationConfig;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A person posts a WAV into a running conversation; an agent with {@code STT_FLAG} on hears it: the
 * fake server's {@code /v1/audio/transcriptions} gets the exact uploaded bytes, the agent's chat
 * request carries the transcript, its turn's provenance lists it, and the transcript is kept beside
 * the bytes in the media store. An agent with the flag off causes no transcription and is told why.
 */
@ExtendWith(KafkaClusterExtension.class)
class AudioTurnIT {

    private static final String TRANSCRIPT = "please open the north gate";

    @TempDir Path dataDir;

    private static String config(String id, boolean stt) {
        return """
                {"agent_id":"%s","model_config":{},"prompt_config":{"userInput":"","agent":{"llmSystem":"You are %s.",\
                "llmBooster":""},"primeDirective":"Help."},\
                "command_flags":{"LLM_SYSTEM_PROMPT_FLAG":true,"LLM_BOOSTER_PROMPT_FLAG":false,"STT_FLAG":%s},\
                "databases":{},"database_config":{}}"""
                .formatted(id, id, stt);
    }

    static byte[] wav() {
        byte[] bytes = new byte[200];
        byte[] header = {'R', 'I', 'F', 'F', (byte) 192, 0, 0, 0, 'W', 'A', 'V', 'E'};
        System.arraycopy(header, 0, bytes, 0, header.length);
        for (int i = header.length; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 11);
        }
        return bytes;
    }

    @Test
    void anAgentWithSttFlagHearsThePostedAudioAndOneWithoutIsToldWhyNot(TestKafka kafka)
            throws Exception {
        String prefix = "aud-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int port = FreePorts.next();
        AtomicInteger calls = new AtomicInteger();
        try (FakeOpenAiServer fake =
                        FakeOpenAiServer.start()
                                .transcribeAs(TRANSCRIPT)
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
                                        fake.baseUrl()),
                                Map.of(
                                        ConversationConfig.STT_BASE_URL,
                                        fake.baseUrl(),
                                        ConversationConfig.STT_MODEL,
                                        "whisper-test"));
                AmsClient client =
                        AmsClient.connect(
                                kafka.bootstrapServers(),
                                "http://127.0.0.1:" + port,
                                prefix,
                                null)) {
            system.awaitReady(Duration.ofMinutes(1));
            client.createAgent("ear", "Ear", config("ear", true));
            client.createAgent("deaf", "Deaf", config("deaf", false));
            client.awaitAgent("ear", Duration.ofSeconds(60));
            client.awaitAgent("deaf", Duration.ofSeconds(60));

            byte[] audio = wav();
            Path file = dataDir.resolve("voice.wav");
            Files.write(file, audio);
            JsonNode stored = client.addMedia(file);
            String hash = stored.path("sha256").asText();
            assertEquals("audio/wav", stored.path("content_type").asText(), stored.toString());

            String id = client.generateConversation(List.of("ear", "deaf"), "a voice note", 3);
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
            client.sendMessage(id, "ana", "Listen to this.", List.of(hash));
            JsonNode state = client.awaitConversation(id, Duration.ofMinutes(2));
            assertEquals("COMPLETED", state.path("status").asText(), state.toString());

            JsonNode messages = client.messages(id).path("messages");
            JsonNode human = find(messages, "ana");
            assertEquals("audio", human.path("message_type").asText(), human.toString());

            // The ear's last turn (turn 2) heard the audio: exactly the uploaded bytes went to the
            // transcription endpoint, once, and the transcript is in its prompt and provenance.
            List<FakeOpenAiServer.Transcription> transcriptions = fake.transcriptions();
            assertEquals(1, transcriptions.size(), transcriptions.toString());
            assertArrayEquals(audio, transcriptions.get(0).file());
            assertEquals("whisper-test", transcriptions.get(0).model());

            JsonNode earTurn = messages.get(messages.size() - 1);
            assertEquals("ear", earTurn.path("agent_id").asText(), messages.toString());
            JsonNode heard = earTurn.at("/metadata/media_transcribed/0");
            assertEquals(hash, heard.path("sha256").asText(), earTurn.toString());
            assertEquals("whisper-test", heard.path("model").asText());
            assertEquals(TRANSCRIPT.length(), heard.path("chars").asInt());
            String line = "[audio " + hash + " transcript: \"" + TRANSCRIPT + "\"]";
            assertTrue(
                    calls(fake, "agent ear").stream().anyMatch(r -> r.allText().contains(line)),
                    "no chat request of ear carries the transcript");
            Path sidecar =
                    dataDir.resolve("media")
                            .resolve(hash.substring(0, 2))
                            .resolve(hash + ".transcript.txt");
            assertEquals(TRANSCRIPT, Files.readString(sidecar));

            // The deaf agent (STT_FLAG off) got no transcript; its prompt and provenance say why.
            JsonNode deafTurn = find(messages, "deaf");
            JsonNode unsupported = deafTurn.at("/metadata/media_unsupported/0");
            assertEquals(hash, unsupported.path("sha256").asText(), deafTurn.toString());
            assertEquals("STT_FLAG is off for agent deaf", unsupported.path("why").asText());
            assertFalse(deafTurn.path("metadata").has("media_transcribed"), deafTurn.toString());
            List<ChatRequest> deafCalls = calls(fake, "agent deaf");
            assertFalse(deafCalls.isEmpty());
            for (ChatRequest call : deafCalls) {
                assertFalse(call.allText().contains(TRANSCRIPT), call.allText());
                assertTrue(
                        call.allText()
                                .contains(
                                        "[audio "
                                                + hash
                                                + " not shown: STT_FLAG is off for agent deaf]"),
                        call.allText());
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
