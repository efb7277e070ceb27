package ams.conversations.llm;

import ams.conversations.KnowledgeSearch;
import ams.conversations.statemachine.SpeakerSelection;
import ams.events.GenerationParameters;
import java.util.List;

/**
 * Offline deterministic responder for demos, tests and benchmarks: composes a reply from the
 * speaker's personality, the topic, the retrieved knowledge and the previous speaker. Same prompt
 * and seed → same text. Every message it writes says {@code scripted} in its model field, and its
 * token usage is estimated.
 */
public final class ScriptedProvider implements ChatProvider {

    public static final String NAME = "scripted";

    private static final java.util.regex.Pattern AFTER_SPACE =
            java.util.regex.Pattern.compile("(?<= )");

    private static final List<String> OPENERS =
            List.of(
                    "Let me put it plainly.",
                    "Here is how I see it.",
                    "A thought worth adding.",
                    "Consider this.",
                    "I would push on one point.",
                    "To build on that,",
                    "From where I stand,",
                    "One more angle:");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Reply reply(Prompt prompt, GenerationParameters generation) {
        long h = SpeakerSelection.mix(prompt.seed() ^ prompt.speakerId().hashCode(), prompt.turn());
        StringBuilder text = new StringBuilder();
        text.append(OPENERS.get((int) Math.floorMod(h, (long) OPENERS.size()))).append(' ');
        if (!prompt.history().isEmpty()) {
            Prompt.Line last = prompt.history().get(prompt.history().size() - 1);
            if (!last.own()) {
                text.append("Answering ").append(last.name()).append(": ");
            }
        }
        text.append("on \"")
                .append(prompt.topic())
                .append("\", ")
                .append(prompt.speakerName())
                .append(" speaks as one who says \"")
                .append(prompt.persona())
                .append("\"");
        if (!prompt.knowledge().isEmpty()) {
            KnowledgeSearch.Hit hit =
                    prompt.knowledge()
                            .get((int) Math.floorMod(h >>> 8, (long) prompt.knowledge().size()));
            text.append(" and recalls ")
                    .append(hit.title())
                    .append(": ")
                    .append(PromptBuilder.firstSentence(hit.content()));
        }
        text.append(" (turn ").append(prompt.turn() + 1).append(')');
        String content = text.toString();
        int in = prompt.estimatedTokens();
        int out = Tokens.estimate(content);
        return new Reply(content, NAME, in, out, in + out, true);
    }

    /** The same reply, given word by word (each piece a word and the space after it). */
    @Override
    public Reply reply(Prompt prompt, GenerationParameters generation, TokenSink tokens) {
        Reply reply = reply(prompt, generation);
        for (String word : AFTER_SPACE.split(reply.content(), -1)) {
            if (!word.isEmpty()) {
                tokens.token(word);
            }
        }
        return reply;
    }

    @Override
    public String selectSpeaker(Prompt prompt, GenerationParameters generation) {
        // No model to ask: a seeded choice that never repeats the last speaker keeps conversations
        // replayable.
        return "";
    }
}
