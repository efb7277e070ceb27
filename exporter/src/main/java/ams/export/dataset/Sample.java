package ams.export.dataset;

import ams.events.MediaRef;
import java.time.Instant;
import java.util.List;

/**
 * One per-speaker training sample: the conversation as one agent saw it. {@code turns} alternate
 * user, assistant, user, ... and end with assistant; the agent's own turns are the assistant turns,
 * everyone else's are user turns (named). {@code system} is the agent's system prompt when it spoke
 * (one prompt per sample: a prompt change starts a new sample).
 */
public record Sample(
        String id,
        String conversationId,
        String agentId,
        String agentName,
        String topic,
        String system,
        List<ChatTurn> turns,
        List<String> providers,
        boolean scripted,
        Instant at) {

    public Sample {
        turns = List.copyOf(turns);
        providers = List.copyOf(providers);
    }

    /**
     * One chat message. {@code name} is the speaker of a user turn when it is one speaker; null for
     * the agent's own turns and for a user turn that merges several speakers (then each paragraph
     * of the content starts with "name: "). {@code images} are the images of the merged messages,
     * in order (empty for a text-only turn).
     */
    public record ChatTurn(String role, String name, String content, List<MediaRef> images) {
        public static final String USER = "user";
        public static final String ASSISTANT = "assistant";

        public ChatTurn {
            images = List.copyOf(images);
        }

        /** A text-only turn. */
        public ChatTurn(String role, String name, String content) {
            this(role, name, content, List.of());
        }
    }

    /** Whether the turns alternate user/assistant, starting with user and ending with assistant. */
    public boolean alternates() {
        if (turns.isEmpty() || turns.size() % 2 != 0) {
            return false;
        }
        for (int i = 0; i < turns.size(); i++) {
            String expected = i % 2 == 0 ? ChatTurn.USER : ChatTurn.ASSISTANT;
            if (!expected.equals(turns.get(i).role())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The text dedup compares: the agent's own (assistant) turns, what a model learns to write. The
     * user turns are left out because the views of one conversation share them: the user turns of
     * one agent's view are the other agents' assistant turns.
     */
    public String dedupText() {
        StringBuilder text = new StringBuilder();
        for (ChatTurn t : turns) {
            if (ChatTurn.ASSISTANT.equals(t.role())) {
                text.append(t.content()).append('\n');
            }
        }
        return text.toString();
    }
}
