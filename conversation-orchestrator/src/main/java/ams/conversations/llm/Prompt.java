package ams.conversations.llm;

import ams.conversations.KnowledgeSearch;
import ams.events.MediaRef;
import java.util.List;

/**
 * Everything sent to a model for one turn ({@code earlierConversations}: the ids of the earlier
 * conversations whose messages the system text recalls). Chat providers use {@code system}, {@code
 * history} and {@code instruction}; the scripted responder composes from the structured fields.
 */
public record Prompt(
        String system,
        List<Line> history,
        String instruction,
        String speakerId,
        String speakerName,
        String persona,
        String topic,
        List<KnowledgeSearch.Hit> knowledge,
        long seed,
        int turn,
        List<String> earlierConversations) {

    public Prompt {
        history = List.copyOf(history);
        knowledge = List.copyOf(knowledge);
        earlierConversations = List.copyOf(earlierConversations);
    }

    /** A prompt that recalls no earlier conversation. */
    public Prompt(
            String system,
            List<Line> history,
            String instruction,
            String speakerId,
            String speakerName,
            String persona,
            String topic,
            List<KnowledgeSearch.Hit> knowledge,
            long seed,
            int turn) {
        this(
                system,
                history,
                instruction,
                speakerId,
                speakerName,
                persona,
                topic,
                knowledge,
                seed,
                turn,
                List.of());
    }

    /**
     * One earlier message, with the speaker named. {@code own} = written by this prompt's speaker.
     * {@code media} = what the message carries (by hash); {@code images} = the images that go to
     * the model with it (a vision turn), empty otherwise.
     */
    public record Line(
            String agentId,
            String name,
            String role,
            String content,
            boolean own,
            List<MediaRef> media,
            List<Image> images) {

        public Line {
            media = List.copyOf(media);
            images = List.copyOf(images);
        }

        public Line(String agentId, String name, String role, String content, boolean own) {
            this(agentId, name, role, content, own, List.of(), List.of());
        }
    }

    /** An image sent to the model: its hash, MIME type and bytes as base64. */
    public record Image(String sha256, String mimeType, String base64) {}

    /**
     * What an image costs a vision model, roughly (OpenAI's high-detail 512-pixel tile); for the
     * rate limiter's estimate only, corrected to reported usage afterwards.
     */
    static final int IMAGE_TOKENS = 765;

    public int estimatedTokens() {
        int chars = system.length() + instruction.length();
        int images = 0;
        for (Line line : history) {
            chars += line.name().length() + line.content().length() + 2;
            images += line.images().size();
        }
        return Tokens.estimate(chars) + images * IMAGE_TOKENS;
    }
}
