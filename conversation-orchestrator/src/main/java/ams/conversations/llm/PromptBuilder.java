package ams.conversations.llm;

import ams.conversations.AgentProfile;
import ams.conversations.KnowledgeSearch;
import ams.conversations.retrieval.ConversationMemory;
import ams.conversations.worker.ConversationSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Builds a turn's prompt the way the original AMS-DB composed an agent: its {@code llmSystem} (when
 * {@code LLM_SYSTEM_PROMPT_FLAG}), {@code llmBooster} (when {@code LLM_BOOSTER_PROMPT_FLAG}), the
 * {@code primeDirective}, then the topic, the retrieved knowledge and the last turns, each speaker
 * named.
 */
public final class PromptBuilder {

    private final int defaultHistoryTurns;
    private final int historyTokenBudget;

    public PromptBuilder(int defaultHistoryTurns, int historyTokenBudget) {
        this.defaultHistoryTurns = defaultHistoryTurns;
        this.historyTokenBudget = historyTokenBudget;
    }

    public Prompt build(
            AgentProfile speaker,
            Function<String, String> nameOf,
            ConversationSnapshot conversation,
            List<KnowledgeSearch.Hit> knowledge,
            int turn) {
        return build(speaker, nameOf, conversation, knowledge, List.of(), turn);
    }

    /**
     * The prompt with a "From earlier conversations:" section: messages of {@code earlier} (most
     * recent conversation first, as {@link ams.conversations.retrieval.ConversationMemory} gives
     * them) in the part of the history token budget the current history leaves. The current
     * conversation comes first: it is what the speaker answers.
     */
    public Prompt build(
            AgentProfile speaker,
            Function<String, String> nameOf,
            ConversationSnapshot conversation,
            List<KnowledgeSearch.Hit> knowledge,
            List<ConversationMemory.PastConversation> earlier,
            int turn) {
        List<Prompt.Line> window = window(speaker, nameOf, conversation.history());
        int left = historyTokenBudget;
        for (Prompt.Line line : window) {
            left -= Tokens.estimate(line.content());
        }
        Recalled recalled = recall(speaker, nameOf, earlier, left);
        List<String> parts = new ArrayList<>();
        String system = speaker.agentPrompt("llmSystem");
        if (speaker.flag("LLM_SYSTEM_PROMPT_FLAG") && !system.isEmpty()) {
            parts.add(system);
        }
        String booster = speaker.agentPrompt("llmBooster");
        if (speaker.flag("LLM_BOOSTER_PROMPT_FLAG") && !booster.isEmpty()) {
            parts.add(booster);
        }
        if (!speaker.primeDirective().isEmpty()) {
            parts.add("Prime directive: " + speaker.primeDirective());
        }
        String others =
                conversation.participants().stream()
                        .filter(p -> !p.equals(speaker.agentId()))
                        .map(nameOf)
                        .collect(Collectors.joining(", "));
        parts.add(
                "You are "
                        + speaker.name()
                        + " (agent "
                        + speaker.agentId()
                        + ") in a conversation"
                        + (others.isEmpty() ? "" : " with " + others)
                        + ". Topic: "
                        + conversation.topic());
        if (!knowledge.isEmpty()) {
            StringBuilder k = new StringBuilder("Relevant knowledge:");
            for (KnowledgeSearch.Hit hit : knowledge) {
                k.append("\n- [")
                        .append(hit.documentId())
                        .append("] ")
                        .append(hit.title())
                        .append(": ")
                        .append(hit.content());
            }
            parts.add(k.toString());
        }
        if (!recalled.text().isEmpty()) {
            parts.add(recalled.text());
        }
        parts.add(
                "Reply with your next message only, in your own voice, without prefixing your name.");
        if (conversation.handsOff()) {
            List<String> candidates = new java.util.ArrayList<>();
            for (String id : conversation.participants()) {
                if (!id.equals(speaker.agentId())) {
                    String name = nameOf.apply(id);
                    candidates.add(name == null || name.equals(id) ? id : id + " (" + name + ")");
                }
            }
            // People who take turns may be handed the turn too (the state machine then waits).
            for (String person : conversation.people()) {
                candidates.add(person + " (a person)");
            }
            if (!candidates.isEmpty()) {
                parts.add(
                        "You choose who speaks next: end your reply with a line 'NEXT: <id>'"
                                + " naming one of "
                                + String.join(", ", candidates)
                                + ". Without it, the next in order speaks.");
            }
        }

        String instruction =
                window.isEmpty()
                        ? "You open the conversation, "
                                + speaker.name()
                                + ". Topic: "
                                + conversation.topic()
                        : "It is your turn, "
                                + speaker.name()
                                + ". Continue the conversation about: "
                                + conversation.topic();
        String persona =
                !system.isEmpty()
                        ? system
                        : !speaker.primeDirective().isEmpty()
                                ? speaker.primeDirective()
                                : speaker.name();
        return new Prompt(
                String.join("\n\n", parts),
                window,
                instruction,
                speaker.agentId(),
                speaker.name(),
                firstSentence(persona),
                conversation.topic(),
                knowledge,
                conversation.seed(),
                turn,
                recalled.conversations());
    }

