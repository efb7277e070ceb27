package ams.conversations.retrieval;

import ams.conversations.worker.ConversationSnapshot;
import java.util.List;

/**
 * The text a turn searches the speaker's knowledge with: the conversation's topic, then the last
 * {@code recentTurns} messages, the newest first. So retrieval follows the dialogue as it moves
 * between subjects, while the topic keeps it anchored.
 *
 * <p>Newest first because the embedding model reads only the start of a long text (all-MiniLM reads
 * 256 word pieces) and the query is cut at {@code maxChars}: what was said last must not be the
 * part that is dropped.
 */
public final class RetrievalQuery {

    /** About what the in-process embedding model reads (256 word pieces). */
    public static final int DEFAULT_MAX_CHARS = 1000;

    private RetrievalQuery() {}

    public static String build(
            String topic,
            List<ConversationSnapshot.HistoryMessage> history,
            int recentTurns,
            int maxChars) {
        StringBuilder query = new StringBuilder(topic == null ? "" : topic.strip());
        int from = Math.max(0, history.size() - Math.max(0, recentTurns));
        for (int i = history.size() - 1; i >= from && query.length() < maxChars; i--) {
            int before = query.length();
            if (before > 0) {
                query.append('\n');
            }
            if (!appendCollapsed(query, history.get(i).content(), maxChars)) {
                query.setLength(before); // a blank message adds nothing, not even the separator
            }
        }
        return query.length() > maxChars ? query.substring(0, maxChars) : query.toString();
    }

    /**
     * Appends {@code text} with its runs of whitespace made one space and none at either end, up to
     * {@code maxChars} in all; false when it had nothing but whitespace. A loop, not a regex: this
     * runs for every turn.
     */
    private static boolean appendCollapsed(StringBuilder query, String text, int maxChars) {
        int start = query.length();
        boolean pendingSpace = false;
        for (int c = 0; c < text.length() && query.length() < maxChars; c++) {
            char ch = text.charAt(c);
            if (Character.isWhitespace(ch)) {
                pendingSpace = query.length() > start;
            } else {
                if (pendingSpace) {
                    query.append(' ');
                    pendingSpace = false;
                }
                query.append(ch);
            }
        }
        return query.length() > start;
    }
}
