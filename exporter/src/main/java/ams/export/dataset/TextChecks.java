package ams.export.dataset;

import java.util.HashSet;
import java.util.Set;

/** The per-message quality checks and the exact-duplicate key. */
public final class TextChecks {

    private TextChecks() {}

    /** Nothing but white space. */
    public static boolean empty(String text) {
        return text == null || text.isBlank();
    }

    /**
     * A turn stuck in a loop: of its word 3-grams (words lower-cased), more than {@code
     * maxDuplicateFraction} repeat an earlier one. Turns of fewer than 10 words are never
     * repetitive (too short to tell); a text of one long run of a single character counts as one
     * word repeated, so it falls under the same rule only when it has words around it.
     */
    public static boolean repetitive(String text, double maxDuplicateFraction) {
        String[] words = text.toLowerCase(java.util.Locale.ROOT).split("[^\\p{L}\\p{N}]+", -1);
        int start = words.length > 0 && words[0].isEmpty() ? 1 : 0;
        int end =
                words.length > start && words[words.length - 1].isEmpty()
                        ? words.length - 1
                        : words.length;
        int count = end - start;
        if (count < 10) {
            return false;
        }
        Set<String> seen = new HashSet<>();
        int grams = 0;
        int repeated = 0;
        for (int i = start; i + 2 < end; i++) {
            grams++;
            if (!seen.add(words[i] + ' ' + words[i + 1] + ' ' + words[i + 2])) {
                repeated++;
            }
        }
        return grams > 0 && repeated / (double) grams > maxDuplicateFraction;
    }

    /**
     * A 64-bit key of the text with case and runs of white space ignored: equal keys are exact
     * duplicates (a chance collision among a million texts has a probability near 1e-8).
     */
    public static long exactKey(CharSequence text) {
        long h1 = 0xcbf29ce484222325L;
        long h2 = 0x84222325cbf29ce4L;
        boolean space = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                space = true;
                continue;
            }
            if (space) {
                h1 = (h1 ^ ' ') * 0x100000001b3L;
                h2 = (h2 ^ ' ') * 0x9E3779B97F4A7C15L;
                space = false;
            }
            char l = Character.toLowerCase(c);
            h1 = (h1 ^ l) * 0x100000001b3L;
            h2 = Long.rotateLeft((h2 ^ l) * 0x9E3779B97F4A7C15L, 29);
        }
        return h1 ^ Long.rotateLeft(h2, 32);
    }
}
