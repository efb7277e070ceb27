package ams.export;

import java.time.Instant;
import java.util.List;

/**
 * One row of the original's knowledge_base; {@code embedding} may be null when the document has
 * none.
 */
public record DocumentRow(
        String kbId,
        String agentId,
        String documentId,
        String title,
        String content,
        String contentType,
        String source,
        List<String> tags,
        String metadataJson,
        Instant createdAt,
        List<Float> embedding) {

    public DocumentRow {
        tags = List.copyOf(tags);
        embedding = embedding == null ? null : List.copyOf(embedding);
    }
}
