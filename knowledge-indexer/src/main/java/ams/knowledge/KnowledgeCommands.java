package ams.knowledge;

import ams.events.AgentIds;
import ams.events.Envelopes;
import ams.events.InvalidRequestException;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.DocumentRemoved;
import ams.events.knowledge.KnowledgeEvent;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Turns requests about an agent's knowledge into validated events. */
public final class KnowledgeCommands {

    /** Largest document accepted from a client; larger texts should be split by the caller. */
    public static final int MAX_CONTENT_CHARS = 1_000_000;

    private final String source;

    public KnowledgeCommands(String source) {
        this.source = source;
    }

    public KnowledgeEvent add(
            String agentId,
            String documentId,
            String title,
            String content,
            String contentType,
            String sourceName,
            List<String> tags,
            String metadataJson) {
        AgentIds.require(agentId);
        if (content == null || content.isBlank()) {
            throw new InvalidRequestException(
                    "content is missing: a knowledge document needs text");
        }
        if (content.length() > MAX_CONTENT_CHARS) {
            throw new InvalidRequestException(
                    "content has "
                            + content.length()
                            + " characters; the limit is "
                            + MAX_CONTENT_CHARS
                            + ": split the document");
        }
        String id =
                documentId == null || documentId.isBlank()
                        ? UUID.randomUUID().toString()
                        : documentId;
        return KnowledgeEvent.newBuilder()
                .setEnvelope(Envelopes.create(source))
                .setAgentId(agentId)
                .setPayload(
                        DocumentAdded.newBuilder()
                                .setKbId("kb_" + agentId)
                                .setDocumentId(id)
                                .setTitle(title == null || title.isBlank() ? id : title)
                                .setContent(content)
                                .setContentType(contentType == null ? "text" : contentType)
                                .setSource(sourceName == null ? "" : sourceName)
                                .setTags(tags == null ? List.of() : List.copyOf(tags))
                                .setMetadataJson(metadataJson == null ? "{}" : metadataJson)
                                .setCreatedAt(Instant.now())
                                .build())
                .build();
    }

    public KnowledgeEvent remove(String agentId, String documentId, String reason) {
        AgentIds.require(agentId);
        if (documentId == null || documentId.isBlank()) {
            throw new InvalidRequestException("document_id is missing");
        }
        return KnowledgeEvent.newBuilder()
                .setEnvelope(Envelopes.create(source))
                .setAgentId(agentId)
                .setPayload(
                        DocumentRemoved.newBuilder()
                                .setDocumentId(documentId)
                                .setReason(reason)
                                .build())
                .build();
    }
}
