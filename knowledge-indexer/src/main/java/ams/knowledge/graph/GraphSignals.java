package ams.knowledge.graph;

import ams.knowledge.avro.GraphSignal;
import ams.knowledge.avro.GraphSignalKind;
import java.time.Instant;

/** Builders of the internal graph signals. */
public final class GraphSignals {

    private GraphSignals() {}

    public static GraphSignal open(String relation, String from, String to, Instant at) {
        return edge(GraphSignalKind.EDGE_OPEN, relation, from, to, at);
    }

    public static GraphSignal close(String relation, String from, String to, Instant at) {
        return edge(GraphSignalKind.EDGE_CLOSE, relation, from, to, at);
    }

    public static GraphSignal edge(
            GraphSignalKind kind, String relation, String from, String to, Instant at) {
        return GraphSignal.newBuilder()
                .setKind(kind)
                .setRelation(relation)
                .setFrom(from)
                .setTo(to)
                .setAt(at)
                .build();
    }

    public static GraphSignal agentActivity(boolean active, String agentId, Instant at) {
        return GraphSignal.newBuilder()
                .setKind(
                        active
                                ? GraphSignalKind.AGENT_REACTIVATED
                                : GraphSignalKind.AGENT_DEACTIVATED)
                .setFrom(GraphNodes.agent(agentId))
                .setTo("")
                .setRelation("")
                .setAt(at)
                .build();
    }
}
