package ams.conversations.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.AgentProfile;
import ams.conversations.Harness;
import ams.conversations.KnowledgeSearch;
import ams.conversations.worker.ConversationSnapshot;
import ams.testkit.TestEvents;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptBuilderTest {

    private static ConversationSnapshot conversation(int messages) {
        List<ConversationSnapshot.HistoryMessage> history = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            history.add(
                    new ConversationSnapshot.HistoryMessage(
                            i, i % 2 == 0 ? "a" : "b", "assistant", "message " + i));
        }
        return new ConversationSnapshot(
                "c", List.of("a", "b"), "testing", 1L, null, null, "corr", history);
    }

    @Test
    void shouldUseTheSystemPromptOnlyWhenItsFlagIsSet() {
        AgentProfile on = Harness.profile("a", TestEvents.minimalConfig("a"));
        AgentProfile off =
                Harness.profile(
                        "a",
                        TestEvents.minimalConfig("a")
                                .replace(
                                        "\"LLM_SYSTEM_PROMPT_FLAG\":true",
                                        "\"LLM_SYSTEM_PROMPT_FLAG\":false"));
        PromptBuilder builder = new PromptBuilder(20, 3000);
        assertTrue(
                builder.build(on, id -> id, conversation(0), List.of(), 0)
                        .system()
                        .contains("You are a."));
        Prompt withoutFlag = builder.build(off, id -> id, conversation(0), List.of(), 0);
        assertFalse(withoutFlag.system().contains("You are a."));
        assertTrue(withoutFlag.system().contains("Prime directive: Help."));
    }

    @Test
    void shouldKeepTheLastTurnsWithinTheAgentsWindowAndTheTokenBudget() {
        AgentProfile agent =
                Harness.profile(
                        "a",
                        TestEvents.minimalConfig("a")
                                .replace(
                                        "\"database_config\":{}",
                                        "\"database_config\":{\"conversation_modes\":{\"max_history_turns\":3}}"));
        Prompt prompt =
                new PromptBuilder(20, 3000)
                        .build(agent, String::toUpperCase, conversation(10), List.of(), 10);
        assertEquals(
                List.of("message 7", "message 8", "message 9"),
                prompt.history().stream().map(Prompt.Line::content).toList());
        assertEquals(
                List.of(false, true, false),
                prompt.history().stream().map(Prompt.Line::own).toList());
        assertEquals("B", prompt.history().get(0).name());

        Prompt tight =
                new PromptBuilder(20, 6)
                        .build(
                                Harness.profile("a", TestEvents.minimalConfig("a")),
                                id -> id,
                                conversation(10),
                                List.of(),
                                10);
        assertEquals(2, tight.history().size(), "each message is about 3 tokens");
    }

    @Test
    void shouldPlaceKnowledgeInTheSystemPrompt() {
        Prompt prompt =
                new PromptBuilder(20, 3000)
                        .build(
                                Harness.profile("a", TestEvents.minimalConfig("a")),
                                id -> id,
                                conversation(0),
                                List.of(new KnowledgeSearch.Hit("d1", "Title", "Body.", 0.5)),
                                0);
        assertTrue(prompt.system().contains("- [d1] Title: Body."), prompt.system());
    }

    @Test
    void shouldOfferThePeopleWhoTakeTurnsToASpeakerWhoHandsOver() {
        ConversationSnapshot chat =
                new ConversationSnapshot(
                        "c",
                        List.of("a", "b"),
                        "testing",
                        1L,
                        null,
                        null,
                        "corr",
                        List.of(),
                        "HANDOFF",
                        List.of("alice"));
        Prompt prompt =
                new PromptBuilder(20, 3000)
                        .build(
                                Harness.profile("a", TestEvents.minimalConfig("a")),
                                id -> id,
                                chat,
                                List.of(),
                                0);
        assertTrue(prompt.system().contains("naming one of b, alice (a person)"), prompt.system());
    }
}
