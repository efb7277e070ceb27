package ams.knowledge.search;

import java.util.Locale;

/**
 * How results are ranked: cosine similarity of embeddings, BM25 over terms, or both fused by
 * reciprocal rank.
 */
public enum SearchMode {
    VECTOR,
    LEXICAL,
    HYBRID;

    /**
     * Parses a mode name; a blank one means hybrid.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static SearchMode parse(String value) {
        if (value == null || value.isBlank()) {
            return HYBRID;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "mode must be one of hybrid, vector, lexical; was '" + value + "'");
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
