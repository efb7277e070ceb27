package ams.events.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.junit.jupiter.api.Test;

/** The watchers change nothing a rebuild's state depends on: sub-topologies, stores, topics. */
class IdleCommitsTest {

    private static Topology topology() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()).withName("in-source"))
                .selectKey((k, v) -> v)
                .groupByKey(Grouped.with("by-value", Serdes.String(), Serdes.String()))
                .count(Materialized.as("counts"));
        builder.stream("other", Consumed.with(Serdes.String(), Serdes.String()).withName("other"))
                .to("out");
        return builder.build();
    }

    @Test
    void addsOneWatcherPerSourceAndKeepsSubtopologiesStoresAndTopics() {
        TopologyDescription before = topology().describe();
        TopologyDescription after =
                IdleCommits.addTo(topology(), Duration.ofMillis(500)).describe();

        assertEquals(shape(before), shape(after));
        Set<String> added = new TreeSet<>();
        for (TopologyDescription.Subtopology subtopology : after.subtopologies()) {
            for (TopologyDescription.Node node : subtopology.nodes()) {
                if (node.name().startsWith(IdleCommits.NODE_PREFIX)) {
                    added.add(node.name());
                    assertTrue(node instanceof TopologyDescription.Processor, node.toString());
                    TopologyDescription.Node parent = node.predecessors().iterator().next();
                    assertTrue(parent instanceof TopologyDescription.Source, parent.toString());
                    assertEquals(IdleCommits.NODE_PREFIX + parent.name(), node.name());
                }
            }
        }
        // Three sources: the two input topics and the repartition topic.
        assertEquals(3, added.size(), added.toString());
    }

    @Test
    void refusesANonPositiveIdleTime() {
        assertThrows(
                IllegalArgumentException.class, () -> IdleCommits.addTo(topology(), Duration.ZERO));
    }

    /** Per sub-topology id: its stores and the topics it reads and writes. */
    private static Map<Integer, String> shape(TopologyDescription description) {
        Map<Integer, String> shape = new HashMap<>();
        for (TopologyDescription.Subtopology subtopology : description.subtopologies()) {
            Set<String> parts = new TreeSet<>();
            for (TopologyDescription.Node node : subtopology.nodes()) {
                if (node instanceof TopologyDescription.Source source) {
                    parts.add("reads " + source.topicSet());
                } else if (node instanceof TopologyDescription.Sink sink) {
                    parts.add("writes " + sink.topic());
                } else if (node instanceof TopologyDescription.Processor processor) {
                    processor.stores().forEach(store -> parts.add("store " + store));
                }
            }
            shape.put(subtopology.id(), parts.toString());
        }
        return shape;
    }
}
