package ams.export.dataset;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Train/validation/test by a hash of the conversation id: the same conversation always lands in the
 * same split, whatever else is in the log and on any machine, and a conversation is never split
 * (every sample of it goes where its id goes).
 */
public final class Splits {

    public static final List<String> NAMES = List.of("train", "validation", "test");

    private final double[] fractions;

    public Splits(double train, double validation, double test) {
        double sum = train + validation + test;
        if (train < 0 || validation < 0 || test < 0 || Math.abs(sum - 1.0) > 1e-6) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "split fractions must be >= 0 and add up to 1; were %s,%s,%s",
                            train,
                            validation,
                            test));
        }
        this.fractions = new double[] {train, validation, test};
    }

    /** "0.9,0.05,0.05", or one or two numbers (the rest goes to the missing splits as 0). */
    public static Splits parse(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length > 3) {
            throw new IllegalArgumentException(
                    "--split takes up to three fractions train,validation,test; was '"
                            + text
                            + "'");
        }
        double[] f = new double[3];
        try {
            for (int i = 0; i < parts.length; i++) {
                f[i] = Double.parseDouble(parts[i].trim());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--split takes numbers like 0.9,0.05,0.05; was '" + text + "'", e);
        }
        return new Splits(f[0], f[1], f[2]);
    }

    /** The splits that get rows (fraction above zero), in train, validation, test order. */
    public List<String> used() {
        List<String> used = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (fractions[i] > 0) {
                used.add(NAMES.get(i));
            }
        }
        return used;
    }

    public double fraction(String split) {
        return fractions[NAMES.indexOf(split)];
    }

    /** The split of a conversation: SHA-256 of its id, the first 53 bits as a point in [0, 1). */
    public String of(String conversationId) {
        double point = point(conversationId);
        double edge = 0;
        for (int i = 0; i < 3; i++) {
            edge += fractions[i];
            if (point < edge && fractions[i] > 0) {
                return NAMES.get(i);
            }
        }
        // Rounding at the top edge: the last split with a share.
        List<String> used = used();
        return used.get(used.size() - 1);
    }

    static double point(String conversationId) {
        try {
            byte[] d =
                    MessageDigest.getInstance("SHA-256")
                            .digest(conversationId.getBytes(StandardCharsets.UTF_8));
            long bits = 0;
            for (int i = 0; i < 8; i++) {
                bits = (bits << 8) | (d[i] & 0xff);
            }
            return (bits >>> 11) / (double) (1L << 53);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s,%s,%s", fractions[0], fractions[1], fractions[2]);
    }
}
