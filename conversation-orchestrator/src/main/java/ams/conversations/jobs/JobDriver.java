package ams.conversations.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The job driver's bookkeeping as a pure function, {@code (state, input) -> step}: which
 * conversations to start (by index) and which to cancel. The topology around it stores the state
 * and publishes the step's conversations in the same exactly-once transaction, so a crash either
 * keeps both or neither; indexes map to deterministic conversation ids, so each conversation of a
 * job is requested once (a repeated request for the same id is a no-op in the state machine).
 *
 * <p>Only the first end of an index in flight counts: a second terminal event for it (a late cancel
 * of a completed conversation, a resumed failed one completing later) changes nothing.
 */
public final class JobDriver {

    /** What moves a job. */
    public sealed interface Input permits Submitted, Ended, Turn, Cancel {}

    /** A job starts: nothing submitted twice (the second JobSubmitted for an id is ignored). */
    public record Submitted(String jobId, String name, int total, int concurrency, long at)
            implements Input {}

    /** How a conversation of the job ended. */
    public enum Outcome {
        DONE,
        FAILED,
        CANCELLED
    }

    public record Ended(int index, Outcome outcome, long at) implements Input {}

    /** An agent's turn appended in a conversation of the job (for turns done and turns/s). */
    public record Turn(int index, long at) implements Input {}

    public record Cancel(String reason, boolean cancelRunning, long at) implements Input {}

    /**
     * The state to store (null: unchanged), the indexes to start and the indexes to cancel, both
     * ascending.
     */
    public record Step(JobState state, List<Integer> start, List<Integer> cancel) {
        static Step unchanged() {
            return new Step(null, List.of(), List.of());
        }
    }

    private JobDriver() {}

    public static Step apply(JobState state, Input input) {
        if (input instanceof Submitted s) {
            if (state != null) {
                return Step.unchanged(); // a retried submission, already applied
            }
            JobState fresh =
                    new JobState(
                            s.jobId(),
                            s.name(),
                            s.total(),
                            s.concurrency(),
                            s.at(),
                            0,
                            List.of(),
                            0,
                            0,
                            0,
                            0,
                            false,
                            null,
                            s.at(),
                            s.total() == 0 ? s.at() : null);
            return fill(fresh, List.of());
        }
        if (state == null) {
            return Step.unchanged(); // progress of a conversation whose id only looks like a job's
        }
        if (input instanceof Ended e) {
            return ended(state, e);
        }
        if (input instanceof Turn t) {
            return turn(state, t);
        }
        return cancel(state, (Cancel) input);
    }

    private static Step ended(JobState s, Ended e) {
        if (!s.running().contains(e.index())) {
            return Step.unchanged();
        }
        List<Integer> running = new ArrayList<>(s.running());
        running.remove(Integer.valueOf(e.index()));
        JobState next =
                new JobState(
                        s.jobId(),
                        s.name(),
                        s.total(),
                        s.concurrency(),
                        s.submittedAt(),
                        s.nextIndex(),
                        running,
                        s.done() + (e.outcome() == Outcome.DONE ? 1 : 0),
                        s.failed() + (e.outcome() == Outcome.FAILED ? 1 : 0),
                        s.cancelled() + (e.outcome() == Outcome.CANCELLED ? 1 : 0),
                        s.turnsDone(),
                        s.cancelRequested(),
                        s.cancelReason(),
                        Math.max(s.lastProgressAt(), e.at()),
                        null);
        return fill(next, List.of());
    }

    private static Step turn(JobState s, Turn t) {
        if (!s.running().contains(t.index())) {
            return Step.unchanged();
        }
        return new Step(
                new JobState(
                        s.jobId(),
                        s.name(),
                        s.total(),
                        s.concurrency(),
                        s.submittedAt(),
                        s.nextIndex(),
                        s.running(),
                        s.done(),
                        s.failed(),
                        s.cancelled(),
                        s.turnsDone() + 1,
                        s.cancelRequested(),
                        s.cancelReason(),
                        Math.max(s.lastProgressAt(), t.at()),
                        s.finishedAt()),
                List.of(),
                List.of());
    }

    private static Step cancel(JobState s, Cancel c) {
        if (s.cancelRequested() || s.finishedAt() != null) {
            return Step.unchanged();
        }
        JobState next =
                new JobState(
                        s.jobId(),
                        s.name(),
                        s.total(),
                        s.concurrency(),
                        s.submittedAt(),
                        s.nextIndex(),
                        s.running(),
                        s.done(),
                        s.failed(),
                        s.cancelled(),
                        s.turnsDone(),
                        true,
                        c.reason(),
                        Math.max(s.lastProgressAt(), c.at()),
                        null);
        return fill(next, c.cancelRunning() ? s.running() : List.of());
    }

    /**
     * Starts conversations while there is room and work, and marks the job finished when nothing is
     * in flight and nothing more will start.
     */
    private static Step fill(JobState s, List<Integer> cancel) {
        TreeSet<Integer> running = new TreeSet<>(s.running());
        List<Integer> start = new ArrayList<>();
        int next = s.nextIndex();
        while (!s.cancelRequested() && next < s.total() && running.size() < s.concurrency()) {
            running.add(next);
            start.add(next);
            next++;
        }
        boolean finished = running.isEmpty() && (s.cancelRequested() || next >= s.total());
        JobState after =
                new JobState(
                        s.jobId(),
                        s.name(),
                        s.total(),
                        s.concurrency(),
                        s.submittedAt(),
                        next,
                        List.copyOf(running),
                        s.done(),
                        s.failed(),
                        s.cancelled(),
                        s.turnsDone(),
                        s.cancelRequested(),
                        s.cancelReason(),
                        s.lastProgressAt(),
                        s.finishedAt() != null
                                ? s.finishedAt()
                                : finished ? s.lastProgressAt() : null);
        return new Step(after, start, List.copyOf(cancel));
    }
}
