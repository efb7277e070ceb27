package ams.agents;

import ams.events.DeadLetterReason;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * What became of one agent event: applied at a version ({@code reason} null), or rejected with the
 * dead letter's reason. Kept as these few fields and written as the JSON {@code GET
 * /events/{event_id}} answers only when asked, so the fold spends nothing on text per event.
 */
record EventFate(String agentId, long version, DeadLetterReason reason, String detail) {

    static EventFate applied(String agentId, long version) {
        return new EventFate(agentId, version, null, null);
    }

    static EventFate rejected(String agentId, DeadLetterReason reason, String detail) {
        return new EventFate(agentId, 0, reason, detail);
    }

    /** The answer of {@code GET /events/{eventId}}. */
    String json(String eventId) {
        String head = "{\"event_id\":" + quote(eventId) + ",\"agent_id\":" + quote(agentId);
        return reason == null
                ? head + ",\"status\":\"applied\",\"version\":" + version + "}"
                : head
                        + ",\"status\":\"rejected\",\"reason\":"
                        + quote(reason.name())
                        + ",\"detail\":"
                        + quote(detail)
                        + "}";
    }

    private static String quote(String text) {
        if (text == null) {
            return "null";
        }
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }
}
