package ams.conversations.retrieval;

import ams.conversations.AgentProfile;
import ams.conversations.ConversationConfig;
import ams.conversations.KnowledgeSearch;
import ams.conversations.worker.ConversationSnapshot;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a turn retrieves besides its own conversation: the speaker's knowledge for the recent
 * dialogue ({@link RetrievalQuery}), one hop along the links between the speaker's documents, and
 * its earlier conversations ({@code use_past_conversations}). One call per turn from {@code
 * TurnRunner}; the result says what was found and why, for the message's provenance.
 *
 * <p><b>The hop.</b> A document is linked to another of the same agent when they share a tag (the
 * original's {@code tags}, the topics a document is about), and to the conversation's topic when it
 * carries it as a tag. The hop searches the speaker's documents carrying a tag of a query hit (or
 * the topic) with the same query, so the linked documents come best first and only ever from the
 * speaker's own knowledge (the search is per agent). At most {@code retrieval.graph.max.linked} are
 * added, each saying which hit (or topic) it was reached from.
 *
 * <p><b>Earlier conversations</b> are the most recent ones of the speaker (requested before this
 * one; with {@code current_session_only} of the same session), not the most relevant: no index of
 * past messages exists to rank them, recency is what the original's "learn from past conversations"
 * with a history limit describes, and it is the same answer on every turn, so a conversation's
 * prompts stay stable. They are looked up once per speaker and conversation and kept ({@value
 * #MEMORY_CACHE} entries): a speaker recalls what it knew at its first turn here.
 */
public final class TurnRetrieval {

    /** Speakers × conversations whose earlier conversations are kept. */
    static final int MEMORY_CACHE = 1024;

    public static final String VIA_QUERY = "query";

    /** How much a turn retrieves. */
    public record Settings(
            int topK, int recentTurns, int graphHops, int maxLinked, int memoryConversations) {

        /** The configuration's defaults with {@code topK} hits. */
        public static Settings defaults(int topK) {
            return new Settings(topK, 3, 1, 2, 3);
        }

        public static Settings fromConfig(ConversationConfig config) {
            return new Settings(
                    config.getInt(ConversationConfig.KNOWLEDGE_TOP_K),
                    config.getInt(ConversationConfig.RETRIEVAL_RECENT_TURNS),
                    config.getInt(ConversationConfig.RETRIEVAL_GRAPH_HOPS),
                    config.getInt(ConversationConfig.RETRIEVAL_GRAPH_MAX_LINKED),
                    config.getInt(ConversationConfig.MEMORY_MAX_CONVERSATIONS));
        }
    }

    /**
     * One retrieved passage and why: {@code via} is {@value #VIA_QUERY} or {@code graph:<node>}
     * (the hit's document node {@code document:AGENT/ID}, or {@code topic:NAME}), {@code tag} the
     * tag that links it (null for query hits).
     */
    public record Found(KnowledgeSearch.Hit hit, String via, String tag) {}

    /** What a turn retrieved: the query, the passages, and the speaker's earlier conversations. */
    public record Result(
            String query,
            List<Found> found,
            boolean searched,
            List<ConversationMemory.PastConversation> earlier,
            boolean remembers,
            boolean currentSessionOnly) {

        public static final Result NONE = new Result("", List.of(), false, List.of(), false, false);

        public List<KnowledgeSearch.Hit> hits() {
            return found.stream().map(Found::hit).toList();
        }

        /**
         * The provenance of what the turn retrieved (ids, never content): {@code retrieval} when
         * the speaker's knowledge was searched, {@code memory} when it recalls earlier
         * conversations ({@code used}: the ids the prompt's budget took).
         */
        public void describe(ObjectNode metadata, List<String> used) {
            if (searched) {
                ObjectNode retrieval = metadata.putObject("retrieval");
                retrieval.put("query", query);
                var hits = retrieval.putArray("hits");
                for (Found f : found) {
                    ObjectNode hit = hits.addObject();
                    hit.put("document_id", f.hit().documentId());
                    hit.put("title", f.hit().title());
                    hit.put("score", f.hit().similarity());
                    hit.put("via", f.via());
                    if (f.tag() != null) {
                        hit.put("tag", f.tag());
                    }
                }
            }
            if (remembers) {
                ObjectNode memory = metadata.putObject("memory");
                memory.put("selected_by", "most_recent");
                memory.put("current_session_only", currentSessionOnly);
                var ids = memory.putArray("conversations");
                used.forEach(ids::add);
            }
        }
    }

    private final KnowledgeSearch knowledge;
    private final ConversationMemory memory;
    private final Settings settings;
    private final Map<String, List<ConversationMemory.PastConversation>> remembered =
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(
                        Map.Entry<String, List<ConversationMemory.PastConversation>> eldest) {
                    return size() > MEMORY_CACHE;
                }
            };

    public TurnRetrieval(KnowledgeSearch knowledge, ConversationMemory memory, Settings settings) {
        this.knowledge = knowledge;
        this.memory = memory;
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Retrieves for {@code speaker}'s turn in {@code conversation}.
     *
     * @throws java.io.UncheckedIOException when the knowledge search or the memory is unavailable
     *     (the turn waits it out)
     */
    public Result retrieve(AgentProfile speaker, ConversationSnapshot conversation) {
        boolean searched = settings.topK() > 0 && speaker.retrievesKnowledge();
        String query =
                RetrievalQuery.build(
                        conversation.topic(),
                        conversation.history(),
                        settings.recentTurns(),
                        RetrievalQuery.DEFAULT_MAX_CHARS);
        List<Found> found = searched ? search(speaker.agentId(), query, conversation) : List.of();
        boolean remembers = speaker.usesPastConversations() && settings.memoryConversations() > 0;
        List<ConversationMemory.PastConversation> earlier =
                remembers ? earlier(speaker, conversation) : List.of();
        return new Result(query, found, searched, earlier, remembers, speaker.currentSessionOnly());
    }

    private List<Found> search(String agentId, String query, ConversationSnapshot conversation) {
        List<Found> found = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (KnowledgeSearch.Hit hit : knowledge.search(agentId, query, settings.topK())) {
            if (seen.add(hit.documentId())) {
                found.add(new Found(hit, VIA_QUERY, null));
            }
        }
        if (settings.graphHops() < 1 || settings.maxLinked() < 1) {
            return found;
        }
        // The tags linking the hits (in rank order) and the conversation's topic to other
        // documents of the same agent.
        Map<String, String> viaOfTag = new LinkedHashMap<>();
        for (Found f : found) {
            for (String tag : f.hit().tags()) {
                viaOfTag.putIfAbsent(tag, "graph:document:" + agentId + "/" + f.hit().documentId());
            }
        }
        String topic = conversation.topic() == null ? "" : conversation.topic().strip();
        if (!topic.isEmpty()) {
            viaOfTag.putIfAbsent(topic, "graph:topic:" + topic);
        }
        if (viaOfTag.isEmpty()) {
            return found;
        }
        int linked = 0;
        List<KnowledgeSearch.Hit> candidates =
                knowledge.searchTagged(
                        agentId, query, found.size() + settings.maxLinked(), viaOfTag.keySet());
        for (KnowledgeSearch.Hit hit : candidates) {
            if (linked >= settings.maxLinked()) {
                break;
            }
            if (!seen.add(hit.documentId())) {
                continue;
            }
            String tag = linkingTag(hit, viaOfTag);
            if (tag == null) {
                continue;
            }
            found.add(new Found(hit, viaOfTag.get(tag), tag));
            linked++;
        }
        return found;
    }

    /** The first tag (in the order the hits gave them) that links {@code hit}, or null. */
    private static String linkingTag(KnowledgeSearch.Hit hit, Map<String, String> viaOfTag) {
        for (String tag : viaOfTag.keySet()) {
            if (hit.tags().contains(tag)) {
                return tag;
            }
        }
        return null;
    }

    private List<ConversationMemory.PastConversation> earlier(
            AgentProfile speaker, ConversationSnapshot conversation) {
        String session = speaker.currentSessionOnly() ? conversation.sessionId() : null;
        if (speaker.currentSessionOnly() && (session == null || session.isBlank())) {
            // A conversation without a session is a session of its own: nothing earlier in it.
            return List.of();
        }
        String key =
                conversation.conversationId()
                        + '\0'
                        + speaker.agentId()
                        + '\0'
                        + (session == null ? "" : session);
        synchronized (remembered) {
            List<ConversationMemory.PastConversation> known = remembered.get(key);
            if (known != null) {
                return known;
            }
        }
        List<ConversationMemory.PastConversation> found =
                List.copyOf(
                        memory.earlier(
                                speaker.agentId(),
                                conversation.conversationId(),
                                session,
                                settings.memoryConversations()));
        synchronized (remembered) {
            remembered.put(key, found);
        }
        return found;
    }
}
