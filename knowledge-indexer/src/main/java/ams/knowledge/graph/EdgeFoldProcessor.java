package ams.knowledge.graph;

import ams.knowledge.StoreKeys;
import ams.knowledge.avro.EdgeHistory;
import ams.knowledge.avro.GraphSignal;
import ams.knowledge.avro.GraphSignalKind;
import ams.knowledge.avro.Interval;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keyed by node: keeps every edge touching the node with the intervals it was valid in. An open of
 * an edge already open and a close of an edge already closed change nothing (replays and duplicates
 * are harmless).
 */
public final class EdgeFoldProcessor implements Processor<String, GraphSignal, Void, Void> {

    public static final String OUT = "out";
    public static final String IN = "in";

    private final String storeName;
    private KeyValueStore<String, EdgeHistory> store;

    public EdgeFoldProcessor(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, GraphSignal> record) {
        String node = record.key();
        GraphSignal signal = record.value();
        if (node == null || signal == null) {
            return;
        }
        boolean outgoing = node.equals(signal.getFrom());
        String other = outgoing ? signal.getTo() : signal.getFrom();
        String key = StoreKeys.edge(node, signal.getRelation(), outgoing ? OUT : IN, other);
        EdgeHistory history = store.get(key);
        List<Interval> intervals =
                history == null ? new ArrayList<>() : new ArrayList<>(history.getIntervals());
        Interval last = intervals.isEmpty() ? null : intervals.get(intervals.size() - 1);
        Instant at = signal.getAt();
        if (signal.getKind() == GraphSignalKind.EDGE_OPEN) {
            if (last != null && last.getValidTo() == null) {
                return;
            }
            intervals.add(Interval.newBuilder().setValidFrom(at).setValidTo(null).build());
        } else if (signal.getKind() == GraphSignalKind.EDGE_CLOSE) {
            if (last == null || last.getValidTo() != null) {
                return;
            }
            // An end before the start (producer clocks disagree) is clamped to an empty interval.
            Instant end = at.isBefore(last.getValidFrom()) ? last.getValidFrom() : at;
            intervals.set(intervals.size() - 1, Interval.newBuilder(last).setValidTo(end).build());
        } else {
            return;
        }
        store.put(
                key,
                EdgeHistory.newBuilder()
                        .setRelation(signal.getRelation())
                        .setFrom(signal.getFrom())
                        .setTo(signal.getTo())
                        .setIntervals(intervals)
                        .build());
    }
}
