package ams.knowledge.graph;

import ams.knowledge.avro.AgentGraphState;
import ams.knowledge.avro.GraphSignal;
import ams.knowledge.avro.GraphSignalKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Per agent (keyed by agentId): remembers the agent's documents and conversations and whether it is
 * active, and emits the edges as they are in effect: an inactive agent's edges are closed at the
 * deactivation time and reopened at reactivation. Agents never seen on agent-events count as
 * active.
 */
public final class AgentGraphProcessor
        implements Processor<String, GraphSignal, String, GraphSignal> {

    private final String storeName;
    private ProcessorContext<String, GraphSignal> context;
    private KeyValueStore<String, AgentGraphState> store;

    public AgentGraphProcessor(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public void init(ProcessorContext<String, GraphSignal> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, GraphSignal> record) {
        String agentId = record.key();
        GraphSignal signal = record.value();
        if (agentId == null || signal == null) {
            return;
        }
        AgentGraphState state = store.get(agentId);
        if (state == null) {
            state =
                    AgentGraphState.newBuilder()
                            .setActive(true)
                            .setDocuments(new ArrayList<>())
                            .setConversations(new ArrayList<>())
                            .build();
        }
        Instant at = signal.getAt();
        String agent = GraphNodes.agent(agentId);
        GraphSignalKind kind = signal.getKind();
        switch (kind) {
            case AGENT_DEACTIVATED, AGENT_REACTIVATED -> {
                boolean active = kind == GraphSignalKind.AGENT_REACTIVATED;
                if (state.getActive() == active) {
                    return;
                }
                state = AgentGraphState.newBuilder(state).setActive(active).build();
                for (String document : state.getDocuments()) {
                    emit(
                            record,
                            GraphSignals.edge(
                                    edgeKind(active),
                                    GraphNodes.HAS_KNOWLEDGE,
                                    agent,
                                    document,
                                    at));
                }
                for (String conversation : state.getConversations()) {
                    emit(
                            record,
                            GraphSignals.edge(
                                    edgeKind(active),
                                    GraphNodes.PARTICIPATES_IN,
                                    agent,
                                    conversation,
                                    at));
                }
            }
            case EDGE_OPEN, EDGE_CLOSE -> {
                List<String> targets =
                        GraphNodes.HAS_KNOWLEDGE.equals(signal.getRelation())
                                ? state.getDocuments()
                                : state.getConversations();
                List<String> updated = new ArrayList<>(targets);
                boolean changed =
                        kind == GraphSignalKind.EDGE_OPEN
                                ? !updated.contains(signal.getTo()) && updated.add(signal.getTo())
                                : updated.remove(signal.getTo());
                if (!changed) {
                    return;
                }
                if (GraphNodes.HAS_KNOWLEDGE.equals(signal.getRelation())) {
                    state = AgentGraphState.newBuilder(state).setDocuments(updated).build();
                } else {
                    state = AgentGraphState.newBuilder(state).setConversations(updated).build();
                }
                if (state.getActive()) {
                    emit(record, signal);
                }
            }
            default -> {
                return;
            }
        }
        store.put(agentId, state);
    }

    private static GraphSignalKind edgeKind(boolean open) {
        return open ? GraphSignalKind.EDGE_OPEN : GraphSignalKind.EDGE_CLOSE;
    }

    private void emit(Record<String, GraphSignal> record, GraphSignal signal) {
        context.forward(new Record<>(record.key(), signal, record.timestamp()));
    }
}
