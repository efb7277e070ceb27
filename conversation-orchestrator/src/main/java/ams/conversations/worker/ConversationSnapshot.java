package ams.conversations.worker;

import ams.events.GenerationParameters;
import ams.events.MediaRef;
import java.util.List;

/**
 * An immutable copy of what a turn worker knows about one conversation, handed to a turn running on
 * another thread.
 */
public record ConversationSnapshot(
        String conversationId,
        List<String> participants,
        String topic,
        long seed,
        GenerationParameters generation,
        String sessionId,
        String correlationId,
        List<HistoryMessage> history,
        String speakerPolicy,
        List<String> people) {

    /**
     * A snapshot in which no person takes turns ({@code people} are the human participants who do,
     * named to a speaker who may hand over).
     */
    public ConversationSnapshot(
            String conversationId,
            List<String> participants,
            String topic,
            long seed,
            GenerationParameters generation,
            String sessionId,
            String correlationId,
            List<HistoryMessage> history,
            String speakerPolicy) {
        this(
                conversationId,
                participants,
                topic,
                seed,
                generation,
                sessionId,
                correlationId,
                history,
                speakerPolicy,
                List.of());
    }

    /** A snapshot of a conversation whose speakers are not handed over (round robin). */
    public ConversationSnapshot(
            String conversationId,
            List<String> participants,
            String topic,
            long seed,
            GenerationParameters generation,
            String sessionId,
            String correlationId,
            List<HistoryMessage> history) {
        this(
                conversationId,
                participants,
                topic,
                seed,
                generation,
                sessionId,
                correlationId,
                history,
                "ROUND_ROBIN",
                List.of());
    }

    /** Whether the speaker may name the next one ({@code NEXT: <agent id>}). */
    public boolean handsOff() {
        return "HANDOFF".equals(speakerPolicy);
    }

    public ConversationSnapshot {
        participants = List.copyOf(participants);
        history = List.copyOf(history);
        people = List.copyOf(people);
    }

    /** One message of the conversation so far, in log order, with the media it carries. */
    public record HistoryMessage(
            int turnNumber, String agentId, String role, String content, List<MediaRef> media) {

        public HistoryMessage {
            media = List.copyOf(media);
        }

        public HistoryMessage(int turnNumber, String agentId, String role, String content) {
            this(turnNumber, agentId, role, content, List.of());
        }
    }

    public String lastSpeaker() {
        for (int i = history.size() - 1; i >= 0; i--) {
            if ("assistant".equals(history.get(i).role())) {
                return history.get(i).agentId();
            }
        }
        return null;
    }
}
