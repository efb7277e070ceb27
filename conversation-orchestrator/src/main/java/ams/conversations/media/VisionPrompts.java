package ams.conversations.media;

import ams.conversations.AgentProfile;
import ams.conversations.llm.Prompt;
import ams.conversations.llm.ScriptedProvider;
import ams.events.MediaRef;
import ams.service.http.ServiceUnavailableException;
import ams.service.media.MediaStore;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Vision turns: when the history a speaker sees carries images and the speaker's {@value
 * #LLAVA_FLAG} is on, its {@code visionSystem} and {@code visionBooster} join the system prompt and
 * the images go to the model with their messages. Otherwise no image is dropped in silence: the
 * message's text says {@code [image <hash> not shown: <why>]} and the turn's provenance lists it
 * under {@code media_unsupported}.
 *
 * <p>Audio: when the speaker's {@value #STT_FLAG} is on and a speech-to-text endpoint is configured
 * ({@code stt.base.url}), each audio object is transcribed once per hash ({@link AudioTranscripts})
 * and its message's text carries {@code [audio <hash> transcript: "..."]}; the turn's provenance
 * lists it under {@code media_transcribed}. A failed transcription does not fail the turn: the
 * audio is noted as not shown with the endpoint's answer (the transcript is not cached, so the next
 * turn that sees the audio tries again).
 */
public final class VisionPrompts {

    /** The original's flag for a vision model (LLaVA). */
    public static final String LLAVA_FLAG = "LLAVA_FLAG";

    /**
     * The original's flag for speech-to-text: audio in the history is transcribed for the agent.
     */
    public static final String STT_FLAG = "STT_FLAG";

    /**
     * Most images sent with one turn, the newest first: each costs hundreds of prompt tokens and
     * megabytes of request body.
     */
    public static final int MAX_IMAGES = 8;

    private final Optional<MediaStore> store;
    private final Optional<AudioTranscripts> audio;

    public VisionPrompts(Optional<MediaStore> store) {
        this(store, Optional.empty());
    }

    /** {@code audio} empty: no speech-to-text endpoint, audio is noted as not shown. */
    public VisionPrompts(Optional<MediaStore> store, Optional<AudioTranscripts> audio) {
        this.store = store;
        this.audio = audio;
    }

    /** No media store: every image is described as unsupported. */
    public static VisionPrompts none() {
        return new VisionPrompts(Optional.empty());
    }

    /** A media object of the history that did not go to the model, and why. */
    public record Unsupported(MediaRef media, String why) {}

    /** An audio object of the history whose transcript went into the prompt. */
    public record Transcribed(MediaRef media, String model, String text) {}

    /**
     * The prompt to send, and what became of the history's media: {@code sent} went to the model as
     * images, {@code unsupported} did not; {@code visionPrompts} names the prompts added.
     */
    public record Result(
            Prompt prompt,
            List<MediaRef> sent,
            List<Unsupported> unsupported,
            List<String> visionPrompts,
            List<Transcribed> transcribed) {

        /** Adds this turn's media provenance to its {@code metadataJson}. */
        public void describe(ObjectNode metadata) {
            if (!sent.isEmpty()) {
                metadata.put("vision", true);
                metadata.set("media_sent", MessageMedia.toJson(sent));
                ArrayNode prompts = metadata.putArray("vision_prompts");
                visionPrompts.forEach(prompts::add);
            }
            if (!transcribed.isEmpty()) {
                ArrayNode array = metadata.putArray("media_transcribed");
                for (Transcribed t : transcribed) {
                    array.addObject()
                            .put("sha256", t.media().getSha256())
                            .put("model", t.model())
                            .put("chars", t.text().length());
                }
            }
            if (!unsupported.isEmpty()) {
                ArrayNode array = metadata.putArray("media_unsupported");
                for (Unsupported u : unsupported) {
                    array.addObject()
                            .put("sha256", u.media().getSha256())
                            .put("content_type", u.media().getContentType())
                            .put("why", u.why());
                }
            }
        }
    }

