package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.events.Envelopes;
import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.topics.TopicCatalogue;
import ams.knowledge.avro.DocumentRecord;
import ams.knowledge.avro.EdgeHistory;
import ams.knowledge.avro.IndexOperation;
import ams.knowledge.avro.IndexedDocument;
import ams.knowledge.avro.Interval;
import ams.knowledge.search.SearchIndex;
import ams.testkit.TestEvents;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The temporal graph is a function of the log, not of how the topology's input topics interleave.
 * Live, the indexer reads the chunks, agent and conversation topics as records arrive; a replay
 * reads them with everything already there (and the participation repartition late). Each topic's
 * own order is the same both times, so the graph stores must be too: ChaosIT compares their digests
 * live and after a replay.
 */
class GraphInterleavingTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final TopicCatalogue CATALOGUE = new TopicCatalogue("ttd.", 1, (short) 1);

    @Test
    void shouldFoldTheSameGraphWhateverTheOrderAcrossTopics(
            @TempDir Path byTime, @TempDir Path byTopic) {
        Map<String, Map<String, String>> live;
        try (Inputs inputs = new Inputs(byTime)) {
            // As the events happened: each reaches the indexer before the next one is written.
            inputs.document(added("d1", 1));
            inputs.conversation(requested(2));
            inputs.agent(TestEventsAt.deactivated(3));
            inputs.conversation(completed(4));
            inputs.agent(TestEventsAt.reactivated(5));
            inputs.document(added("d2", 6));
            inputs.document(removed("d1", 7));
            live = inputs.graphStores();
        }
        Map<String, Map<String, String>> replayed;
        try (Inputs inputs = new Inputs(byTopic)) {
            // A replay that happens to read all of agent-events first, then conversations, then
            // the chunks: the same records in each topic's own order.
            inputs.agent(TestEventsAt.deactivated(3));
            inputs.agent(TestEventsAt.reactivated(5));
            inputs.conversation(requested(2));
            inputs.conversation(completed(4));
            inputs.document(added("d1", 1));
            inputs.document(added("d2", 6));
            inputs.document(removed("d1", 7));
            replayed = inputs.graphStores();
        }
        assertEquals(live, replayed);
    }

    @Test
    void shouldCloseAnAgentsEdgesWhileItIsInactive(@TempDir Path state) {
        try (Inputs inputs = new Inputs(state)) {
            // Arrival order the opposite of event time across topics: the agent's deactivation is
            // read before the document and conversation it applies to.
            inputs.agent(TestEventsAt.deactivated(3));
            inputs.agent(TestEventsAt.reactivated(5));
            inputs.conversation(requested(2));
            inputs.conversation(completed(4));
            inputs.document(added("d1", 1));
            inputs.document(added("d2", 6));
            inputs.document(removed("d1", 7));
            Map<String, List<String>> edges = inputs.edges("agent:ann");
            assertEquals(
                    Map.of(
                            "has_knowledge out document:ann/d1",
                            List.of(interval(1, 3), interval(5, 7)),
                            "has_knowledge out document:ann/d2",
                            List.of(interval(6, -1)),
                            "participates_in out conversation:c1",
                            List.of(interval(2, 3))),
                    edges);
            assertEquals(
                    Map.of(
                            "participates_in in agent:ann",
                            List.of(interval(2, 3)),
                            "participates_in in agent:bob",
                            List.of(interval(2, 4)),
                            "mentions out topic:soup",
                            List.of(interval(2, -1))),
                    inputs.edges("conversation:c1"));
            assertEquals(
                    Map.of("has_knowledge in agent:ann", List.of(interval(1, 3), interval(5, 7))),
                    inputs.edges("document:ann/d1"));
        }
    }

    private static Instant hour(int hours) {
        return T0.plusSeconds(hours * 3600L);
    }

    /** {@code [from, to)} as {@link Interval#toString()} prints it; {@code to} -1 = still open. */
    private static String interval(int from, int to) {
        return Interval.newBuilder()
                .setValidFrom(hour(from))
                .setValidTo(to < 0 ? null : hour(to))
                .build()
                .toString();
    }

    private static IndexedDocument added(String documentId, int hours) {
        Instant at = hour(hours);
        return IndexedDocument.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(at)
                .setAgentId("ann")
                .setDocumentId(documentId)
                .setOperation(IndexOperation.UPSERT)
                .setDocument(
                        DocumentRecord.newBuilder()
                                .setKbId("kb-ann")
                                .setAgentId("ann")
                                .setDocumentId(documentId)
                                .setTitle(documentId)
                                .setContent("")
                                .setCreatedAt(at)
                                .setUpdatedAt(at)
                                .setModel("none")
                                .setDimension(0)
                                .setChunkCount(0)
                                .build())
                .setChunks(List.of())
                .build();
    }

    private static IndexedDocument removed(String documentId, int hours) {
        return IndexedDocument.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(hour(hours))
                .setAgentId("ann")
                .setDocumentId(documentId)
                .setOperation(IndexOperation.REMOVE)
                .build();
    }

    private static ConversationEvent requested(int hours) {
        return at(TestEvents.conversationRequested("c1", "soup", 4, "ann", "bob"), hours);
    }

    private static ConversationEvent completed(int hours) {
        return at(TestEvents.completed("c1", 4), hours);
    }

    private static ConversationEvent at(ConversationEvent event, int hours) {
        return ConversationEvent.newBuilder(event)
                .setEnvelope(Envelopes.create("test", hour(hours)))
                .build();
    }

    /** Agent events of {@code ann} at hour offsets. */
    private static final class TestEventsAt {
        static AgentEvent deactivated(int hours) {
            return Events.deactivated("ann", hour(hours));
        }

        static AgentEvent reactivated(int hours) {
            return Events.reactivated("ann", hour(hours));
        }
    }

    /** One topology under a test driver, with its three inputs. */
    private static final class Inputs implements AutoCloseable {
        private final TopologyTestDriver driver;
        private final TestInputTopic<String, IndexedDocument> chunks;
        private final TestInputTopic<String, AgentEvent> agents;
        private final TestInputTopic<String, ConversationEvent> conversations;

        Inputs(Path stateDir) {
            KnowledgeTopics topics = new KnowledgeTopics(CATALOGUE, "ttd.", 1, (short) 1);
            Properties props = new Properties();
            // Own state dir: concurrent test JVMs must not share /tmp/kafka-streams/<app id>.
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "graph-interleaving-test");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
            driver =
                    new TopologyTestDriver(
                            KnowledgeTopology.buildTopology(
                                    topics, "graph-interleaving-test", new SearchIndex()),
                            props);
            chunks =
                    driver.createInputTopic(
                            topics.chunks().name(),
                            new StringSerializer(),
                            topics.chunks().valueSerde().serializer());
            agents =
                    driver.createInputTopic(
                            CATALOGUE.agentEvents().name(),
                            new StringSerializer(),
                            CATALOGUE.agentEvents().valueSerde().serializer());
            conversations =
                    driver.createInputTopic(
                            CATALOGUE.conversationEvents().name(),
                            new StringSerializer(),
                            CATALOGUE.conversationEvents().valueSerde().serializer());
        }

        void document(IndexedDocument document) {
            chunks.pipeInput(document.getAgentId(), document, document.getOccurredAt());
        }

        void agent(AgentEvent event) {
            agents.pipeInput(event.getAgentId(), event, event.getEnvelope().getOccurredAt());
        }

        void conversation(ConversationEvent event) {
            conversations.pipeInput(
                    event.getConversationId(), event, event.getEnvelope().getOccurredAt());
        }

        /** Every entry of every graph store, by store then key, values as text. */
        Map<String, Map<String, String>> graphStores() {
            Map<String, Map<String, String>> stores = new TreeMap<>();
            for (Map.Entry<String, StateStore> store : driver.getAllStateStores().entrySet()) {
                if (store.getKey().startsWith("graph")) {
                    Map<String, String> entries = new TreeMap<>();
                    each(
                            driver.getKeyValueStore(store.getKey()),
                            entry -> entries.put(entry.key, String.valueOf(entry.value)));
                    stores.put(store.getKey(), entries);
                }
            }
            return stores;
        }

        /** The node's edges as "relation direction other" → intervals. */
        Map<String, List<String>> edges(String node) {
            Map<String, List<String>> edges = new TreeMap<>();
            KeyValueStore<String, EdgeHistory> graph =
                    driver.getKeyValueStore(KnowledgeTopology.GRAPH_STORE);
            each(
                    graph,
                    entry -> {
                        String[] parts = entry.key.split(String.valueOf(StoreKeys.SEPARATOR));
                        if (parts[0].equals(node)) {
                            List<String> intervals = new ArrayList<>();
                            entry.value.getIntervals().forEach(i -> intervals.add(i.toString()));
                            edges.put(parts[1] + " " + parts[2] + " " + parts[3], intervals);
                        }
                    });
            return edges;
        }

        private static <V> void each(
                KeyValueStore<String, V> store, Consumer<KeyValue<String, V>> action) {
            try (KeyValueIterator<String, V> all = store.all()) {
                all.forEachRemaining(action);
            }
        }

        @Override
        public void close() {
            driver.close();
        }
    }
}
