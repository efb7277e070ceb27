package ams.knowledge.graph;

import ams.knowledge.StoreKeys;
import ams.knowledge.avro.AgentInactivity;
import ams.knowledge.avro.EdgeHistory;
import ams.knowledge.avro.GraphSignal;
import ams.knowledge.avro.GraphSignalKind;
import ams.knowledge.avro.Interval;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Per agent (keyed by agentId): folds the agent's links (has_knowledge from the chunks topic,
 * participates_in from the conversations) and its inactivity (agent-events) separately, and emits
 * the whole history of every edge whose validity changed: the link's intervals minus the agent's
 * inactive ones.
 *
 * <p>Why not gate the links on the agent's current state: the three inputs are different topics
 * (and a repartition), and the order in which their records reach this task differs between the
 * live run and a replay of the log. Gating made an edge's intervals depend on that order (a
 * deactivation read before a document's addition left the document's edge open through the inactive
 * time). Each fold here reads one topic partition in its own order and the combination is a
 * function of the two results, so any interleaving gives the same edges. Agents never seen on
 * agent-events count as active.
 */
public final class AgentGraphProcessor
        implements Processor<String, GraphSignal, String, EdgeHistory> {

    private final String inactivityStoreName;
    private final String linksStoreName;
    private ProcessorContext<String, EdgeHistory> context;
    private KeyValueStore<String, AgentInactivity> inactivity;
    private KeyValueStore<String, EdgeHistory> links;

    public AgentGraphProcessor(String inactivityStoreName, String linksStoreName) {
        this.inactivityStoreName = inactivityStoreName;
        this.linksStoreName = linksStoreName;
    }

    @Override
    public void init(ProcessorContext<String, EdgeHistory> context) {
        this.context = context;
        this.inactivity = context.getStateStore(inactivityStoreName);
        this.links = context.getStateStore(linksStoreName);
    }

    @Override
    public void process(Record<String, GraphSignal> record) {
        String agentId = record.key();
        GraphSignal signal = record.value();
        if (agentId == null || signal == null) {
            return;
        }
        switch (signal.getKind()) {
            case AGENT_DEACTIVATED, AGENT_REACTIVATED -> activityChanged(record, agentId, signal);
            case EDGE_OPEN, EDGE_CLOSE -> linkChanged(record, agentId, signal);
            default -> {
                // UNKNOWN: a signal kind of a newer writer; nothing to fold.
            }
        }
    }

    private void activityChanged(
            Record<String, GraphSignal> record, String agentId, GraphSignal signal) {
        List<Interval> before = inactiveIntervals(agentId);
        // Deactivation opens an inactive interval, reactivation closes it: an edge's rules.
        Optional<List<Interval>> changed =
                signal.getKind() == GraphSignalKind.AGENT_DEACTIVATED
                        ? EdgeIntervals.open(before, signal.getAt())
                        : EdgeIntervals.close(before, signal.getAt());
        if (changed.isEmpty()) {
            return;
        }
        List<Interval> after = changed.get();
        inactivity.put(agentId, AgentInactivity.newBuilder().setIntervals(after).build());
        // Every link, ended ones too: a deactivation read after a conversation's end can still
        // fall inside that participation.
        try (KeyValueIterator<String, EdgeHistory> agentLinks =
                links.prefixScan(StoreKeys.agentPrefix(agentId), new StringSerializer())) {
            while (agentLinks.hasNext()) {
                KeyValue<String, EdgeHistory> entry = agentLinks.next();
                List<Interval> linked = entry.value.getIntervals();
                emitIfChanged(
                        record,
                        entry.value,
                        EdgeIntervals.without(linked, before),
                        EdgeIntervals.without(linked, after));
            }
        }
    }

    private void linkChanged(
            Record<String, GraphSignal> record, String agentId, GraphSignal signal) {
        String key = StoreKeys.link(agentId, signal.getRelation(), signal.getTo());
        EdgeHistory link = links.get(key);
        List<Interval> before = link == null ? List.of() : link.getIntervals();
        Optional<List<Interval>> changed =
                signal.getKind() == GraphSignalKind.EDGE_OPEN
                        ? EdgeIntervals.open(before, signal.getAt())
                        : EdgeIntervals.close(before, signal.getAt());
        if (changed.isEmpty()) {
            return;
        }
        EdgeHistory updated =
                EdgeIntervals.edge(
                        signal.getRelation(), signal.getFrom(), signal.getTo(), changed.get());
        links.put(key, updated);
        List<Interval> inactive = inactiveIntervals(agentId);
        emitIfChanged(
                record,
                updated,
                EdgeIntervals.without(before, inactive),
                EdgeIntervals.without(updated.getIntervals(), inactive));
    }

    private List<Interval> inactiveIntervals(String agentId) {
        AgentInactivity state = inactivity.get(agentId);
        return state == null ? List.of() : state.getIntervals();
    }

    /**
     * Emits the edge's whole history when it differs from what was emitted before (which is what
     * the previous state gives): the last history emitted is always the one of the final state.
     */
    private void emitIfChanged(
            Record<String, GraphSignal> record,
            EdgeHistory link,
            List<Interval> before,
            List<Interval> after) {
        if (EdgeIntervals.same(before, after)) {
            return;
        }
        context.forward(
                new Record<>(
                        record.key(),
                        EdgeIntervals.edge(link.getRelation(), link.getFrom(), link.getTo(), after),
                        record.timestamp()));
    }
}
