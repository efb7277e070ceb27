package ams.export.dataset;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Counts of values in power-of-two bins [0,1), [1,2), [2,4), ... [2^k, inf). */
final class Histogram {

    private static final int BINS = 18; // up to 65,536 and above

    private final long[] counts = new long[BINS];
    private long n;
    private long sum;
    private long max;

    void add(long value) {
        int bin = value <= 0 ? 0 : Math.min(BINS - 1, 64 - Long.numberOfLeadingZeros(value));
        counts[bin]++;
        n++;
        sum += value;
        max = Math.max(max, value);
    }

    long count() {
        return n;
    }

    /** Lower edge of bin i. */
    static long lower(int i) {
        return i == 0 ? 0 : 1L << (i - 1);
    }

    /** The occupied bins only, from the first to the last non-empty one. */
    ObjectNode json() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("count", n);
        node.put("mean", n == 0 ? 0 : Math.round(sum * 100.0 / n) / 100.0);
        node.put("max", max);
        int first = 0;
        while (first < BINS && counts[first] == 0) {
            first++;
        }
        int last = BINS - 1;
        while (last >= 0 && counts[last] == 0) {
            last--;
        }
        var lowers = node.putArray("bin_lower");
        var values = node.putArray("counts");
        for (int i = first; i <= last; i++) {
            lowers.add(lower(i));
            values.add(counts[i]);
        }
        return node;
    }
}
