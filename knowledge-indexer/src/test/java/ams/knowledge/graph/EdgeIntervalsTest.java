package ams.knowledge.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.knowledge.avro.Interval;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The interval rules of the temporal graph, without a topology. */
class EdgeIntervalsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void shouldCutTheInactiveTimeOutOfALink() {
        assertSame(
                List.of(span(1, 3), span(5, 7)),
                EdgeIntervals.without(List.of(span(1, 7)), List.of(span(3, 5))));
        assertSame(
                List.of(span(1, 3)),
                EdgeIntervals.without(List.of(span(1, -1)), List.of(span(3, -1))));
        assertSame(
                List.of(span(5, -1)),
                EdgeIntervals.without(List.of(span(1, -1)), List.of(span(0, 5))));
        assertSame(List.of(), EdgeIntervals.without(List.of(span(2, 4)), List.of(span(1, 6))));
    }

    @Test
    void shouldLeaveALinkOutsideTheInactiveTimeWhole() {
        assertSame(
                List.of(span(1, 3), span(6, -1)),
                EdgeIntervals.without(
                        List.of(span(1, 3), span(6, -1)), List.of(span(3, 5), span(5, 6))));
    }

    @Test
    void shouldKeepAnEmptyLinkIntervalOnlyWhileActive() {
        assertSame(
                List.of(span(2, 2)),
                EdgeIntervals.without(List.of(span(2, 2)), List.of(span(3, 5))));
        assertSame(List.of(), EdgeIntervals.without(List.of(span(4, 4)), List.of(span(3, 5))));
    }

    @Test
    void shouldIgnoreAnEmptyInactiveInterval() {
        // Reactivated "before" the deactivation (clocks disagree): clamped, excludes nothing.
        assertSame(
                List.of(span(1, 7)),
                EdgeIntervals.without(List.of(span(1, 7)), List.of(span(4, 4))));
    }

    @Test
    void shouldOpenAndCloseOnceAndClampAnEarlyClose() {
        List<Interval> open = EdgeIntervals.open(List.of(), hour(2)).orElseThrow();
        assertTrue(EdgeIntervals.open(open, hour(3)).isEmpty(), "open twice");
        List<Interval> closed = EdgeIntervals.close(open, hour(1)).orElseThrow();
        assertSame(List.of(span(2, 2)), closed);
        assertTrue(EdgeIntervals.close(closed, hour(4)).isEmpty(), "closed twice");
        assertFalse(EdgeIntervals.same(closed, List.of(span(2, 4))));
    }

    private static void assertSame(List<Interval> expected, List<Interval> actual) {
        assertTrue(EdgeIntervals.same(expected, actual), () -> expected + " but was " + actual);
        assertEquals(expected.size(), actual.size());
    }

    private static Instant hour(int hours) {
        return T0.plusSeconds(hours * 3600L);
    }

    private static Interval span(int from, int to) {
        return Interval.newBuilder()
                .setValidFrom(hour(from))
                .setValidTo(to < 0 ? null : hour(to))
                .build();
    }
}
