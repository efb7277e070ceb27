package ams.knowledge;

import ams.events.serde.SingleObjectSerde;
import ams.knowledge.avro.AgentInactivity;
import ams.knowledge.avro.ChunkRecord;
import ams.knowledge.avro.ConversationGraphState;
import ams.knowledge.avro.DocumentRecord;
import ams.knowledge.avro.EdgeHistory;
import ams.knowledge.avro.GraphSignal;
import ams.knowledge.avro.IndexedDocument;

/**
 * Serdes of this module's own Avro types (the internal topic and the stores). New instances each
 * call.
 */
final class KnowledgeSerdes {

    private KnowledgeSerdes() {}

    public static SingleObjectSerde<IndexedDocument> indexedDocuments() {
        return new SingleObjectSerde<>(IndexedDocument.class);
    }

    public static SingleObjectSerde<DocumentRecord> documents() {
        return new SingleObjectSerde<>(DocumentRecord.class);
    }

    public static SingleObjectSerde<ChunkRecord> chunks() {
        return new SingleObjectSerde<>(ChunkRecord.class);
    }

    public static SingleObjectSerde<GraphSignal> graphSignals() {
        return new SingleObjectSerde<>(GraphSignal.class);
    }

    public static SingleObjectSerde<EdgeHistory> edges() {
        return new SingleObjectSerde<>(EdgeHistory.class);
    }

    public static SingleObjectSerde<AgentInactivity> agentInactivity() {
        return new SingleObjectSerde<>(AgentInactivity.class);
    }

    public static SingleObjectSerde<ConversationGraphState> conversationGraphStates() {
        return new SingleObjectSerde<>(ConversationGraphState.class);
    }
}
