package ams.conversations.jobs;

import java.util.List;

/**
 * A job's bookkeeping, the value of the {@code jobs} store: how far the driver has got (the next
 * index to start), which conversations are in flight, and what became of the finished ones. Its
 * size is bounded by the job's concurrency, not by its total: conversations are expanded lazily by
 * index from the job's definition in {@code job-specs}. Times are event times (record timestamps),
 * so a replay folds the same state.
 *
 * @param running indexes in flight, ascending (at most {@code concurrency})
 * @param cancelRequested a JobCancelled was applied: nothing more starts
 * @param finishedAt when the last conversation ended, or null while the job is live
 */
public record JobState(
        String jobId,
        String name,
        int total,
        int concurrency,
        long submittedAt,
        int nextIndex,
        List<Integer> running,
        int done,
        int failed,
        int cancelled,
        long turnsDone,
        boolean cancelRequested,
        String cancelReason,
        long lastProgressAt,
        Long finishedAt) {

    public JobState {
        running = List.copyOf(running);
    }

    /** Conversations not started yet (and, once the job is cancelled, never to be started). */
    public int pending() {
        return total - nextIndex;
    }

    public String status() {
        if (finishedAt == null) {
            return cancelRequested ? "CANCELLING" : "RUNNING";
        }
        return cancelRequested ? "CANCELLED" : "COMPLETED";
    }

    public int ended() {
        return done + failed + cancelled;
    }
}
