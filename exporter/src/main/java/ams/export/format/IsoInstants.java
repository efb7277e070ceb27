package ams.export.format;

import java.time.Instant;
import java.time.LocalDate;

/**
 * {@link Instant#toString()} (ISO-8601 in UTC, seconds always, fraction in groups of three digits
 * when not zero), without the general formatter: it showed in the JSONL writer's profile. The date
 * part is kept for the last day seen, since consecutive events share it.
 */
final class IsoInstants {

    private static final long SECONDS_PER_DAY = 86_400;

    /** Years 0000..9999 print as four digits; others take {@link Instant#toString()}. */
    private static final long FIRST_DAY = LocalDate.of(0, 1, 1).toEpochDay();

    private static final long LAST_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

    private static final ThreadLocal<DayCache> LAST = ThreadLocal.withInitial(DayCache::new);

    private IsoInstants() {}

    /** The same text as {@code instant.toString()}. */
    static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        long day = Math.floorDiv(seconds, SECONDS_PER_DAY);
        if (day < FIRST_DAY || day > LAST_DAY) {
            return instant.toString();
        }
        DayCache cache = LAST.get();
        if (cache.day != day || cache.prefix == null) {
            cache.day = day;
            cache.prefix = LocalDate.ofEpochDay(day) + "T";
        }
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        int nanos = instant.getNano();
        StringBuilder text = new StringBuilder(32).append(cache.prefix);
        twoDigits(text, secondOfDay / 3600);
        text.append(':');
        twoDigits(text, secondOfDay / 60 % 60);
        text.append(':');
        twoDigits(text, secondOfDay % 60);
        if (nanos != 0) {
            text.append('.');
            if (nanos % 1_000_000 == 0) {
                digits(text, nanos / 1_000_000, 3);
            } else if (nanos % 1000 == 0) {
                digits(text, nanos / 1000, 6);
            } else {
                digits(text, nanos, 9);
            }
        }
        return text.append('Z').toString();
    }

    private static void twoDigits(StringBuilder text, int value) {
        text.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }

    private static void digits(StringBuilder text, int value, int width) {
        String s = Integer.toString(value);
        for (int i = s.length(); i < width; i++) {
            text.append('0');
        }
        text.append(s);
    }

    /** The last day formatted on this thread. */
    private static final class DayCache {
        long day = Long.MIN_VALUE;
        String prefix;
    }
}
