package ams.knowledge;

/**
 * Composite keys of the stores. NUL separates the parts (it cannot occur in ids that came through
 * JSON or the CLI), so a prefix scan on {@code agentId + NUL} returns one agent's entries and
 * nothing of an agent whose id merely starts the same way.
 */
public final class StoreKeys {

    public static final char SEPARATOR = '\u0000';

    private StoreKeys() {}

    public static String agentPrefix(String agentId) {
        return agentId + SEPARATOR;
    }

    public static String document(String agentId, String documentId) {
        return agentId + SEPARATOR + documentId;
    }

    public static String chunkPrefix(String agentId, String documentId) {
        return document(agentId, documentId) + SEPARATOR;
    }

    /** Zero-padded index so the store's byte order is the chunk order. */
    public static String chunk(String agentId, String documentId, int chunkIndex) {
        return chunkPrefix(agentId, documentId) + zeroPadded(chunkIndex, 6);
    }

    /**
     * A version of a document in {@code document-versions}: {@code agentId \0 documentId \0 from},
     * {@code from} the epoch milliseconds it took effect, zero-padded so that the store's byte
     * order is each document's versions in time order.
     */
    public static String version(String agentId, String documentId, long fromMillis) {
        return chunkPrefix(agentId, documentId) + zeroPadded(Math.max(0, fromMillis), 19);
    }

    /**
     * {@code value} (not negative) in decimal, left-padded with zeros to {@code width} digits (as
     * {@code String.format("%0<width>d")}, which was a tenth of a search's key building).
     */
    static String zeroPadded(long value, int width) {
        String digits = Long.toString(value);
        if (digits.length() >= width) {
            return digits;
        }
        return "0".repeat(width - digits.length()) + digits;
    }

    /** The document id of a {@link #version} key of {@code agentId}. */
    public static String versionDocument(String agentId, String key) {
        return key.substring(agentId.length() + 1, key.lastIndexOf(SEPARATOR));
    }

    /** When the version of a {@link #version} key took effect, in epoch milliseconds. */
    public static long versionFrom(String key) {
        return Long.parseLong(key.substring(key.lastIndexOf(SEPARATOR) + 1));
    }

    /**
     * An agent's link in {@code graph-links}: {@code agentId \0 relation \0 otherNode}, so {@link
     * #agentPrefix} scans all of the agent's links.
     */
    public static String link(String agentId, String relation, String otherNode) {
        return agentId + SEPARATOR + relation + SEPARATOR + otherNode;
    }

    public static String nodePrefix(String node) {
        return node + SEPARATOR;
    }

    public static String edge(String node, String relation, String direction, String otherNode) {
        return node + SEPARATOR + relation + SEPARATOR + direction + SEPARATOR + otherNode;
    }
}
