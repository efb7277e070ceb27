package ams.knowledge;

import ams.knowledge.avro.DocumentRecord;
import ams.knowledge.avro.Interval;
import ams.knowledge.graph.GraphNodes;
import ams.service.http.ServiceJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * The answers of the knowledge routes. Their JSON (snake_case, by the shared {@link ServiceJson}
 * mapping) is the HTTP contract in the README.
 */
final class KnowledgeViews {

    private KnowledgeViews() {}

    /** One knowledge document as the original's knowledge_base row, plus how it was indexed. */
    record Document(
            String kbId,
            String agentId,
            String documentId,
            String title,
            String content,
            String contentType,
            String source,
            List<String> tags,
            JsonNode metadata,
            String createdAt,
            String updatedAt,
            String embeddingModel,
            int dimension,
            int chunkCount) {}

    record DocumentPage(
            String agentId, List<Document> documents, int total, int offset, int limit) {}

    /** One search result: a document with its best-matching chunk. */
    record SearchResult(
            String documentId,
            String title,
            String content,
            double similarity,
            double score,
            JsonNode metadata,
            String chunkId,
            String source,
            String contentType,
            List<String> tags) {}

    record SearchAnswer(String agentId, String query, String mode, List<SearchResult> results) {}

    /** A document an agent knew at a time, with the interval in effect then. */
    record KnownDocument(String documentId, String validFrom, String validTo) {}

    record KnowledgeAsOf(String agentId, String asOf, List<KnownDocument> documents) {}

    record Validity(String validFrom, String validTo) {}

    record Neighbour(
            String node,
            String relation,
            String direction,
            String validFrom,
            String validTo,
            boolean current,
            List<Validity> intervals) {}

    record Neighbours(String node, String asOf, List<Neighbour> neighbours) {}

    static Document document(DocumentRecord document) {
        return new Document(
                document.getKbId(),
                document.getAgentId(),
                document.getDocumentId(),
                document.getTitle(),
                document.getContent(),
                document.getContentType(),
                document.getSource(),
                List.copyOf(document.getTags()),
                metadata(document.getMetadataJson()),
                iso(document.getCreatedAt()),
                iso(document.getUpdatedAt()),
                document.getModel(),
                document.getDimension(),
                document.getChunkCount());
    }

    static SearchResult searchResult(KnowledgeQueries.SearchHit hit) {
        DocumentRecord document = hit.document();
        return new SearchResult(
                document.getDocumentId(),
                document.getTitle(),
                hit.chunkText(),
                hit.similarity(),
                hit.score(),
                metadata(document.getMetadataJson()),
                hit.chunkId(),
                document.getSource(),
                document.getContentType(),
                List.copyOf(document.getTags()));
    }

    static KnownDocument knownDocument(KnowledgeQueries.Neighbour neighbour, Instant t) {
        Validity validity = validity(neighbour, t);
        return new KnownDocument(
                GraphNodes.documentIdOf(neighbour.node()),
                validity.validFrom(),
                validity.validTo());
    }

    static Neighbour neighbour(KnowledgeQueries.Neighbour neighbour, Instant asOf) {
        Validity validity = validity(neighbour, asOf);
        return new Neighbour(
                neighbour.node(),
                neighbour.relation(),
                neighbour.direction(),
                validity.validFrom(),
                validity.validTo(),
                neighbour.current(),
                neighbour.intervals().stream().map(KnowledgeViews::validity).toList());
    }

    /** The interval in effect at {@code t}, or the latest one (no time, or none in effect). */
    private static Validity validity(KnowledgeQueries.Neighbour neighbour, Instant t) {
        List<Interval> intervals = neighbour.intervals();
        Interval chosen = intervals.isEmpty() ? null : intervals.get(intervals.size() - 1);
        if (t != null) {
            for (Interval interval : intervals) {
                if (!t.isBefore(interval.getValidFrom())
                        && (interval.getValidTo() == null || t.isBefore(interval.getValidTo()))) {
                    chosen = interval;
                }
            }
        }
        return chosen == null ? new Validity(null, null) : validity(chosen);
    }

    private static Validity validity(Interval interval) {
        return new Validity(iso(interval.getValidFrom()), iso(interval.getValidTo()));
    }

    private static JsonNode metadata(String metadataJson) {
        try {
            JsonNode parsed =
                    ServiceJson.mapper()
                            .readTree(
                                    metadataJson == null || metadataJson.isBlank()
                                            ? "{}"
                                            : metadataJson);
            return parsed == null ? ServiceJson.mapper().createObjectNode() : parsed;
        } catch (JsonProcessingException e) {
            // Kept as given rather than dropped: the original stored metadata as free text.
            return ServiceJson.mapper().createObjectNode().put("raw", metadataJson);
        }
    }

    static String iso(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
