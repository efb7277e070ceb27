package ams.knowledge;

import ams.events.conversation.ConversationEvent;
import ams.events.streams.EventDecoding;
import ams.knowledge.avro.EdgeHistory;
import ams.knowledge.avro.GraphSignal;
import ams.knowledge.graph.AgentActivityNode;
import ams.knowledge.graph.AgentGraphProcessor;
import ams.knowledge.graph.ConversationGraphProcessor;
import ams.knowledge.graph.EdgeFoldProcessor;
import ams.knowledge.graph.EdgeIntervals;
import ams.knowledge.graph.GraphNodes;
import ams.knowledge.search.SearchIndex;
import ams.service.fate.FateLog;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The indexer's Kafka Streams topology. Three stages:
 *
 * <ol>
 *   <li>keyed by agentId: indexed documents fold into {@code documents} and {@code chunks} (and the
 *       in-memory search index); their has_knowledge signals and the conversation participations
 *       fold into {@code graph-links}, agent lifecycle events into {@code graph-agent-inactivity},
 *       and every edge whose validity changed is emitted whole (links minus inactivity);
 *   <li>keyed by conversationId: {@code graph-conversations} turns conversations into
 *       participations (repartitioned by agent) and topic mentions;
 *   <li>keyed by node: every edge history, once per endpoint, replaces the edge in {@code graph}.
 * </ol>
 *
 * <p>The graph is a function of each input partition's own order, never of how the inputs
 * interleave (which differs between the live run and a replay): see {@link AgentGraphProcessor}.
 */
final class KnowledgeTopology {

    public static final String DOCUMENTS_STORE = "documents";
    public static final String CHUNKS_STORE = "chunks";
    public static final String DOCUMENT_VERSIONS_STORE = "document-versions";
    public static final String GRAPH_STORE = "graph";
    public static final String AGENT_INACTIVITY_STORE = "graph-agent-inactivity";
    public static final String LINKS_STORE = "graph-links";
    public static final String CONVERSATION_GRAPH_STORE = "graph-conversations";

    private KnowledgeTopology() {}

    public static Topology buildTopology(
            KnowledgeTopics topics, String application, SearchIndex index) {
        return buildTopology(topics, application, index, new ServedStores(), false, new FateLog());
    }

