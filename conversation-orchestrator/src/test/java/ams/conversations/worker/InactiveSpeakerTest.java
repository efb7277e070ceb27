package ams.conversations.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.AgentDirectory;
import ams.conversations.AgentProfile;
import ams.conversations.KnowledgeSearch;
import ams.conversations.llm.PromptBuilder;
import ams.conversations.llm.Providers;
import ams.conversations.llm.ScriptedProvider;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import ams.testkit.TestEvents;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A speaker deactivated mid-conversation is skipped: the next active participant that did not speak
 * last takes the turn and the message says whom it stands in for; with nobody to take it the turn
 * fails for good, saying what to do. EMBEDDING_FLAG false: no knowledge is retrieved.
 */
class InactiveSpeakerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final ConversationSnapshot AFTER_A =
            new ConversationSnapshot(
                    "c",
                    List.of("a", "b", "c"),
                    "testing",
                    1L,
                    null,
                    null,
                    "corr",
                    List.of(
                            new ConversationSnapshot.HistoryMessage(
                                    0, "a", "assistant", "Hello.")));

    private static TurnRequested turn(int n, String speaker) {
        return (TurnRequested) TestEvents.turnRequested("c", n, speaker).getPayload();
    }

    private static JsonNode config(String id, String flags) throws Exception {
        JsonNode config = JSON.readTree(TestEvents.minimalConfig(id));
        ((com.fasterxml.jackson.databind.node.ObjectNode) config)
                .set("command_flags", JSON.readTree(flags));
        return config;
    }

    private static TurnRunner runner(AgentDirectory agents, KnowledgeSearch knowledge) {
        return new TurnRunner(
                agents,
                knowledge,
                new Providers("scripted", 1, name -> new ScriptedProvider()),
                new PromptBuilder(20, 3000),
                3,
                1,
                1,
                5,
                0);
    }

    @Test
    void aDeactivatedSpeakerIsSkippedForTheNextActiveParticipant() throws Exception {
        Map<String, AgentProfile> agents = new HashMap<>();
        agents.put("a", new AgentProfile("a", "A", config("a", "{}"), true));
        agents.put("b", new AgentProfile("b", "B", config("b", "{}"), false));
        agents.put("c", new AgentProfile("c", "C", config("c", "{}"), true));
        List<Object> out =
                runner(id -> Optional.ofNullable(agents.get(id)), KnowledgeSearch.none())
                        .run(AFTER_A, turn(1, "b"));
        MessageAppended message = assertInstanceOf(MessageAppended.class, out.get(0));
        assertEquals("c", message.getAgentId(), "c follows b and did not speak last");
        JsonNode metadata = JSON.readTree(message.getMetadataJson());
        assertEquals("b", metadata.path("stands_in_for").asText());
        assertTrue(metadata.path("skipped_because").asText().contains("deactivated"));
    }

    @Test
    void aFlagInactiveSpeakerWithNobodyToStandInFailsTheTurnForGood() throws Exception {
        Map<String, AgentProfile> agents = new HashMap<>();
        agents.put("a", new AgentProfile("a", "A", config("a", "{}"), true));
        agents.put("b", new AgentProfile("b", "B", config("b", "{\"AGENT_FLAG\":false}"), true));
        agents.put("c", new AgentProfile("c", "C", config("c", "{}"), false));
        List<Object> out =
                runner(id -> Optional.ofNullable(agents.get(id)), KnowledgeSearch.none())
                        .run(AFTER_A, turn(1, "b"));
        TurnFailed failed = assertInstanceOf(TurnFailed.class, out.get(0));
        assertFalse(failed.getRetriable());
        assertTrue(failed.getReason().contains("AGENT_FLAG"), failed.getReason());
        assertTrue(failed.getReason().contains("/conversations/c/resume"), failed.getReason());
    }

    @Test
    void embeddingFlagFalseRetrievesNoKnowledge() throws Exception {
        AtomicInteger searches = new AtomicInteger();
        KnowledgeSearch knowledge =
                (agentId, query, k) -> {
                    searches.incrementAndGet();
                    return List.of(new KnowledgeSearch.Hit("d1", "T", "Text.", 0.9));
                };
        Map<String, AgentProfile> agents = new HashMap<>();
        agents.put("a", new AgentProfile("a", "A", config("a", "{\"EMBEDDING_FLAG\":false}")));
        agents.put("b", new AgentProfile("b", "B", config("b", "{\"EMBEDDING_FLAG\":true}")));
        TurnRunner runner = runner(id -> Optional.ofNullable(agents.get(id)), knowledge);
        ConversationSnapshot start =
                new ConversationSnapshot(
                        "c", List.of("a", "b"), "testing", 1L, null, null, "corr", List.of());
        MessageAppended a =
                assertInstanceOf(MessageAppended.class, runner.run(start, turn(0, "a")).get(0));
        assertEquals(List.of(), a.getKnowledgeIds());
        assertEquals(0, searches.get());
        MessageAppended b =
                assertInstanceOf(MessageAppended.class, runner.run(start, turn(0, "b")).get(0));
        assertEquals(List.of("d1"), b.getKnowledgeIds());
    }

    @Test
    void activityRulesOfTheProfile() throws Exception {
        assertTrue(new AgentProfile("x", "X", config("x", "{}")).inactiveReason().isEmpty());
        // The original templates: AGENT_FLAG true, ACTIVE_AGENT_FLAG false -> active.
        assertTrue(
                new AgentProfile(
                                "x",
                                "X",
                                config("x", "{\"AGENT_FLAG\":true,\"ACTIVE_AGENT_FLAG\":false}"))
                        .inactiveReason()
                        .isEmpty());
        assertTrue(
                new AgentProfile("x", "X", config("x", "{\"ACTIVE_AGENT_FLAG\":false}"))
                        .inactiveReason()
                        .orElseThrow()
                        .contains("ACTIVE_AGENT_FLAG"));
        assertTrue(
                new AgentProfile("x", "X", config("x", "{}"), false)
                        .inactiveReason()
                        .orElseThrow()
                        .contains("reactivate"));
        assertTrue(new AgentProfile("x", "X", config("x", "{}")).retrievesKnowledge());
    }
}
