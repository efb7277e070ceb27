package ams.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.Ams;
import ams.app.client.AmsClient;
import ams.app.client.RestClient;
import ams.app.system.AmsSystem;
import ams.app.system.TestSystemSettings;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ams chat send ID MSG --image FILE --audio FILE} against {@code ams up} with the scripted
 * responder: the image and the recording are uploaded and referenced by hash (the person's turn of
 * a chat), and the agent's turn (LLAVA_FLAG on, but a responder that cannot see) names the image as
 * not shown, and why, instead of dropping it.
 */
@ExtendWith(KafkaClusterExtension.class)
class ChatImageCliIT {

    @TempDir Path dataDir;

    @Test
    void sendsAnImageThatTheScriptedResponderSaysItCannotSee(TestKafka kafka) throws Exception {
        String prefix = "chatimg-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int port = FreePorts.next();
        String api = "http://127.0.0.1:" + port;
        try (AmsSystem system =
                        AmsSystem.start(
                                TestSystemSettings.scripted(
                                        kafka.bootstrapServers(), prefix, dataDir, port));
                AmsClient client = AmsClient.connect(kafka.bootstrapServers(), api, prefix, null)) {
            system.awaitReady(Duration.ofMinutes(1));
            client.createAgent(
                    "eye",
                    "Eye",
                    TestEvents.minimalConfig("eye")
                            .replace("\"LLM_BOOSTER_PROMPT_FLAG\":false", "\"LLAVA_FLAG\":true"));
            client.awaitAgent("eye", Duration.ofSeconds(60));
            // A chat in which ana takes turns: it waits for her (turn 0), her message with the
            // image is that turn, and eye answers it (turn 1), so the image is always in time.
            String id =
                    client.startChat(
                            List.of("eye"), "a photo", 2, "ana", Duration.ofMinutes(5), false);
            Path photo = dataDir.resolve("photo.gif");
            Files.write(
                    photo,
                    "GIF89a-a-tiny-picture".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            Path note = dataDir.resolve("note.wav");
            Files.write(
                    note,
                    "RIFF\0\0\0\0WAVEfmt a-tiny-recording"
                            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

            StringWriter out = new StringWriter();
            CommandLine cli = Ams.commandLine();
            cli.setOut(new PrintWriter(out, true));
            Wait.until(
                    "the chat awaits ana",
                    Duration.ofSeconds(60),
                    () -> {
                        try {
                            return "ana"
                                    .equals(
                                            client.conversation(id)
                                                    .path("awaiting_human")
                                                    .asText());
                        } catch (RestClient.ApiException e) {
                            return false; // not requested yet
                        }
                    });
            int exit =
                    cli.execute(
                            "chat",
                            "send",
                            id,
                            "What is this?",
                            "--as",
                            "ana",
                            "--image",
                            photo.toString(),
                            "--audio",
                            note.toString(),
                            "--api",
                            api);
            assertEquals(0, exit, out.toString());
            client.awaitConversation(id, Duration.ofMinutes(2));

            JsonNode messages = client.messages(id).path("messages");
            String hash = null;
            JsonNode after = null;
            for (JsonNode m : messages) {
                if (m.path("agent_id").asText().equals("ana")) {
                    hash = m.at("/metadata/media/0/sha256").asText();
                    assertEquals("image/gif", m.at("/metadata/media/0/content_type").asText());
                    assertEquals(
                            "audio/wav",
                            m.at("/metadata/media/1/content_type").asText(),
                            m.toString());
                } else if (hash != null && after == null) {
                    after = m;
                }
            }
            assertTrue(hash != null && hash.length() == 64, messages.toString());
            assertTrue(after != null, "no turn after the image: " + messages);
            assertEquals("scripted", after.path("model").asText());
            assertEquals(hash, after.at("/metadata/media_unsupported/0/sha256").asText());
            assertEquals(
                    "the scripted responder cannot see images",
                    after.at("/metadata/media_unsupported/0/why").asText(),
                    after.toString());
        }
    }
}
