package ams.conversations.llm;

import ams.conversations.KnowledgeSearch;
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
     */
    public record Line(String agentId, String name, String role, String content, boolean own) {}

    public int estimatedTokens() {
        int chars = system.length() + instruction.length();
        for (Line line : history) {
            chars += line.name().length() + line.content().length() + 2;
        }
        return Tokens.estimate(chars);
    }
}
