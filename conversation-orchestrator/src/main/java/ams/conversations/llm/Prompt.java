package ams.conversations.llm;

import ams.conversations.KnowledgeSearch;
import java.util.List;

/**
 * Everything sent to a model for one turn. Chat providers use {@code system}, {@code history} and
 * {@code instruction}; the scripted responder composes from the structured fields.
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
        int turn) {

    public Prompt {
        history = List.copyOf(history);
        knowledge = List.copyOf(knowledge);
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
