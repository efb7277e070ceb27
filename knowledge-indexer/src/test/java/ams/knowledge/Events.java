package ams.knowledge;

import ams.events.Envelopes;
import ams.events.agent.AgentDeactivated;
import ams.events.agent.AgentEvent;
import ams.events.agent.AgentReactivated;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.DocumentRemoved;
import ams.events.knowledge.DocumentUpdated;
import ams.events.knowledge.KnowledgeEvent;
import ams.testkit.TestEvents;
import java.time.Instant;
import java.util.List;

/**
 * Knowledge and agent events at chosen times, for the temporal tests; otherwise like {@link
 * TestEvents}.
 */
final class Events {

    private Events() {}

    static KnowledgeEvent added(
            String agentId,
            String documentId,
            String title,
            String content,
            String source,
            List<String> tags,
            Instant at) {
        return KnowledgeEvent.newBuilder()
                .setEnvelope(Envelopes.create("test", at))
                .setAgentId(agentId)
                .setPayload(
                        DocumentAdded.newBuilder()
                                .setKbId("kb-" + agentId)
                                .setDocumentId(documentId)
                                .setTitle(title)
                                .setContent(content)
                                .setSource(source)
                                .setTags(tags)
                                .setMetadataJson("{\"doc\":\"" + documentId + "\"}")
                                .setCreatedAt(at)
                                .build())
                .build();
    }

    static KnowledgeEvent added(String agentId, String documentId, String title, String content) {
        return added(agentId, documentId, title, content, "test", List.of("test"), Instant.now());
    }

    static KnowledgeEvent updated(String agentId, String documentId, String title, String content) {
        return KnowledgeEvent.newBuilder()
                .setEnvelope(Envelopes.create("test"))
                .setAgentId(agentId)
                .setPayload(
                        DocumentUpdated.newBuilder()
                                .setKbId("kb-" + agentId)
                                .setDocumentId(documentId)
                                .setTitle(title)
                                .setContent(content)
                                .setSource("test")
                                .setTags(List.of("test"))
                                .build())
                .build();
    }

    static KnowledgeEvent removed(String agentId, String documentId, Instant at) {
        return KnowledgeEvent.newBuilder()
                .setEnvelope(Envelopes.create("test", at))
                .setAgentId(agentId)
                .setPayload(DocumentRemoved.newBuilder().setDocumentId(documentId).build())
                .build();
    }

    static AgentEvent deactivated(String agentId, Instant at) {
        return AgentEvent.newBuilder()
                .setEnvelope(Envelopes.create("test", at))
                .setAgentId(agentId)
                .setPayload(AgentDeactivated.newBuilder().build())
                .build();
    }

    static AgentEvent reactivated(String agentId, Instant at) {
        return AgentEvent.newBuilder()
                .setEnvelope(Envelopes.create("test", at))
                .setAgentId(agentId)
                .setPayload(AgentReactivated.newBuilder().build())
                .build();
    }
}
