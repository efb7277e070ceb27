package ams.conversations.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.AgentProfile;
import ams.conversations.Harness;
import ams.conversations.KnowledgeSearch;
import ams.conversations.retrieval.ConversationMemory;
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

    private static ConversationMemory.PastConversation past(String id, String topic, int messages) {
        List<ConversationMemory.PastMessage> list = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            list.add(new ConversationMemory.PastMessage("b", "assistant", id + " said " + i));
        }
        return new ConversationMemory.PastConversation(id, topic, null, 0L, list);
    }

    @Test
    void shouldRecallEarlierConversationsAfterTheKnowledge() {
        Prompt prompt =
                new PromptBuilder(20, 3000)
                        .build(
                                Harness.profile("a", TestEvents.minimalConfig("a")),
                                String::toUpperCase,
                                conversation(2),
                                List.of(new KnowledgeSearch.Hit("d1", "Title", "Body.", 0.5)),
                                List.of(past("newer", "tides", 2), past("older", "bees", 1)),
                                2);
        String system = prompt.system();
        assertTrue(
                system.contains(
                        "From earlier conversations:\n[conversation older, topic: bees]\n"
                                + "- B: older said 0\n[conversation newer, topic: tides]\n"
                                + "- B: newer said 0\n- B: newer said 1"),
                system);
        assertTrue(system.indexOf("Relevant knowledge:") < system.indexOf("From earlier"), system);
        assertEquals(List.of("older", "newer"), prompt.earlierConversations());
        assertEquals(2, prompt.history().size(), "the current history is untouched");
    }

    @Test
    void shouldShareTheHistoryBudgetWithTheCurrentConversationFirst() {
        // Each message is about 3 tokens ("message 7", "newer said 1"): a budget of 12 holds the
        // current conversation's 2 messages and 2 earlier ones, the most recent of the newest
        // conversation; the older conversation gets nothing.
        Prompt prompt =
                new PromptBuilder(20, 12)
                        .build(
                                Harness.profile("a", TestEvents.minimalConfig("a")),
                                id -> id,
                                conversation(2),
                                List.of(),
                                List.of(past("newer", "tides", 5), past("older", "bees", 5)),
                                2);
        assertEquals(2, prompt.history().size());
        assertEquals(List.of("newer"), prompt.earlierConversations());
        assertTrue(
                prompt.system().contains("- b: newer said 3\n- b: newer said 4"), prompt.system());
        assertFalse(prompt.system().contains("newer said 2"), prompt.system());
        assertFalse(prompt.system().contains("older"), prompt.system());

        Prompt none =
                new PromptBuilder(20, 6)
                        .build(
                                Harness.profile("a", TestEvents.minimalConfig("a")),
                                id -> id,
                                conversation(2),
                                List.of(),
                                List.of(past("newer", "tides", 5)),
                                2);
        assertEquals(List.of(), none.earlierConversations(), "the current history used it all");
        assertFalse(none.system().contains("From earlier conversations"), none.system());
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
                                List.of(),
                                0);
        assertTrue(prompt.system().contains("naming one of b, alice (a person)"), prompt.system());
    }
}
