package ams.conversations.llm;

import ams.conversations.AgentProfile;
import ams.conversations.KnowledgeSearch;
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
            if (!candidates.isEmpty()) {
                parts.add(
                        "You choose who speaks next: end your reply with a line 'NEXT: <id>'"
                                + " naming one of "
                                + String.join(", ", candidates)
                                + ". Without it, the next in order speaks.");
            }
        }

        List<Prompt.Line> window = window(speaker, nameOf, conversation.history());
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
                turn);
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
