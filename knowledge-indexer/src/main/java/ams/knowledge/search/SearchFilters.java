package ams.knowledge.search;

import java.util.Set;

/**
 * Restrictions on which documents a search may return. A document passes when it has at least one
 * of {@code tags} (if any are given) and equals {@code source} and {@code contentType} (if given).
 */
public record SearchFilters(
        Set<String> tags, String source, String contentType, double minSimilarity) {

    public static final SearchFilters NONE =
            new SearchFilters(Set.of(), null, null, Double.NEGATIVE_INFINITY);

    public SearchFilters {
        tags = tags == null ? Set.of() : Set.copyOf(tags);
        source = source == null || source.isBlank() ? null : source;
        contentType = contentType == null || contentType.isBlank() ? null : contentType;
    }

    boolean restrictsDocuments() {
        return !tags.isEmpty() || source != null || contentType != null;
    }

    boolean accepts(Set<String> documentTags, String documentSource, String documentContentType) {
        if (source != null && !source.equals(documentSource)) {
            return false;
        }
        if (contentType != null && !contentType.equals(documentContentType)) {
            return false;
        }
        if (tags.isEmpty()) {
            return true;
        }
        for (String tag : tags) {
            if (documentTags.contains(tag)) {
                return true;
            }
        }
        return false;
    }
}