    public Result apply(Prompt prompt, AgentProfile speaker, String provider) {
        List<Prompt.Line> lines = prompt.history();
        if (lines.stream().allMatch(l -> l.media().isEmpty())) {
            return new Result(prompt, List.of(), List.of(), List.of(), List.of());
        }
        String whyNot = whyNot(speaker, provider);
        // Decide newest first, so the image cap keeps the latest images.
        Map<Integer, List<Prompt.Image>> images = new HashMap<>();
        Map<Integer, List<Unsupported>> notShown = new HashMap<>();
        Map<Integer, List<Transcribed>> heard = new HashMap<>();
        int sentCount = 0;
        for (int i = lines.size() - 1; i >= 0; i--) {
            Prompt.Line line = lines.get(i);
            for (MediaRef media : line.media()) {
                String why;
                if (media.getContentType().startsWith("audio/")) {
                    why = whyNotHeard(speaker);
                    if (why == null) {
                        try {
                            AudioTranscripts transcripts = audio.orElseThrow();
                            heard.computeIfAbsent(i, k -> new ArrayList<>())
                                    .add(
                                            new Transcribed(
                                                    media,
                                                    transcripts.model(),
                                                    transcripts.transcript(media)));
                            continue;
                        } catch (IOException | RuntimeException e) {
                            why = "transcription failed: " + e.getMessage();
                        }
                    }
                } else if (!media.getContentType().startsWith("image/")) {
                    why = media.getContentType() + " does not go to a chat model";
                } else if (whyNot != null) {
                    why = whyNot;
                } else if (line.own()) {
                    why = "an image in the speaker's own earlier message is not sent back";
                } else if (sentCount >= MAX_IMAGES) {
                    why = "only the newest " + MAX_IMAGES + " images of the history are sent";
                } else {
                    Optional<byte[]> bytes;
                    String unreadable = "it is not in this process's media store";
                    try {
                        bytes = read(media);
                    } catch (ServiceUnavailableException e) {
                        // An S3 store down or refusing: said in the provenance, never dropped.
                        bytes = Optional.empty();
                        unreadable = "the media store is unavailable: " + e.getMessage();
                    }
                    if (bytes.isEmpty()) {
                        why = unreadable;
                    } else {
                        images.computeIfAbsent(i, k -> new ArrayList<>())
                                .add(
                                        new Prompt.Image(
                                                media.getSha256(),
                                                media.getContentType(),
                                                Base64.getEncoder().encodeToString(bytes.get())));
                        sentCount++;
                        continue;
                    }
                }
                notShown.computeIfAbsent(i, k -> new ArrayList<>())
                        .add(new Unsupported(media, why));
            }
        }
        List<Prompt.Line> rewritten = new ArrayList<>();
        List<MediaRef> sent = new ArrayList<>();
        List<Unsupported> unsupported = new ArrayList<>();
        List<Transcribed> transcribed = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Prompt.Line line = lines.get(i);
            List<Prompt.Image> lineImages = images.getOrDefault(i, List.of());
            List<Unsupported> lineNotShown = notShown.getOrDefault(i, List.of());
            StringBuilder content = new StringBuilder(line.content());
            List<Transcribed> lineHeard = heard.getOrDefault(i, List.of());
            for (Transcribed t : lineHeard) {
                content.append("\n[audio ")
                        .append(t.media().getSha256())
                        .append(" transcript: \"")
                        .append(t.text().replace("\"", "\\\""))
                        .append("\"]");
            }
            transcribed.addAll(lineHeard);
            for (Unsupported u : lineNotShown) {
                content.append("\n[")
                        .append(
                                u.media().getContentType().startsWith("image/")
                                        ? "image "
                                        : u.media().getContentType().startsWith("audio/")
                                                ? "audio "
                                                : "media ")
                        .append(u.media().getSha256())
                        .append(" not shown: ")
                        .append(u.why())
                        .append(']');
            }
            for (MediaRef media : line.media()) {
                if (lineImages.stream().anyMatch(img -> img.sha256().equals(media.getSha256()))) {
                    sent.add(media);
                }
            }
            unsupported.addAll(lineNotShown);
            rewritten.add(
                    new Prompt.Line(
                            line.agentId(),
                            line.name(),
                            line.role(),
                            content.toString(),
                            line.own(),
                            line.media(),
                            lineImages));
        }
        String system = prompt.system();
        List<String> added = new ArrayList<>();
        if (!sent.isEmpty()) {
            List<String> parts = new ArrayList<>(List.of(system));
            for (String type : List.of("visionSystem", "visionBooster")) {
                String text = speaker.agentPrompt(type);
                if (!text.isEmpty()) {
                    parts.add(text);
                    added.add(type);
                }
            }
            system = String.join("\n\n", parts);
        }
        Prompt seen =
                new Prompt(
                        system,
                        rewritten,
                        prompt.instruction(),
                        prompt.speakerId(),
                        prompt.speakerName(),
                        prompt.persona(),
                        prompt.topic(),
                        prompt.knowledge(),
                        prompt.seed(),
                        prompt.turn());
        return new Result(seen, sent, unsupported, added, transcribed);
    }

    /** Why this speaker's turn cannot hear audio, or null when it can. */
    private String whyNotHeard(AgentProfile speaker) {
        if (!speaker.flag(STT_FLAG)) {
            return STT_FLAG + " is off for agent " + speaker.agentId();
        }
        if (audio.isEmpty()) {
            return "no speech-to-text endpoint is configured: set stt.base.url"
                    + " (AMS_STT_BASE_URL) and media.dir";
        }
        return null;
    }

    /** Why this speaker's turn cannot show images, or null when it can. */
    private String whyNot(AgentProfile speaker, String provider) {
        if (!speaker.flag(LLAVA_FLAG)) {
            return LLAVA_FLAG + " is off for agent " + speaker.agentId();
        }
        if (ScriptedProvider.NAME.equals(provider)) {
            return "the scripted responder cannot see images";
        }
        if (store.isEmpty()) {
            return "this process has no media store (media.dir)";
        }
        return null;
    }

    private Optional<byte[]> read(MediaRef media) {
        try {
            return store.orElseThrow().read(media.getSha256());
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
