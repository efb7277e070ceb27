package ams.conversations.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.AgentProfile;
import ams.conversations.Harness;
import ams.conversations.KnowledgeSearch;
import ams.conversations.worker.ConversationSnapshot;
import ams.testkit.TestEvents;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TurnRetrievalTest {

    /** A document of the little corpus below: agent, id, tags, text. */
    private record Doc(String agent, String id, List<String> tags, String text) {}

    private static final List<Doc> CORPUS =
            List.of(
                    new Doc("ann", "volcano", List.of("geology"), "volcanoes erupt magma lava"),
                    new Doc("ann", "plates", List.of("geology"), "continents drift slowly"),
                    new Doc("ann", "tides", List.of("ocean"), "tides follow the moon"),
                    new Doc("ann", "bees", List.of("insects"), "bees make honey"),
                    new Doc("bob", "bob-rocks", List.of("geology"), "volcanoes erupt magma"));

    /**
     * Per-agent search by shared words (best first), like the knowledge-indexer's: a document of
     * another agent is never a hit.
     */
    private static final class WordSearch implements KnowledgeSearch {
        final List<String> queries = new ArrayList<>();

        @Override
        public List<Hit> search(String agentId, String query, int k) {
            queries.add(query);
            return rank(agentId, query, k, null);
        }

        @Override
        public List<Hit> searchTagged(String agentId, String query, int k, Set<String> tags) {
            return rank(agentId, query, k, tags);
        }

        private static List<Hit> rank(String agentId, String query, int k, Set<String> tags) {
            Set<String> words = Set.of(query.toLowerCase(Locale.ROOT).split("\\W+"));
            return CORPUS.stream()
                    .filter(d -> d.agent().equals(agentId))
                    .filter(d -> tags == null || d.tags().stream().anyMatch(tags::contains))
                    .map(
                            d ->
                                    new Hit(
                                            d.id(),
                                            d.id().toUpperCase(Locale.ROOT),
                                            d.text(),
                                            Arrays.stream(d.text().split(" "))
                                                    .filter(words::contains)
                                                    .count(),
                                            d.tags()))
                    .filter(h -> tags != null || h.similarity() > 0)
                    .sorted(
                            Comparator.comparingDouble(Hit::similarity)
                                    .reversed()
                                    .thenComparing(Hit::documentId))
                    .limit(k)
                    .toList();
        }
    }

    private static ConversationSnapshot conversation(String session, String... messages) {
        List<ConversationSnapshot.HistoryMessage> history = new ArrayList<>();
        for (int i = 0; i < messages.length; i++) {
            history.add(
                    new ConversationSnapshot.HistoryMessage(
                            i, i % 2 == 0 ? "ann" : "cy", "assistant", messages[i]));
        }
        return new ConversationSnapshot(
                "now", List.of("ann", "cy"), "nature", 1L, null, session, "corr", history);
    }

    private static AgentProfile ann(String modes) {
        return Harness.profile(
                "ann",
                TestEvents.minimalConfig("ann")
                        .replace(
                                "\"database_config\":{}",
                                "\"database_config\":{\"conversation_modes\":" + modes + "}"));
    }

    private static List<String> ids(TurnRetrieval.Result result) {
        return result.found().stream().map(f -> f.hit().documentId()).toList();
    }

    @Test
    void shouldFollowTheDialogueFromTurnToTurn() {
        WordSearch search = new WordSearch();
        TurnRetrieval retrieval =
                new TurnRetrieval(
                        search,
                        ConversationMemory.none(),
                        new TurnRetrieval.Settings(1, 1, 0, 0, 0));
        AgentProfile ann = ann("{}");
        assertEquals(
                List.of("volcano"),
                ids(retrieval.retrieve(ann, conversation(null, "lava and magma"))));
        assertEquals(
                List.of("tides"),
                ids(
                        retrieval.retrieve(
                                ann, conversation(null, "lava and magma", "the moon and tides"))));
        assertEquals(
                List.of("nature\nlava and magma", "nature\nthe moon and tides"),
                search.queries,
                "the topic and the last message (retrieval.recent.turns 1)");
    }

    @Test
    void shouldAddTheSpeakersDocumentsLinkedToAHitAndSayWhy() {
        TurnRetrieval retrieval =
                new TurnRetrieval(
                        new WordSearch(),
                        ConversationMemory.none(),
                        new TurnRetrieval.Settings(1, 1, 1, 2, 0));
        TurnRetrieval.Result result =
                retrieval.retrieve(ann("{}"), conversation(null, "magma volcanoes"));
        assertEquals(List.of("volcano", "plates"), ids(result), "plates shares geology");
        TurnRetrieval.Found linked = result.found().get(1);
        assertEquals("graph:document:ann/volcano", linked.via());
        assertEquals("geology", linked.tag());
        assertFalse(ids(result).contains("bob-rocks"), "never another agent's document");

        ObjectNode metadata = new ObjectMapper().createObjectNode();
        result.describe(metadata, List.of());
        assertEquals("nature\nmagma volcanoes", metadata.at("/retrieval/query").asText());
        assertEquals("query", metadata.at("/retrieval/hits/0/via").asText());
        assertEquals("plates", metadata.at("/retrieval/hits/1/document_id").asText());
        assertEquals("graph:document:ann/volcano", metadata.at("/retrieval/hits/1/via").asText());
        assertFalse(metadata.at("/retrieval/hits/0").has("content"), "ids, not the content");
        assertFalse(metadata.has("memory"), "the agent does not recall earlier conversations");

        TurnRetrieval noHop =
                new TurnRetrieval(
                        new WordSearch(),
                        ConversationMemory.none(),
                        new TurnRetrieval.Settings(1, 1, 0, 2, 0));
        assertEquals(
                List.of("volcano"),
                ids(noHop.retrieve(ann("{}"), conversation(null, "magma volcanoes"))));
    }

    @Test
    void shouldRetrieveNothingWhenTheSpeakersEmbeddingFlagIsOff() {
        AgentProfile off =
                Harness.profile(
                        "ann",
                        TestEvents.minimalConfig("ann")
                                .replace(
                                        "\"LLM_BOOSTER_PROMPT_FLAG\":false",
                                        "\"LLM_BOOSTER_PROMPT_FLAG\":false,\"EMBEDDING_FLAG\":false"));
        TurnRetrieval.Result result =
                new TurnRetrieval(
                                new WordSearch(),
                                ConversationMemory.none(),
                                TurnRetrieval.Settings.defaults(3))
                        .retrieve(off, conversation(null, "magma volcanoes"));
        assertEquals(List.of(), result.found());
        ObjectNode metadata = new ObjectMapper().createObjectNode();
        result.describe(metadata, List.of());
        assertFalse(metadata.has("retrieval"));
    }

    @Test
    void shouldRecallEarlierConversationsOnlyWhenTheAgentAsksAndOncePerConversation() {
        AtomicInteger asked = new AtomicInteger();
        List<String> sessions = new ArrayList<>();
        ConversationMemory memory =
                (agentId, conversationId, sessionId, limit) -> {
                    asked.incrementAndGet();
                    sessions.add(String.valueOf(sessionId));
                    return List.of(
                            new ConversationMemory.PastConversation(
                                    "before",
                                    "bees",
                                    "s1",
                                    1L,
                                    List.of(
                                            new ConversationMemory.PastMessage(
                                                    "ann", "assistant", "bees make honey"))));
                };
        TurnRetrieval retrieval =
                new TurnRetrieval(new WordSearch(), memory, TurnRetrieval.Settings.defaults(1));
        assertEquals(
                List.of(),
                retrieval.retrieve(ann("{}"), conversation("s1", "x")).earlier(),
                "no use_past_conversations");
        assertEquals(0, asked.get());

        AgentProfile remembers = ann("{\"use_past_conversations\":true}");
        TurnRetrieval.Result first = retrieval.retrieve(remembers, conversation("s1", "x"));
        retrieval.retrieve(remembers, conversation("s1", "x", "y"));
        assertEquals(1, first.earlier().size());
        assertEquals(1, asked.get(), "looked up once per speaker and conversation");
        assertEquals(List.of("null"), sessions, "every session");

        ObjectNode metadata = new ObjectMapper().createObjectNode();
        first.describe(metadata, List.of("before"));
        assertEquals("before", metadata.at("/memory/conversations/0").asText());
        assertEquals("most_recent", metadata.at("/memory/selected_by").asText());

        AgentProfile sessionOnly =
                ann("{\"use_past_conversations\":true,\"current_session_only\":true}");
        retrieval.retrieve(sessionOnly, conversation("s1", "x"));
        assertEquals(List.of("null", "s1"), sessions, "only the current session");
        assertTrue(
                retrieval.retrieve(sessionOnly, conversation(null, "x")).earlier().isEmpty(),
                "no session: nothing earlier in it");
        assertEquals(2, asked.get());
    }
}
