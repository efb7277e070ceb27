package ams.agents;

import ams.agents.state.AgentState;
import ams.events.streams.ActiveStores;

/**
 * This instance's running partitions of the {@code agents} and {@code agent-history} stores,
 * registered by the fold that writes them: {@code GET /agents/{id}} and the history routes read
 * them directly instead of through a {@code KafkaStreams.store} handle, which finds the tasks again
 * at every read.
 */
final class ServedAgents {

    final ActiveStores<String, AgentState> agents = new ActiveStores<>(AgentTopology.AGENTS_STORE);
    final ActiveStores<String, AgentState> history =
            new ActiveStores<>(AgentTopology.HISTORY_STORE);
}
