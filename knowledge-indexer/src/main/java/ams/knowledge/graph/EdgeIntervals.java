package ams.knowledge.graph;

import ams.knowledge.avro.EdgeHistory;
import ams.knowledge.avro.Interval;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The interval arithmetic of the temporal graph, pure. An edge's validity is the intervals of its
 * link (opened and closed by the events of one topic, in that topic's order) minus the intervals in
 * which its agent was inactive (folded the same way from agent-events). Both inputs are each read
 * in one partition's order, so the result is the same live and in a replay, however the topics
 * interleave.
 */
public final class EdgeIntervals {

    private EdgeIntervals() {}

    /**
     * {@code intervals} with an interval opened at {@code at}; empty when the last one is still
     * open (a repeated open changes nothing).
     */
    public static Optional<List<Interval>> open(List<Interval> intervals, Instant at) {
        Interval last = last(intervals);
        if (last != null && last.getValidTo() == null) {
            return Optional.empty();
        }
        List<Interval> opened = new ArrayList<>(intervals);
        opened.add(Interval.newBuilder().setValidFrom(at).setValidTo(null).build());
        return Optional.of(opened);
    }

    /**
     * {@code intervals} with the open one closed at {@code at}; empty when none is open. An end
     * before the start (producer clocks disagree) is clamped to an empty interval.
     */
    public static Optional<List<Interval>> close(List<Interval> intervals, Instant at) {
        Interval last = last(intervals);
        if (last == null || last.getValidTo() != null) {
            return Optional.empty();
        }
        Instant end = at.isBefore(last.getValidFrom()) ? last.getValidFrom() : at;
        List<Interval> closed = new ArrayList<>(intervals);
        closed.set(closed.size() - 1, Interval.newBuilder(last).setValidTo(end).build());
        return Optional.of(closed);
    }

    /**
     * The parts of {@code valid} outside every interval of {@code excluded}, in {@code valid}'s
     * order. An empty interval of {@code valid} stays when no excluded interval contains its
     * instant; an empty excluded interval excludes nothing.
     */
    public static List<Interval> without(List<Interval> valid, List<Interval> excluded) {
        if (excluded.isEmpty()) {
            return valid;
        }
        List<Interval> result = new ArrayList<>();
        for (Interval interval : valid) {
            List<Interval> pieces = List.of(interval);
            for (Interval cut : excluded) {
                List<Interval> remaining = new ArrayList<>();
                for (Interval piece : pieces) {
                    remaining.addAll(minus(piece, cut));
                }
                pieces = remaining;
            }
            result.addAll(pieces);
        }
        return result;
    }

    /**
     * Whether both lists hold the same intervals in the same order. Compared by their instants, not
     * with Avro's record equality (the lists may be Avro arrays or plain lists).
     */
    public static boolean same(List<Interval> a, List<Interval> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).getValidFrom().equals(b.get(i).getValidFrom())
                    || !Objects.equals(a.get(i).getValidTo(), b.get(i).getValidTo())) {
                return false;
            }
        }
        return true;
    }

    /** The history of an edge that opened at {@code at} and never ends (a topic mention). */
    public static EdgeHistory openSince(String relation, String from, String to, Instant at) {
        return edge(
                relation,
                from,
                to,
                List.of(Interval.newBuilder().setValidFrom(at).setValidTo(null).build()));
    }

    /** An edge's history as the graph store keeps it. */
    public static EdgeHistory edge(String relation, String from, String to, List<Interval> valid) {
        return EdgeHistory.newBuilder()
                .setRelation(relation)
                .setFrom(from)
                .setTo(to)
                .setIntervals(valid)
                .build();
    }

    private static List<Interval> minus(Interval piece, Interval cut) {
        Instant from = piece.getValidFrom();
        Instant to = piece.getValidTo();
        Instant cutFrom = cut.getValidFrom();
        Instant cutTo = cut.getValidTo();
        if (isEmpty(cutFrom, cutTo)) {
            return List.of(piece);
        }
        if (isEmpty(from, to)) {
            boolean inside = !from.isBefore(cutFrom) && (cutTo == null || from.isBefore(cutTo));
            return inside ? List.of() : List.of(piece);
        }
        boolean disjoint =
                (to != null && !to.isAfter(cutFrom)) || (cutTo != null && !cutTo.isAfter(from));
        if (disjoint) {
            return List.of(piece);
        }
        List<Interval> rest = new ArrayList<>(2);
        if (from.isBefore(cutFrom)) {
            rest.add(Interval.newBuilder().setValidFrom(from).setValidTo(cutFrom).build());
        }
        if (cutTo != null && (to == null || cutTo.isBefore(to))) {
            rest.add(Interval.newBuilder().setValidFrom(cutTo).setValidTo(to).build());
        }
        return rest;
    }

    private static boolean isEmpty(Instant from, Instant to) {
        return to != null && !to.isAfter(from);
    }

    private static Interval last(List<Interval> intervals) {
        return intervals.isEmpty() ? null : intervals.get(intervals.size() - 1);
    }
}
