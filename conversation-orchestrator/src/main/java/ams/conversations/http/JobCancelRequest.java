package ams.conversations.http;

/**
 * The optional body of {@code POST /jobs/{id}/cancel}. {@code cancel_running} (default true) also
 * cancels the conversations in flight, as {@code POST /conversations/{id}/cancel} would; false lets
 * them finish and only stops new ones from starting.
 */
public record JobCancelRequest(String reason, String requestedBy, Boolean cancelRunning) {

    public JobCancelRequest {
        if (reason == null) {
            reason = CancelRequest.DEFAULT_REASON;
        }
        if (requestedBy == null) {
            requestedBy = CancelRequest.DEFAULT_REQUESTED_BY;
        }
        if (cancelRunning == null) {
            cancelRunning = true;
        }
    }

    public static JobCancelRequest byDefault() {
        return new JobCancelRequest(null, null, null);
    }
}
