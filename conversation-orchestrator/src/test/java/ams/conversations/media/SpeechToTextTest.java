package ams.conversations.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.AgentProfile;
import ams.conversations.llm.Prompt;
import ams.events.MediaRef;
import ams.service.media.LocalMediaStore;
import ams.service.media.MediaTypes;
import ams.testkit.openai.FakeOpenAiServer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpeechToTextTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    /** A few bytes with a valid RIFF/WAVE header, and bytes a text round trip would mangle. */
    static byte[] wav() {
        byte[] bytes = new byte[64];
        byte[] header = {'R', 'I', 'F', 'F', 56, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' '};
        System.arraycopy(header, 0, bytes, 0, header.length);
        for (int i = header.length; i < bytes.length; i++) {
            bytes[i] = (byte) (0xF0 + i * 13);
        }
        bytes[40] = '\r';
        bytes[41] = '\n';
        bytes[42] = '-';
        bytes[43] = '-';
        return bytes;
    }

    @Test
    void sendsTheExactBytesAndModelAsMultipartAndReadsTheText() throws Exception {
        try (FakeOpenAiServer fake = FakeOpenAiServer.start().transcribeAs("hello \"there\"")) {
            SpeechToText stt =
                    new SpeechToText(fake.baseUrl() + "/", "whisper-1", "", Duration.ofSeconds(10));
            byte[] audio = wav();
            assertEquals("hello \"there\"", stt.transcribe(audio, "audio/wav", "a.wav"));
            FakeOpenAiServer.Transcription got = fake.transcriptions().get(0);
            assertArrayEquals(audio, got.file());
            assertEquals("whisper-1", got.model());
            assertEquals("a.wav", got.fileName());
            assertEquals("audio/wav", got.fileContentType());

            fake.transcribeAs(null);
            SpeechToText.TranscriptionFailed failed =
                    assertThrows(
                            SpeechToText.TranscriptionFailed.class,
                            () -> stt.transcribe(audio, "audio/wav", "a.wav"));
            assertTrue(failed.getMessage().contains("answered 500"), failed.getMessage());
        }
    }

    @Test
    void anAgentWithSttFlagHearsTheTranscriptOncePerHashAndItIsKeptBesideTheBytes()
            throws Exception {
        LocalMediaStore store = new LocalMediaStore(dir, 1 << 20, MediaTypes.DEFAULT_ALLOWED);
        MediaRef audio = store.put(new ByteArrayInputStream(wav()), "audio/wav").toRef();
        assertEquals("audio/wav", audio.getContentType());
        try (FakeOpenAiServer fake = FakeOpenAiServer.start().transcribeAs("open the gate")) {
            SpeechToText stt =
                    new SpeechToText(fake.baseUrl(), "whisper-1", "", Duration.ofSeconds(10));
            VisionPrompts vision =
                    new VisionPrompts(
                            Optional.of(store), Optional.of(new AudioTranscripts(store, stt)));
            VisionPrompts.Result heard = vision.apply(prompt(audio), agent(true), "openai");
            String content = heard.prompt().history().get(0).content();
            assertTrue(
                    content.contains(
                            "[audio " + audio.getSha256() + " transcript: \"open the gate\"]"),
                    content);
            ObjectNode metadata = JSON.createObjectNode();
            heard.describe(metadata);
            assertEquals(audio.getSha256(), metadata.at("/media_transcribed/0/sha256").asText());
            assertEquals("whisper-1", metadata.at("/media_transcribed/0/model").asText());
            assertEquals(13, metadata.at("/media_transcribed/0/chars").asInt());
            assertEquals(
                    "open the gate", Files.readString(store.transcriptPath(audio.getSha256())));

            vision.apply(prompt(audio), agent(true), "openai");
            assertEquals(1, fake.transcriptions().size(), "transcribed once per hash");

            // A fresh process (a replay) reads the kept transcript instead of calling again.
            VisionPrompts replay =
                    new VisionPrompts(
                            Optional.of(store), Optional.of(new AudioTranscripts(store, stt)));
            assertEquals(
                    List.of(audio),
                    replay.apply(prompt(audio), agent(true), "openai").transcribed().stream()
                            .map(VisionPrompts.Transcribed::media)
                            .toList());
            assertEquals(1, fake.transcriptions().size());

            VisionPrompts.Result off = vision.apply(prompt(audio), agent(false), "openai");
            assertEquals(List.of(), off.transcribed());
            assertEquals("STT_FLAG is off for agent ear", off.unsupported().get(0).why());

            VisionPrompts.Result noEndpoint =
                    new VisionPrompts(Optional.of(store))
                            .apply(prompt(audio), agent(true), "openai");
            assertTrue(
                    noEndpoint.unsupported().get(0).why().contains("set stt.base.url"),
                    noEndpoint.unsupported().get(0).why());
        }
    }

    @Test
    void aFailedTranscriptionIsNotedWithTheReasonAndTriedAgainNextTurn() throws Exception {
        LocalMediaStore store = new LocalMediaStore(dir, 1 << 20, MediaTypes.DEFAULT_ALLOWED);
        MediaRef audio = store.put(new ByteArrayInputStream(wav()), "audio/wav").toRef();
        try (FakeOpenAiServer fake = FakeOpenAiServer.start().transcribeAs(null)) {
            SpeechToText stt =
                    new SpeechToText(fake.baseUrl(), "whisper-1", "", Duration.ofSeconds(10));
            VisionPrompts vision =
                    new VisionPrompts(
                            Optional.of(store), Optional.of(new AudioTranscripts(store, stt)));
            VisionPrompts.Result failed = vision.apply(prompt(audio), agent(true), "openai");
            assertEquals(List.of(), failed.transcribed());
            String why = failed.unsupported().get(0).why();
            assertTrue(why.startsWith("transcription failed: "), why);
            assertTrue(why.contains("answered 500"), why);
            assertTrue(
                    failed.prompt()
                            .history()
                            .get(0)
                            .content()
                            .contains("[audio " + audio.getSha256() + " not shown: transcription"),
                    failed.prompt().history().get(0).content());
            assertTrue(store.transcript(audio.getSha256()).isEmpty(), "nothing kept");

            fake.transcribeAs("now it works");
            assertEquals(
                    "now it works",
                    vision.apply(prompt(audio), agent(true), "openai").transcribed().get(0).text());
            assertEquals(2, fake.transcriptions().size());
        }
    }

    private static AgentProfile agent(boolean stt) throws Exception {
        return new AgentProfile(
                "ear",
                "Ear",
                JSON.readTree("{\"command_flags\":{\"STT_FLAG\":%s}}".formatted(stt)));
    }

    private static Prompt prompt(MediaRef audio) {
        return new Prompt(
                "You are ear.",
                List.of(
                        new Prompt.Line(
                                "ana", "ana", "user", "Listen.", false, List.of(audio), List.of())),
                "It is your turn",
                "ear",
                "Ear",
                "persona",
                "topic",
                List.of(),
                1L,
                2);
    }
}
