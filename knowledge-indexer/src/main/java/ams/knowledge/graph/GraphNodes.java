package ams.knowledge.graph;

import java.util.Set;

/**
 * Node ids ({@code agent:ID}, {@code document:AGENT/ID}, {@code conversation:ID}, {@code
 * topic:NAME}) and relation names.
 *
 * <p>A document node is named by its agent and its document id: knowledge is per agent, and two
 * agents that each have a document {@code notes} must never share a node (a shared node showed one
 * agent's edges to the other). Agent ids cannot contain {@code /} ({@code AgentIds}), so the first
 * {@code /} ends the agent part and the document id may contain any character.
 */
public final class GraphNodes {

    public static final String HAS_KNOWLEDGE = "has_knowledge";
    public static final String PARTICIPATES_IN = "participates_in";
    public static final String MENTIONS = "mentions";
    public static final Set<String> KINDS = Set.of("agent", "document", "conversation", "topic");

    private static final String DOCUMENT_PREFIX = "document:";

    private GraphNodes() {}

    public static String agent(String id) {
        return "agent:" + id;
    }

    public static String document(String agentId, String documentId) {
        return DOCUMENT_PREFIX + agentId + '/' + documentId;
    }

    /**
     * The document id of a {@code document:AGENT/ID} node (of a node written before documents were
     * per agent, {@code document:ID}, the rest after the prefix; a replay renames them).
     */
    public static String documentIdOf(String node) {
        int slash = node.indexOf('/', DOCUMENT_PREFIX.length());
        return node.substring(slash < 0 ? DOCUMENT_PREFIX.length() : slash + 1);
    }

    public static String conversation(String id) {
        return "conversation:" + id;
    }

    public static String topic(String name) {
        return "topic:" + name;
    }

    /**
     * Returns the node id when it has the form {@code kind:id} with a known kind.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static String validate(String node) {
        int colon = node == null ? -1 : node.indexOf(':');
        if (colon <= 0 || colon == node.length() - 1 || !KINDS.contains(node.substring(0, colon))) {
            throw new IllegalArgumentException(
                    "node must be agent:ID, document:AGENT/ID, conversation:ID or topic:NAME; was '"
                            + node
                            + "'");
        }
        if (node.startsWith(DOCUMENT_PREFIX)) {
            int slash = node.indexOf('/', DOCUMENT_PREFIX.length());
            if (slash <= DOCUMENT_PREFIX.length() || slash == node.length() - 1) {
                throw new IllegalArgumentException(
                        "a document node names its agent: document:AGENT/DOCUMENT_ID (documents"
                                + " are per agent); was '"
                                + node
                                + "'");
            }
        }
        return node;
    }

    /** The id part of an {@code agent:ID} node. */
    public static String agentIdOf(String node) {
        return node.substring("agent:".length());
    }
}
