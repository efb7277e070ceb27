package ams.agents;

import ams.agents.state.AgentState;
import ams.events.DeadLetterReason;

/** What applying one event to an agent gives: the new state, or a rejection with a reason. */
sealed interface FoldResult {

    record Applied(AgentState state) implements FoldResult {}

    record Rejected(DeadLetterReason reason, String detail) implements FoldResult {}

    static FoldResult rejected(DeadLetterReason reason, String detail) {
        return new Rejected(reason, detail);
    }
}
