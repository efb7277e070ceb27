package ams.conversations.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.jobs.JobDriver.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobDriverTest {

    @Test
    void shouldKeepAtMostConcurrencyInFlightAndStartEachIndexOnce() {
        JobDriver.Step step = JobDriver.apply(null, new JobDriver.Submitted("j", null, 5, 2, 1));
        assertEquals(List.of(0, 1), step.start());
        JobState s = step.state();
        List<Integer> started = new ArrayList<>(step.start());
        int at = 2;
        while (s.finishedAt() == null) {
            int first = s.running().get(0);
            s = apply(s, new JobDriver.Turn(first, at++), started);
            s = apply(s, new JobDriver.Ended(first, Outcome.DONE, at++), started);
            assertTrue(s.running().size() <= 2);
        }
        assertEquals(List.of(0, 1, 2, 3, 4), started);
        assertEquals(5, s.done());
        assertEquals(5, s.turnsDone());
        assertEquals("COMPLETED", s.status());
        assertEquals(0, s.pending());
    }

    @Test
    void shouldIgnoreASecondEndAndProgressOfIndexesNotInFlight() {
        JobState s = JobDriver.apply(null, new JobDriver.Submitted("j", null, 4, 1, 1)).state();
        JobDriver.Step ended = JobDriver.apply(s, new JobDriver.Ended(0, Outcome.FAILED, 2));
        assertEquals(List.of(1), ended.start());
        s = ended.state();
        // a late cancel of the failed conversation, a turn of it, an index not started yet
        assertNull(JobDriver.apply(s, new JobDriver.Ended(0, Outcome.CANCELLED, 3)).state());
        assertNull(JobDriver.apply(s, new JobDriver.Turn(0, 3)).state());
        assertNull(JobDriver.apply(s, new JobDriver.Ended(3, Outcome.DONE, 3)).state());
        assertEquals(1, s.failed());
        assertEquals(0, s.cancelled());
    }

    @Test
    void shouldIgnoreASecondSubmissionAndProgressOfAnUnknownJob() {
        JobState s = JobDriver.apply(null, new JobDriver.Submitted("j", null, 4, 2, 1)).state();
        assertNull(JobDriver.apply(s, new JobDriver.Submitted("j", null, 9, 9, 2)).state());
        assertNull(JobDriver.apply(null, new JobDriver.Ended(0, Outcome.DONE, 2)).state());
    }

    @Test
    void shouldStopStartingOnCancelAndCancelTheRunningOnesWhenAsked() {
        JobState s = JobDriver.apply(null, new JobDriver.Submitted("j", null, 10, 3, 1)).state();
        JobDriver.Step cancel = JobDriver.apply(s, new JobDriver.Cancel("enough", true, 2));
        assertEquals(List.of(0, 1, 2), cancel.cancel());
        assertEquals(List.of(), cancel.start());
        s = cancel.state();
        assertEquals("CANCELLING", s.status());
        s = JobDriver.apply(s, new JobDriver.Ended(0, Outcome.CANCELLED, 3)).state();
        s = JobDriver.apply(s, new JobDriver.Ended(1, Outcome.DONE, 4)).state();
        JobDriver.Step last = JobDriver.apply(s, new JobDriver.Ended(2, Outcome.CANCELLED, 5));
        assertEquals(List.of(), last.start(), "nothing starts after a cancel");
        s = last.state();
        assertEquals("CANCELLED", s.status());
        assertEquals(7, s.pending(), "never started");
        assertEquals(2, s.cancelled());
        assertEquals(1, s.done());
        assertNull(JobDriver.apply(s, new JobDriver.Cancel("again", true, 6)).state());
    }

    @Test
    void shouldLetRunningOnesFinishWhenTheCancelSparesThem() {
        JobState s = JobDriver.apply(null, new JobDriver.Submitted("j", null, 10, 2, 1)).state();
        JobDriver.Step cancel = JobDriver.apply(s, new JobDriver.Cancel("enough", false, 2));
        assertEquals(List.of(), cancel.cancel());
        s = JobDriver.apply(cancel.state(), new JobDriver.Ended(0, Outcome.DONE, 3)).state();
        assertEquals("CANCELLING", s.status());
        s = JobDriver.apply(s, new JobDriver.Ended(1, Outcome.DONE, 4)).state();
        assertEquals("CANCELLED", s.status());
        assertEquals(2, s.done());
    }

    @Test
    void shouldStartEveryIndexExactlyOnceWhateverTheOrderOfEnds() {
        java.util.Random random = new java.util.Random(7);
        JobDriver.Step step =
                JobDriver.apply(null, new JobDriver.Submitted("j", null, 1000, 16, 0));
        JobState s = step.state();
        List<Integer> started = new ArrayList<>(step.start());
        long at = 1;
        while (s.finishedAt() == null) {
            int pick = s.running().get(random.nextInt(s.running().size()));
            Outcome outcome = Outcome.values()[random.nextInt(3)];
            s = apply(s, new JobDriver.Ended(pick, outcome, at++), started);
            if (random.nextInt(4) == 0) { // a duplicate end changes nothing
                assertNull(JobDriver.apply(s, new JobDriver.Ended(pick, outcome, at)).state());
            }
        }
        Set<Integer> unique = new HashSet<>(started);
        assertEquals(1000, started.size());
        assertEquals(1000, unique.size());
        assertEquals(1000, s.ended());
    }

    private static JobState apply(JobState s, JobDriver.Input input, List<Integer> started) {
        JobDriver.Step step = JobDriver.apply(s, input);
        started.addAll(step.start());
        return step.state() == null ? s : step.state();
    }
}
