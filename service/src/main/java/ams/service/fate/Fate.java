package ams.service.fate;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * What became of one accepted write (an event), as the processor that settled it keeps it: its few
 * fields, written as the JSON {@code GET /events/{event_id}} answers only when asked, so the fold
 * spends nothing on text per event.
 *
 * <p>Every answer has {@code event_id}, {@code kind} (agent, knowledge, conversation) and {@code
 * status}: {@code applied} with what the write produced, or {@code rejected} with the dead letter's
 * {@code reason} (its code) and {@code detail}.
 */
public interface Fate {

    /** The answer of {@code GET /events/{eventId}}. */
    String json(String eventId);

    /** {@code text} as a JSON string literal; {@code null} for null. */
    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }

    /** The opening fields every fate answer shares, without the closing brace. */
    static String head(String eventId, String kind, String status) {
        return "{\"event_id\":"
                + quote(eventId)
                + ",\"kind\":"
                + quote(kind)
                + ",\"status\":"
                + quote(status);
    }

    /** The fields of a rejection, after {@link #head}, closing the object. */
    static String rejection(String reason, String detail) {
        return ",\"reason\":" + quote(reason) + ",\"detail\":" + quote(detail) + "}";
    }
}
