package ams.conversations.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.AgentProfile;
import ams.conversations.llm.Prompt;
import ams.events.MediaRef;
import ams.service.media.LocalMediaStore;
import ams.service.media.MediaObject;
import ams.service.media.MediaTypes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VisionPromptsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3};

    @TempDir Path dir;
    private LocalMediaStore store;
    private MediaRef image;

    @BeforeEach
    void store() throws Exception {
        store = new LocalMediaStore(dir, 1 << 20, MediaTypes.DEFAULT_ALLOWED);
        MediaObject stored = store.put(new ByteArrayInputStream(PNG), "image/png");
        image = stored.toRef();
    }

    private static AgentProfile agent(String id, boolean llava) throws Exception {
        return new AgentProfile(
                id,
                id,
                JSON.readTree(
                        """
                        {"prompt_config":{"agent":{"visionSystem":"You see images.",\
                        "visionBooster":"Name the colours."}},"command_flags":{"LLAVA_FLAG":%s}}"""
                                .formatted(llava)));
    }

    private static Prompt prompt(List<MediaRef> media) {
        return new Prompt(
                "You are seer.",
                List.of(
                        new Prompt.Line(
                                "ana", "ana", "user", "What is this?", false, media, List.of()),
                        new Prompt.Line("seer", "Seer", "assistant", "Hm.", true)),
                "It is your turn",
                "seer",
                "Seer",
                "persona",
                "topic",
                List.of(),
                1L,
                2);
    }

    @Test
    void aVisionSpeakerGetsTheImageAndItsVisionPrompts() throws Exception {
        VisionPrompts.Result result =
                new VisionPrompts(Optional.of(store))
                        .apply(prompt(List.of(image)), agent("seer", true), "openai");

        Prompt.Line line = result.prompt().history().get(0);
        assertEquals(
                List.of(
                        new Prompt.Image(
                                image.getSha256(),
                                "image/png",
                                Base64.getEncoder().encodeToString(PNG))),
                line.images());
        assertEquals("What is this?", line.content());
        assertEquals(
                "You are seer.\n\nYou see images.\n\nName the colours.", result.prompt().system());
        assertEquals(List.of(image), result.sent());
        assertEquals(List.of(), result.unsupported());
        assertTrue(result.prompt().estimatedTokens() > prompt(List.of()).estimatedTokens() + 700);

        ObjectNode metadata = JSON.createObjectNode();
        result.describe(metadata);
        assertTrue(metadata.path("vision").asBoolean());
        assertEquals(image.getSha256(), metadata.at("/media_sent/0/sha256").asText());
        assertEquals("visionBooster", metadata.at("/vision_prompts/1").asText());
    }

    @Test
    void withoutLlavaTheImageIsNamedAndExplainedNotDropped() throws Exception {
        VisionPrompts.Result result =
                new VisionPrompts(Optional.of(store))
                        .apply(prompt(List.of(image)), agent("blind", false), "openai");

        Prompt.Line line = result.prompt().history().get(0);
        assertEquals(List.of(), line.images());
        assertEquals(
                "What is this?\n[image "
                        + image.getSha256()
                        + " not shown: LLAVA_FLAG is off for agent blind]",
                line.content());
        assertEquals("You are seer.", result.prompt().system());
        assertEquals(List.of(), result.sent());
        ObjectNode metadata = JSON.createObjectNode();
        result.describe(metadata);
        assertFalse(metadata.has("media_sent"));
        assertEquals(
                "LLAVA_FLAG is off for agent blind",
                metadata.at("/media_unsupported/0/why").asText());
    }

    @Test
    void theScriptedResponderAMissingObjectAndAudioAreExplainedToo() throws Exception {
        VisionPrompts vision = new VisionPrompts(Optional.of(store));
        assertEquals(
                "the scripted responder cannot see images",
                vision.apply(prompt(List.of(image)), agent("seer", true), "scripted")
                        .unsupported()
                        .get(0)
                        .why());

        MediaRef gone = MediaRef.newBuilder(image).setSha256("0".repeat(64)).build();
        MediaRef audio =
                MediaRef.newBuilder(image)
                        .setSha256("1".repeat(64))
                        .setContentType("audio/wav")
                        .build();
        VisionPrompts.Result result =
                vision.apply(prompt(List.of(gone, image, audio)), agent("seer", true), "openai");
        assertEquals(List.of(image), result.sent());
        assertEquals(2, result.unsupported().size());
        assertTrue(result.unsupported().get(0).why().contains("not in this process's media store"));
        assertTrue(result.unsupported().get(1).why().contains("STT_FLAG is off for agent seer"));
        assertTrue(result.prompt().history().get(0).content().contains("[audio " + "1".repeat(64)));
    }

    @Test
    void onlyTheNewestImagesAreSent() throws Exception {
        List<Prompt.Line> lines = new java.util.ArrayList<>();
        List<MediaRef> all = new java.util.ArrayList<>();
        for (int i = 0; i < VisionPrompts.MAX_IMAGES + 2; i++) {
            byte[] bytes = PNG.clone();
            bytes[bytes.length - 1] = (byte) (100 + i);
            MediaRef ref = store.put(new ByteArrayInputStream(bytes), null).toRef();
            all.add(ref);
            lines.add(
                    new Prompt.Line(
                            "ana", "ana", "user", "pic " + i, false, List.of(ref), List.of()));
        }
        Prompt prompt = new Prompt("sys", lines, "go", "seer", "Seer", "p", "t", List.of(), 1L, 12);
        VisionPrompts.Result result =
                new VisionPrompts(Optional.of(store)).apply(prompt, agent("seer", true), "openai");
        assertEquals(all.subList(2, all.size()), result.sent());
        assertEquals(2, result.unsupported().size());
        assertEquals(all.get(0), result.unsupported().get(0).media());
        assertTrue(result.unsupported().get(0).why().contains("only the newest 8 images"));
    }

    @Test
    void aHistoryWithoutMediaIsLeftAsItIs() throws Exception {
        Prompt plain = prompt(List.of());
        VisionPrompts.Result result =
                VisionPrompts.none().apply(plain, agent("seer", true), "openai");
        assertSame(plain, result.prompt());
        ObjectNode metadata = JSON.createObjectNode();
        result.describe(metadata);
        assertEquals(0, metadata.size());
    }
}
