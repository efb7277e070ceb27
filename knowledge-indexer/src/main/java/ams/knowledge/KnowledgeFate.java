package ams.knowledge;

import ams.events.DeadLetterReason;
import ams.service.fate.Fate;
import java.util.Locale;

/**
 * What became of one knowledge write: a document indexed with its chunks, a removal applied
 * (whether there was such a document), or the write rejected with the dead letter's reason (by the
 * embedding worker: the text too large, the model refusing it, an invalid event).
 */
record KnowledgeFate(
        String agentId,
        String documentId,
        Operation operation,
        int chunks,
        DeadLetterReason reason,
        String detail)
        implements Fate {

    /** What an applied write did. */
    enum Operation {
        INDEXED,
        REMOVED,
        NOTHING_TO_REMOVE
    }

    static KnowledgeFate indexed(String agentId, String documentId, int chunks) {
        return new KnowledgeFate(agentId, documentId, Operation.INDEXED, chunks, null, null);
    }

    static KnowledgeFate removed(String agentId, String documentId, boolean existed) {
        return new KnowledgeFate(
                agentId,
                documentId,
                existed ? Operation.REMOVED : Operation.NOTHING_TO_REMOVE,
                0,
                null,
                null);
    }

    static KnowledgeFate rejected(
            String agentId, String documentId, DeadLetterReason reason, String detail) {
        return new KnowledgeFate(agentId, documentId, null, 0, reason, detail);
    }

    @Override
    public String json(String eventId) {
        String head =
                Fate.head(eventId, "knowledge", reason == null ? "applied" : "rejected")
                        + ",\"agent_id\":"
                        + Fate.quote(agentId)
                        + ",\"document_id\":"
                        + Fate.quote(documentId);
        if (reason != null) {
            return head + Fate.rejection(reason.name(), detail);
        }
        String done = head + ",\"operation\":\"" + operation.name().toLowerCase(Locale.ROOT) + "\"";
        return operation == Operation.INDEXED ? done + ",\"chunks\":" + chunks + "}" : done + "}";
    }
}
