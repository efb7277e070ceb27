package ams.agents;

import ams.agents.state.AgentState;
import ams.events.DeadLetterReason;
import com.fasterxml.jackson.databind.JsonNode;

/** What applying one event to an agent gives: the new state, or a rejection with a reason. */
sealed interface FoldResult {

    /**
     * The new state, and its configuration document already parsed when the fold had it in hand
     * (null when it did not need it), so the next event of the agent need not parse it again.
     */
    record Applied(AgentState state, JsonNode config) implements FoldResult {}

    record Rejected(DeadLetterReason reason, String detail) implements FoldResult {}

    static FoldResult rejected(DeadLetterReason reason, String detail) {
        return new Rejected(reason, detail);
    }
}
