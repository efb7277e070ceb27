package ams.agents;

import ams.agents.state.ActivityDelta;
import ams.agents.state.AgentActivity;
import ams.agents.state.AgentState;
import ams.events.serde.SingleObjectSerde;

/** Serdes of this module's own Avro records (store values and the activity repartition topic). */
final class AgentSerdes {

    private AgentSerdes() {}

    public static SingleObjectSerde<AgentState> agentState() {
        return new SingleObjectSerde<>(AgentState.class);
    }

    public static SingleObjectSerde<AgentActivity> activity() {
        return new SingleObjectSerde<>(AgentActivity.class);
    }

    public static SingleObjectSerde<ActivityDelta> activityDelta() {
        return new SingleObjectSerde<>(ActivityDelta.class);
    }
}
