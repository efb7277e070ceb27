package ams.agents;

import ams.events.DeadLetterReason;
import ams.service.fate.Fate;

/**
 * What became of one agent event: applied at a version ({@code reason} null), or rejected with the
 * dead letter's reason.
 */
record EventFate(String agentId, long version, DeadLetterReason reason, String detail)
        implements Fate {

    static EventFate applied(String agentId, long version) {
        return new EventFate(agentId, version, null, null);
    }

    static EventFate rejected(String agentId, DeadLetterReason reason, String detail) {
        return new EventFate(agentId, 0, reason, detail);
    }

    @Override
    public String json(String eventId) {
        String head =
                Fate.head(eventId, "agent", reason == null ? "applied" : "rejected")
                        + ",\"agent_id\":"
                        + Fate.quote(agentId);
        return reason == null
                ? head + ",\"version\":" + version + "}"
                : head + Fate.rejection(reason.name(), detail);
    }
}
