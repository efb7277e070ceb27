package ams.agents;

import ams.agents.state.AgentState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The layout of the {@value AgentTopology#HISTORY_STORE} store: every version of every agent under
 * the key {@code agentId NUL version} (version zero-padded to 19 digits), so one agent's versions
 * are adjacent and in order. The fold only appends (a put, no read); as-of is a reverse range scan
 * that stops at the first version valid at the instant, history a forward scan. A NUL sorts below
 * every character an agent id can hold, so no agent's range takes in another's.
 */
final class AgentHistory {

    private static final char SEPARATOR = '\u0000';
    private static final String LAST_VERSION = "9999999999999999999";

    private AgentHistory() {}

    static String key(String agentId, long version) {
        String digits = Long.toString(version);
        StringBuilder key =
                new StringBuilder(agentId.length() + 20).append(agentId).append(SEPARATOR);
        for (int i = digits.length(); i < LAST_VERSION.length(); i++) {
            key.append('0');
        }
        return key.append(digits).toString();
    }

    private static String first(String agentId) {
        return agentId + SEPARATOR;
    }

    private static String last(String agentId) {
        return agentId + SEPARATOR + LAST_VERSION;
    }

    /** The version valid at {@code at}: the newest whose validFrom is not after it, or null. */
    static AgentState asOf(
            ReadOnlyKeyValueStore<String, AgentState> store, String agentId, Instant at) {
        try (KeyValueIterator<String, AgentState> newestFirst =
                store.reverseRange(first(agentId), last(agentId))) {
            while (newestFirst.hasNext()) {
                AgentState state = newestFirst.next().value;
                if (!state.getValidFrom().isAfter(at)) {
                    return state;
                }
            }
        }
        return null;
    }

    /** Every version of the agent, oldest first; empty when it has none. */
    static List<AgentState> versions(
            ReadOnlyKeyValueStore<String, AgentState> store, String agentId) {
        List<AgentState> versions = new ArrayList<>();
        try (KeyValueIterator<String, AgentState> oldestFirst =
                store.range(first(agentId), last(agentId))) {
            while (oldestFirst.hasNext()) {
                KeyValue<String, AgentState> next = oldestFirst.next();
                versions.add(next.value);
            }
        }
        return versions;
    }
}