    /**
     * Builds the knowledge-indexer topology (pure: no wiring, no start).
     *
     * @param readOnly a rebuild from the log (replay): the same stores, but undecodable agent and
     *     conversation events are skipped instead of dead-lettered again (they were when they
     *     arrived)
     * @param served where the index fold registers the partitions of the stores a search reads
     * @param fates where the index fold records what each knowledge write did, for {@code GET
     *     /events/{event_id}}
     */
    public static Topology buildTopology(
            KnowledgeTopics topics,
            String application,
            SearchIndex index,
            ServedStores served,
            boolean readOnly,
            FateLog fates) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<String> strings = Serdes.String();
        Serde<GraphSignal> signals = KnowledgeSerdes.graphSignals();
        Serde<EdgeHistory> edges = KnowledgeSerdes.edges();
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(DOCUMENTS_STORE),
                        strings,
                        KnowledgeSerdes.documents()));
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(CHUNKS_STORE),
                        strings,
                        KnowledgeSerdes.chunks()));
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(DOCUMENT_VERSIONS_STORE),
                        strings,
                        KnowledgeSerdes.indexedDocuments()));
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(AGENT_INACTIVITY_STORE),
                        strings,
                        KnowledgeSerdes.agentInactivity()));
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(LINKS_STORE),
                        strings,
                        KnowledgeSerdes.edges()));
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(CONVERSATION_GRAPH_STORE),
                        strings,
                        KnowledgeSerdes.conversationGraphStates()));
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(GRAPH_STORE),
                        strings,
                        KnowledgeSerdes.edges()));

        // Stage 1: documents and chunks.
        KStream<String, GraphSignal> knowledgeEdges =
                builder.stream(
                                topics.chunks().name(),
                                Consumed.with(
                                                topics.chunks().keySerde(),
                                                topics.chunks().valueSerde())
                                        .withName("chunks-source"))
                        .process(
                                () -> new IndexFoldProcessor(index, served, fates),
                                Named.as("index-fold"),
                                DOCUMENTS_STORE,
                                CHUNKS_STORE,
                                DOCUMENT_VERSIONS_STORE);

        // Agent events: only deactivations and reactivations matter here (AgentActivityNode).
        String agentBase = EventDecoding.nodeBase(topics.catalogue().agentEvents());
        String activitySignals = "agent-activity-signals";
        String agentDeadLetters = agentBase + "-to-dead-letter";
        KStream<Object, Object> agentOutcomes =
                EventDecoding.raw(builder, topics.catalogue().agentEvents())
                        .process(
                                () ->
                                        new AgentActivityNode(
                                                application, activitySignals, agentDeadLetters),
                                Named.as("agent-activity"));
        EventDecoding.deadLetterChild(
                agentOutcomes,
                agentDeadLetters,
                topics.catalogue().deadLetters(),
                agentBase,
                !readOnly);
        KStream<String, GraphSignal> agentActivity =
                agentOutcomes.map(
                        (key, signal) -> KeyValue.pair((String) key, (GraphSignal) signal),
                        Named.as(activitySignals));

        // Stage 2: conversations.
        var byRelation =
                EventDecoding.decode(
                                builder,
                                topics.catalogue().conversationEvents(),
                                topics.catalogue().deadLetters(),
                                application,
                                ConversationEvent::getEnvelope,
                                !readOnly)
                        .process(
                                () -> new ConversationGraphProcessor(CONVERSATION_GRAPH_STORE),
                                Named.as("conversation-graph"),
                                CONVERSATION_GRAPH_STORE)
                        .split(Named.as("conversation-edges-"))
                        .branch(
                                (key, signal) ->
                                        GraphNodes.PARTICIPATES_IN.equals(signal.getRelation()),
                                Branched.as("participation"))
                        .defaultBranch(Branched.as("mentions"));
        KStream<String, GraphSignal> participation =
                byRelation
                        .get("conversation-edges-participation")
                        .repartition(
                                Repartitioned.<String, GraphSignal>as(
                                                "graph-participation-by-agent")
                                        .withKeySerde(strings)
                                        .withValueSerde(signals));

        KStream<String, EdgeHistory> agentEdges =
                knowledgeEdges
                        .merge(agentActivity, Named.as("agent-signals-merge"))
                        .merge(participation, Named.as("agent-signals-merge-participation"))
                        .process(
                                () -> new AgentGraphProcessor(AGENT_INACTIVITY_STORE, LINKS_STORE),
                                Named.as("agent-graph"),
                                AGENT_INACTIVITY_STORE,
                                LINKS_STORE);
        // A mention opens once (graph-conversations keeps one per conversation) and never ends.
        KStream<String, EdgeHistory> mentions =
                byRelation
                        .get("conversation-edges-mentions")
                        .mapValues(
                                signal ->
                                        EdgeIntervals.openSince(
                                                signal.getRelation(),
                                                signal.getFrom(),
                                                signal.getTo(),
                                                signal.getAt()),
                                Named.as("mention-edges"));

        // Stage 3: one record per endpoint, replacing the edge at the node. Named apart from the
        // earlier graph-edges-by-node (GraphSignal deltas), whose records this cannot read.
        agentEdges
                .merge(mentions, Named.as("edge-histories-merge"))
                .flatMap(
                        (key, edge) ->
                                List.of(
                                        KeyValue.pair(edge.getFrom(), edge),
                                        KeyValue.pair(edge.getTo(), edge)),
                        Named.as("edge-endpoints"))
                .repartition(
                        Repartitioned.<String, EdgeHistory>as("graph-edge-histories-by-node")
                                .withKeySerde(strings)
                                .withValueSerde(edges))
                .process(
                        () -> new EdgeFoldProcessor(GRAPH_STORE),
                        Named.as("edge-fold"),
                        GRAPH_STORE);
        return builder.build();
    }
}
