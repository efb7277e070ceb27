package ams.export.format;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;

/**
 * {@code Instant.ofEpochMilli(millis).toString()} as ASCII bytes, for the turn line's {@code
 * timestamp}: {@link IsoInstants#format} built a {@code StringBuilder} and a {@code String} per
 * line, which the generator then encoded again char by char (the writer thread's profile,
 * 2026-12-05). Here the text is kept in one array: the date is rewritten when the day changes, the
 * time of day when the second changes (consecutive events of a log mostly share both), and only the
 * milliseconds per call. Not thread-safe: one per {@link JsonFormats}, which is one thread's.
 */
final class IsoMillis {

    private static final long SECONDS_PER_DAY = 86_400;

    /** Years 0000..9999 print as four digits; others take {@link Instant#toString()}. */
    private static final long FIRST_DAY = LocalDate.of(0, 1, 1).toEpochDay();

    private static final long LAST_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

    /** {@code yyyy-mm-ddThh:mm:ss.SSSZ}; positions 0-10 the date and T, 11-18 the time. */
    private final byte[] text = new byte[24];

    /** What {@link #bytes()} returns: {@link #text}, or a year outside 0000..9999's own text. */
    private byte[] out = text;

    private long day = Long.MIN_VALUE;
    private long second = Long.MIN_VALUE;

    IsoMillis() {
        text[4] = '-';
        text[7] = '-';
        text[10] = 'T';
        text[13] = ':';
        text[16] = ':';
    }

    /**
     * Formats an instant given in milliseconds since the epoch; the text is the first {@code n}
     * bytes of {@link #bytes()}, {@code n} returned.
     */
    int format(long epochMillis) {
        long s = Math.floorDiv(epochMillis, 1000);
        int millis = Math.floorMod(epochMillis, 1000);
        if (s != second) {
            long d = Math.floorDiv(s, SECONDS_PER_DAY);
            if (d < FIRST_DAY || d > LAST_DAY) {
                second = Long.MIN_VALUE;
                out =
                        Instant.ofEpochMilli(epochMillis)
                                .toString()
                                .getBytes(StandardCharsets.US_ASCII);
                return out.length;
            }
            if (d != day) {
                LocalDate date = LocalDate.ofEpochDay(d);
                digits(0, date.getYear(), 4);
                digits(5, date.getMonthValue(), 2);
                digits(8, date.getDayOfMonth(), 2);
                day = d;
            }
            int secondOfDay = (int) (s - d * SECONDS_PER_DAY);
            digits(11, secondOfDay / 3600, 2);
            digits(14, secondOfDay / 60 % 60, 2);
            digits(17, secondOfDay % 60, 2);
            second = s;
        }
        out = text;
        if (millis == 0) {
            text[19] = 'Z';
            return 20;
        }
        text[19] = '.';
        digits(20, millis, 3);
        text[23] = 'Z';
        return 24;
    }

    /** The text of the last {@link #format}; valid until the next call. */
    byte[] bytes() {
        return out;
    }

    private void digits(int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            text[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }
}
