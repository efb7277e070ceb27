package ams.conversations.http;

import ams.conversations.jobs.JobState;
import ams.events.JobIds;
import ams.service.http.ServiceJson;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The status view of a job: counts from its bookkeeping, rates and ETA over the wall clock. Rates
 * are measured from the submission to now (to the end, for a finished job); the ETA assumes the
 * conversations still to finish take as long, on average, as those finished so far.
 */
final class JobJson {

    private JobJson() {}

    static ObjectNode job(JobState s, long now) {
        ObjectNode o = ServiceJson.mapper().createObjectNode();
        o.put("job_id", s.jobId());
        if (s.name() == null) {
            o.putNull("name");
        } else {
            o.put("name", s.name());
        }
        o.put("status", s.status());
        o.put("total", s.total());
        o.put("concurrency", s.concurrency());
        o.put("done", s.done());
        o.put("failed", s.failed());
        o.put("cancelled", s.cancelled());
        o.put("running", s.running().size());
        o.put("pending", s.cancelRequested() ? 0 : s.pending());
        o.put("not_started", s.cancelRequested() ? s.pending() : 0);
        o.put("turns_done", s.turnsDone());
        long end = s.finishedAt() != null ? s.finishedAt() : Math.max(now, s.submittedAt());
        double seconds = Math.max(end - s.submittedAt(), 1) / 1000.0;
        o.put("elapsed_ms", end - s.submittedAt());
        o.put("turns_per_second", round(s.turnsDone() / seconds));
        o.put("conversations_per_second", round(s.ended() / seconds));
        int remaining = s.cancelRequested() ? s.running().size() : s.total() - s.ended();
        if (s.finishedAt() != null) {
            o.put("eta_seconds", 0);
        } else if (s.ended() == 0) {
            o.putNull("eta_seconds");
        } else {
            o.put("eta_seconds", Math.round(remaining / (s.ended() / seconds)));
        }
        o.put("submitted_at", java.time.Instant.ofEpochMilli(s.submittedAt()).toString());
        if (s.finishedAt() == null) {
            o.putNull("finished_at");
        } else {
            o.put("finished_at", java.time.Instant.ofEpochMilli(s.finishedAt()).toString());
        }
        if (s.cancelReason() == null) {
            o.putNull("cancel_reason");
        } else {
            o.put("cancel_reason", s.cancelReason());
        }
        o.put(
                "conversation_id_pattern",
                JobIds.conversationId(s.jobId(), 0).replace("000000", "NNNNNN"));
        var running = o.putArray("running_conversations");
        s.running().forEach(i -> running.add(JobIds.conversationId(s.jobId(), i)));
        return o;
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
