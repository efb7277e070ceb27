package ams.knowledge.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Lower-cased letter/digit runs of two or more characters, without common English stop words: the
 * terms of the BM25 index.
 */
final class Tokenizer {

    private static final Set<String> STOP_WORDS =
            Set.of(
                    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in",
                    "is", "it", "of", "on", "or", "that", "the", "this", "to", "was", "what",
                    "when", "where", "which", "who", "why", "with", "does", "do", "you", "we",
                    "they", "its", "into", "about", "should", "my", "your", "will", "can", "me",
                    "our", "not", "no", "if", "so", "but", "has", "have", "had", "there", "their");

    private Tokenizer() {}

    public static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        String lower = text.toLowerCase(Locale.ROOT);
        int start = -1;
        for (int i = 0; i <= lower.length(); i++) {
            boolean word = i < lower.length() && Character.isLetterOrDigit(lower.charAt(i));
            if (word && start < 0) {
                start = i;
            } else if (!word && start >= 0) {
                String token = lower.substring(start, i);
                // Single characters carry no meaning alone (the "e" of "E-4471"); stop words match
                // everything.
                if (token.length() > 1 && !STOP_WORDS.contains(token)) {
                    tokens.add(token);
                }
                start = -1;
            }
        }
        return tokens;
    }
}