    /** The recalled section's text and the conversations it draws on. */
    private record Recalled(String text, List<String> conversations) {}

    /**
     * Earlier conversations' messages in {@code budget} tokens: from the most recent conversation
     * back, each one's last messages (at most the agent's history window), stopping at the first
     * message that does not fit; shown oldest conversation first, messages in order.
     */
    private Recalled recall(
            AgentProfile speaker,
            Function<String, String> nameOf,
            List<ConversationMemory.PastConversation> earlier,
            int budget) {
        int maxTurns = speaker.maxHistoryTurns().orElse(defaultHistoryTurns);
        List<String> blocks = new ArrayList<>();
        List<String> used = new ArrayList<>();
        int tokens = 0;
        boolean full = false;
        for (ConversationMemory.PastConversation past : earlier) {
            List<String> lines = new ArrayList<>();
            List<ConversationMemory.PastMessage> messages = past.messages();
            for (int i = messages.size() - 1; i >= 0 && lines.size() < maxTurns; i--) {
                ConversationMemory.PastMessage m = messages.get(i);
                int cost = Tokens.estimate(m.content());
                if (tokens + cost > budget) {
                    full = true;
                    break;
                }
                tokens += cost;
                String name =
                        "assistant".equals(m.role()) ? nameOf.apply(m.agentId()) : m.agentId();
                lines.add("- " + name + ": " + m.content());
            }
            if (!lines.isEmpty()) {
                Collections.reverse(lines);
                blocks.add(
                        "[conversation "
                                + past.conversationId()
                                + (past.topic() == null || past.topic().isBlank()
                                        ? ""
                                        : ", topic: " + past.topic())
                                + "]\n"
                                + String.join("\n", lines));
                used.add(past.conversationId());
            }
            if (full) {
                break;
            }
        }
        if (blocks.isEmpty()) {
            return new Recalled("", List.of());
        }
        Collections.reverse(blocks);
        Collections.reverse(used);
        return new Recalled(
                "From earlier conversations:\n" + String.join("\n", blocks), List.copyOf(used));
    }

    /** The last turns that fit both the agent's {@code max_history_turns} and the token budget. */
    private List<Prompt.Line> window(
            AgentProfile speaker,
            Function<String, String> nameOf,
            List<ConversationSnapshot.HistoryMessage> history) {
        int maxTurns = speaker.maxHistoryTurns().orElse(defaultHistoryTurns);
        List<Prompt.Line> lines = new ArrayList<>();
        int tokens = 0;
        for (int i = history.size() - 1; i >= 0 && lines.size() < maxTurns; i--) {
            ConversationSnapshot.HistoryMessage m = history.get(i);
            int cost = Tokens.estimate(m.content());
            if (tokens + cost > historyTokenBudget) {
                break;
            }
            tokens += cost;
            boolean own = m.agentId().equals(speaker.agentId()) && "assistant".equals(m.role());
            String name = "assistant".equals(m.role()) ? nameOf.apply(m.agentId()) : m.agentId();
            lines.add(
                    new Prompt.Line(
                            m.agentId(), name, m.role(), m.content(), own, m.media(), List.of()));
        }
        Collections.reverse(lines);
        return lines;
    }

    static String firstSentence(String text) {
        String flat = text.replaceAll("\\s+", " ").strip();
        int end = flat.indexOf(". ");
        String sentence = end > 0 ? flat.substring(0, end + 1) : flat;
        return sentence.length() > 160 ? sentence.substring(0, 157) + "..." : sentence;
    }
}
