package ams.agents;

import ams.agents.state.AgentActivity;
import ams.agents.state.AgentState;
import ams.events.DeadLetter;
import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.streams.Decoded;
import ams.events.streams.EventDecoding;
import ams.events.topics.TopicCatalogue;
import ams.service.fate.FateLog;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The agent processor's topology: agent-events folded into the stores {@value #AGENTS_STORE}
 * (current row per agent) and {@value #HISTORY_STORE} (every version, for as-of and history, laid
 * out by {@link AgentHistory}); conversation-events repartitioned by agentId into {@value
 * #ACTIVITY_STORE}, each conversation's request counted once ({@value #REQUESTED_STORE}). Anything
 * that cannot be decoded or applied goes to dead-letters with its original bytes.
 */
final class AgentTopology {

    public static final String AGENTS_STORE = "agents";

    /**
     * Every version of every agent. Append-only, not cached; it replaced a versioned store named
     * "agent-versions", whose every put read and rewrote the agent's older versions.
     */
    public static final String HISTORY_STORE = "agent-history";

    public static final String ACTIVITY_STORE = "agent-activity";

    /**
     * Conversations whose request activity has counted (conversationId to the request's offset).
     */
    public static final String REQUESTED_STORE = "agent-activity-requested";

    private AgentTopology() {}

    static Topology buildTopology(
            TopicCatalogue catalogue,
            AgentProcessorConfig config,
            ServedAgents served,
            FateLog fates) {
        return buildTopology(
                catalogue,
                config.getString(AgentProcessorConfig.APPLICATION_ID),
                config.maxTextBytes(),
                config.maxConfigBytes(),
                config.readOnly(),
                served,
                fates);
    }

    public static Topology buildTopology(
            TopicCatalogue catalogue, String application, int maxTextBytes, int maxConfigBytes) {
        return buildTopology(
                catalogue,
                application,
                maxTextBytes,
                maxConfigBytes,
                false,
                new ServedAgents(),
                new FateLog());
    }

    /**
     * Builds the agent-processor topology from its settings (pure: no wiring, no start).
     *
     * @param application the application id, which names this processor on its dead letters
     * @param readOnly a rebuild from the log (replay): the same stores, but no dead letters, which
     *     were written when the events first arrived; a rebuild appends nothing to the log
     * @param served where the fold registers the partitions of its stores that queries read
     * @param fates where the fold records what became of each event, for {@code GET /events/{id}}
     */
    static Topology buildTopology(
            TopicCatalogue catalogue,
            String application,
            int maxTextBytes,
            int maxConfigBytes,
            boolean readOnly,
            ServedAgents served,
            FateLog fates) {
        StreamsBuilder builder = new StreamsBuilder();
        // Cached: several events of one agent within a commit interval reach RocksDB and the
        // changelog once. One serde for both stores: each applied event puts the same state into
        // both, encoded once.
        LastValueSerde<AgentState> states = new LastValueSerde<>(AgentSerdes.agentState());
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(AGENTS_STORE),
                                Serdes.String(),
                                states)
                        .withCachingEnabled());
        // Puts only, each under its own key, so not cached: a record cache saves nothing on keys
        // written once, and its bookkeeping (a sorted map, evictions that flush one entry at a time
        // once it is full) took a sixth of the fold's time in a profile of the agents benchmark,
        // besides crowding the current rows out of the cache.
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(HISTORY_STORE), Serdes.String(), states));

        AgentFold fold =
                new AgentFold(new AgentConfigDocument(Json.mapper()), maxTextBytes, maxConfigBytes);
        EventDecoding.Decoder<AgentEvent> decoder =
                new EventDecoding.Decoder<>(
                        catalogue.agentEvents(), application, AgentEvent::getEnvelope);
        KStream<byte[], DeadLetter> rejected =
                EventDecoding.raw(builder, catalogue.agentEvents())
                        .process(
                                () ->
                                        new AgentFoldProcessor(
                                                fold, decoder, application, served, fates),
                                Named.as("agents-fold"),
                                AGENTS_STORE,
                                HISTORY_STORE);
        if (!readOnly) {
            rejected.to(
                    catalogue.deadLetters().name(),
                    Produced.with(
                                    catalogue.deadLetters().keySerde(),
                                    catalogue.deadLetters().valueSerde())
                            .withName("agents-fold-dead-letters-sink"));
        }

        KStream<String, Decoded<ConversationEvent>> conversationEvents =
                EventDecoding.decode(
                        builder,
                        catalogue.conversationEvents(),
                        catalogue.deadLetters(),
                        application,
                        ConversationEvent::getEnvelope,
                        !readOnly);
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(REQUESTED_STORE),
                                Serdes.String(),
                                Serdes.Long())
                        .withCachingEnabled());
        conversationEvents
                .processValues(
                        () -> new FirstRequestOnly(REQUESTED_STORE),
                        Named.as("agent-activity-first-request"),
                        REQUESTED_STORE)
                .flatMap(
                        (conversationId, decoded) -> ActivityFold.deltas(decoded.event()),
                        Named.as("agent-activity-deltas"))
                .groupByKey(
                        Grouped.with(
                                "agent-activity-by-agent",
                                Serdes.String(),
                                AgentSerdes.activityDelta()))
                .aggregate(
                        ActivityFold::empty,
                        ActivityFold::add,
                        Named.as("agent-activity-aggregate"),
                        Materialized.<String, AgentActivity, KeyValueStore<Bytes, byte[]>>as(
                                        ACTIVITY_STORE)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(AgentSerdes.activity()));
        return builder.build();
    }
}
