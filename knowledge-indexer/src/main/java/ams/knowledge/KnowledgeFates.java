package ams.knowledge;

import ams.events.DeadLetter;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.DocumentRemoved;
import ams.events.knowledge.DocumentUpdated;
import ams.events.knowledge.KnowledgeEvent;
import ams.knowledge.embedding.BatchIndexer;
import ams.service.fate.FateLog;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Records the rejections of knowledge writes: the embedding worker's dead letters, once their
 * transaction committed. (What was applied the index fold records as it folds.)
 */
final class KnowledgeFates {

    private final FateLog rejected;
    private final Deserializer<KnowledgeEvent> events;

    KnowledgeFates(FateLog rejected, Deserializer<KnowledgeEvent> events) {
        this.rejected = rejected;
        this.events = events;
    }

    /** The committed outcomes of one poll of the worker. */
    void committed(List<BatchIndexer.Outcome> outcomes) {
        for (BatchIndexer.Outcome outcome : outcomes) {
            DeadLetter letter = outcome.deadLetter();
            if (letter == null || letter.getOriginalEventId() == null) {
                continue; // indexed (the fold records it), or undecodable: no id to ask by
            }
            rejected.partition(outcome.input().partition())
                    .put(
                            letter.getOriginalEventId(),
                            KnowledgeFate.rejected(
                                    outcome.agentId(),
                                    documentId(outcome),
                                    letter.getReason(),
                                    letter.getDetail()));
        }
    }

    /** The rejected write's document id, decoded again (rejections are rare). */
    private String documentId(BatchIndexer.Outcome outcome) {
        try {
            Object payload =
                    events.deserialize(outcome.input().topic(), outcome.input().value())
                            .getPayload();
            if (payload instanceof DocumentAdded added) {
                return added.getDocumentId();
            }
            if (payload instanceof DocumentUpdated updated) {
                return updated.getDocumentId();
            }
            if (payload instanceof DocumentRemoved removed) {
                return removed.getDocumentId();
            }
        } catch (RuntimeException e) {
            // It decoded for the worker; if not here, the fate goes without the document id.
        }
        return null;
    }
}
