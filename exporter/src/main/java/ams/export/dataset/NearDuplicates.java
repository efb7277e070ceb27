package ams.export.dataset;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Near-duplicate detection with MinHash over word 3-shingles and LSH banding, in primitive arrays
 * so that a million texts fit in a small heap (64 ints of signature per kept text, one open-address
 * table of band keys).
 *
 * <p>{@link #add} keeps the first of a group: a text whose estimated Jaccard similarity to a text
 * kept earlier is at least the threshold is reported as that one's duplicate and not kept. LSH only
 * proposes candidates (bands of {@link #rows} values; the band size is chosen so that pairs
 * somewhat below the threshold are still proposed); each candidate is checked on the whole
 * signature, which is what keeps the precision high. Signatures are pure functions of the text
 * ({@link #signature}), so callers may compute them on several threads and add them in order.
 */
public final class NearDuplicates {

    /** Signature length: the similarity estimate has a standard error of at most 0.0625. */
    public static final int PERMUTATIONS = 64;

    private static final long[] MULTIPLIERS = new long[PERMUTATIONS];
    private static final long[] ADDENDS = new long[PERMUTATIONS];

    static {
        SplittableRandom random = new SplittableRandom(0x5eedL);
        for (int i = 0; i < PERMUTATIONS; i++) {
            MULTIPLIERS[i] = random.nextLong() | 1L;
            ADDENDS[i] = random.nextLong();
        }
    }

    private final double threshold;
    private final int rows;
    private final int bands;
    private final int agreeing;

    private int[] signatures;
    private int[] ids;
    private int kept;

    private long[] keys;
    private int[] values;
    private int used;

    public NearDuplicates(double threshold, int expected) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException(
                    "near-duplicate threshold must be in (0, 1], was " + threshold);
        }
        this.threshold = threshold;
        this.rows = rowsFor(threshold);
        this.bands = PERMUTATIONS / rows;
        this.agreeing = (int) Math.ceil(threshold * PERMUTATIONS - 1e-9);
        int capacity = Math.max(16, expected);
        this.signatures = new int[capacity * PERMUTATIONS];
        this.ids = new int[capacity];
        int slots = Integer.highestOneBit(Math.max(64, capacity * bands * 2 - 1)) << 1;
        this.keys = new long[slots];
        this.values = new int[slots];
    }

    /**
     * The largest band (rows per band, a power of two) whose LSH threshold (1/b)^(1/r) lies at
     * least 0.1 below the similarity threshold, so that recall near the threshold stays high.
     */
    static int rowsFor(double threshold) {
        int best = 1;
        for (int r = 1; r <= PERMUTATIONS; r <<= 1) {
            double lsh = Math.pow((double) r / PERMUTATIONS, 1.0 / r);
            if (lsh <= threshold - 0.1) {
                best = r;
            }
        }
        return best;
    }

    public int rows() {
        return rows;
    }

    public double threshold() {
        return threshold;
    }

    /**
     * Adds text number {@code id}: returns -1 when it is kept (no earlier kept text is that
     * similar), else the id of the kept text it duplicates.
     */
    public int add(int id, CharSequence text) {
        return add(id, signature(text));
    }

    /** {@link #add(int, CharSequence)} with the signature computed already. */
    public int add(int id, int[] signature) {
        long[] bandKeys = new long[bands];
        for (int b = 0; b < bands; b++) {
            long h = 0x9E3779B97F4A7C15L * (b + 1);
            for (int r = 0; r < rows; r++) {
                h = mix(h ^ signature[b * rows + r]);
            }
            bandKeys[b] = h == 0 ? 1 : h;
        }
        for (int b = 0; b < bands; b++) {
            int candidate = get(bandKeys[b]);
            if (candidate >= 0 && similar(signature, candidate)) {
                return ids[candidate];
            }
        }
        if (kept == ids.length) {
            ids = Arrays.copyOf(ids, kept * 2);
            signatures = Arrays.copyOf(signatures, kept * 2 * PERMUTATIONS);
        }
        System.arraycopy(signature, 0, signatures, kept * PERMUTATIONS, PERMUTATIONS);
        ids[kept] = id;
        for (int b = 0; b < bands; b++) {
            putIfAbsent(bandKeys[b], kept);
        }
        kept++;
        return -1;
    }

    private boolean similar(int[] signature, int candidate) {
        int base = candidate * PERMUTATIONS;
        int same = 0;
        for (int i = 0; i < PERMUTATIONS; i++) {
            if (signatures[base + i] == signature[i]) {
                same++;
            }
        }
        return same >= agreeing;
    }

    /**
     * The MinHash signature of a text: lower-cased words of letters and digits, shingled three at a
     * time (a text of fewer words is one shingle); each shingle hashed once, then permuted by
     * multiply-add-shift.
     */
    public static int[] signature(CharSequence text) {
        int[] min = new int[PERMUTATIONS];
        Arrays.fill(min, Integer.MAX_VALUE);
        long w1 = 0;
        long w2 = 0;
        int words = 0;
        long word = 0xcbf29ce484222325L;
        boolean inWord = false;
        int n = text.length();
        for (int i = 0; i <= n; i++) {
            char c = i < n ? text.charAt(i) : ' ';
            if (Character.isLetterOrDigit(c)) {
                word = (word ^ Character.toLowerCase(c)) * 0x100000001b3L;
                inWord = true;
            } else if (inWord) {
                words++;
                if (words >= 3) {
                    permute(min, mix(w2 * 0x2545F4914F6CDD1DL + w1 * 0x9E3779B97F4A7C15L + word));
                }
                w2 = w1;
                w1 = word;
                word = 0xcbf29ce484222325L;
                inWord = false;
            }
        }
        if (words > 0 && words < 3) {
            permute(min, mix(w2 * 0x2545F4914F6CDD1DL + w1 * 0x9E3779B97F4A7C15L + 7));
        }
        return min;
    }

    private static void permute(int[] min, long shingle) {
        for (int k = 0; k < PERMUTATIONS; k++) {
            int v = (int) ((MULTIPLIERS[k] * shingle + ADDENDS[k]) >>> 33);
            if (v < min[k]) {
                min[k] = v;
            }
        }
    }

    /** The Jaccard similarity estimate of two signatures. */
    public static double similarity(int[] a, int[] b) {
        int same = 0;
        for (int i = 0; i < PERMUTATIONS; i++) {
            if (a[i] == b[i]) {
                same++;
            }
        }
        return same / (double) PERMUTATIONS;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    private int get(long key) {
        int mask = keys.length - 1;
        for (int slot = (int) mix(key) & mask; ; slot = (slot + 1) & mask) {
            long k = keys[slot];
            if (k == 0) {
                return -1;
            }
            if (k == key) {
                return values[slot];
            }
        }
    }

    private void putIfAbsent(long key, int value) {
        if ((used + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int slot = (int) mix(key) & mask; ; slot = (slot + 1) & mask) {
            long k = keys[slot];
            if (k == key) {
                return;
            }
            if (k == 0) {
                keys[slot] = key;
                values[slot] = value;
                used++;
                return;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        used = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                putIfAbsent(oldKeys[i], oldValues[i]);
            }
        }
    }
}
