package ams.agents;

import ams.events.DeadLetterReason;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * What became of one agent event, as the JSON {@code GET /events/{event_id}} answers: applied at a
 * version, or rejected with the dead letter's reason. Kept as JSON text so the route answers it as
 * stored, without a parse and a rewrite.
 */
final class EventFate {

    private EventFate() {}

    static String applied(String eventId, String agentId, long version) {
        return "{\"event_id\":"
                + quote(eventId)
                + ",\"agent_id\":"
                + quote(agentId)
                + ",\"status\":\"applied\",\"version\":"
                + version
                + "}";
    }

    static String rejected(String eventId, String agentId, DeadLetterReason reason, String detail) {
        return "{\"event_id\":"
                + quote(eventId)
                + ",\"agent_id\":"
                + quote(agentId)
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
