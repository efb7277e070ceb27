package ams.conversations.http;

/**
 * The optional body of {@code POST /conversations/{id}/cancel}: why, and who asks. Absent fields
 * take the defaults a bodiless cancel gets.
 */
public record CancelRequest(String reason, String requestedBy) {

    public static final String DEFAULT_REASON = "cancelled by request";
    public static final String DEFAULT_REQUESTED_BY = "rest";

    public CancelRequest {
        if (reason == null) {
            reason = DEFAULT_REASON;
        }
        if (requestedBy == null) {
            requestedBy = DEFAULT_REQUESTED_BY;
        }
    }

    /** The request of a cancel sent without a body. */
    public static CancelRequest byDefault() {
        return new CancelRequest(null, null);
    }
}
