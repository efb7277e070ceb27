package ams.knowledge.graph;

import java.util.Set;

/**
 * Node ids ({@code agent:ID}, {@code document:ID}, {@code conversation:ID}, {@code topic:NAME}) and
 * relation names.
 */
public final class GraphNodes {

    public static final String HAS_KNOWLEDGE = "has_knowledge";
    public static final String PARTICIPATES_IN = "participates_in";
    public static final String MENTIONS = "mentions";
    public static final Set<String> KINDS = Set.of("agent", "document", "conversation", "topic");

    private GraphNodes() {}

    public static String agent(String id) {
        return "agent:" + id;
    }

    public static String document(String id) {
        return "document:" + id;
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
                    "node must be agent:ID, document:ID, conversation:ID or topic:NAME; was '"
                            + node
                            + "'");
        }
        return node;
    }

    /** The id part of an {@code agent:ID} node. */
    public static String agentIdOf(String node) {
        return node.substring("agent:".length());
    }
}
