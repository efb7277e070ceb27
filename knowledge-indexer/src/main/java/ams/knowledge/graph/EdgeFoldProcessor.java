package ams.knowledge.graph;

import ams.knowledge.StoreKeys;
import ams.knowledge.avro.EdgeHistory;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keyed by node: keeps every edge touching the node with the intervals it was valid in. Each record
 * is an edge's whole history, computed upstream ({@link AgentGraphProcessor}, or a topic mention's
 * single open interval) and replacing the stored one; an empty history removes the edge. Nothing is
 * appended here, so the result does not depend on the order in which records of different edges
 * arrive: each edge's histories come from one task, in the order it computed them, and the last one
 * is that of its final state.
 */
public final class EdgeFoldProcessor implements Processor<String, EdgeHistory, Void, Void> {

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
    public void process(Record<String, EdgeHistory> record) {
        String node = record.key();
        EdgeHistory edge = record.value();
        if (node == null || edge == null) {
            return;
        }
        boolean outgoing = node.equals(edge.getFrom());
        String other = outgoing ? edge.getTo() : edge.getFrom();
        String key = StoreKeys.edge(node, edge.getRelation(), outgoing ? OUT : IN, other);
        if (edge.getIntervals().isEmpty()) {
            // Never valid (e.g. linked only while its agent was inactive): no edge, as if never
            // linked, whichever order the link and the deactivation were read in.
            store.delete(key);
        } else {
            store.put(key, edge);
        }
    }
}
