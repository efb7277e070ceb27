package ams.export.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link IsoMillis} gives {@code Instant.ofEpochMilli(m).toString()}, whatever came before. */
class IsoMillisTest {

    private final IsoMillis formatter = new IsoMillis();

    @Test
    void randomInstantsFromBeforeYearZeroToAfterYear9999() {
        SplittableRandom random = new SplittableRandom(18);
        long first = Instant.parse("-0400-01-01T00:00:00Z").toEpochMilli();
        long last = Instant.parse("+10400-01-01T00:00:00Z").toEpochMilli();
        for (int i = 0; i < 300_000; i++) {
            long millis = random.nextLong(first, last);
            if (i % 3 == 0) {
                millis -= Math.floorMod(millis, 1000); // whole seconds print without a fraction
            }
            assertFormats(millis);
        }
    }

    @Test
    void consecutiveInstantsAcrossSecondsDaysLeapDaysAndTheEpoch() {
        for (String start :
                new String[] {
                    "2024-02-28T23:59:58Z",
                    "2024-02-29T23:59:58Z",
                    "2023-02-28T23:59:58Z",
                    "2000-02-29T23:59:58Z",
                    "1900-02-28T23:59:58Z",
                    "1969-12-31T23:59:58Z",
                    "1970-01-01T00:00:00Z",
                    "2026-12-31T23:59:58Z",
                    "0000-01-01T00:00:00Z",
                    "9999-12-31T23:59:58Z",
                    "-0001-12-31T23:59:58Z"
                }) {
            long millis = Instant.parse(start).toEpochMilli();
            for (int i = 0; i < 4_000; i++) {
                assertFormats(millis + i);
            }
            for (int i = 0; i < 400; i++) {
                assertFormats(millis + i * 997L);
            }
        }
    }

    @Test
    void backwardsAndRepeated() {
        long millis = Instant.parse("2026-12-05T05:00:00.250Z").toEpochMilli();
        for (long step : new long[] {0, -1, -1000, -86_400_000L, 86_400_000L * 365, 1, 0, -1}) {
            millis += step;
            assertFormats(millis);
            assertFormats(millis);
        }
        for (String text :
                new String[] {
                    "1969-12-31T23:59:59.999Z",
                    "1970-01-01T00:00:00Z",
                    "1970-01-01T00:00:00.001Z",
                    "0000-01-01T00:00:00Z",
                    "9999-12-31T23:59:59.999Z",
                    "+10000-01-01T00:00:00Z",
                    "2024-02-29T12:00:00.100Z",
                    "2026-11-25T00:00:00.010Z",
                    "-0001-12-31T23:59:59.999Z"
                }) {
            long m = Instant.parse(text).toEpochMilli();
            assertEquals(text, format(m));
            assertFormats(m);
        }
    }

    private void assertFormats(long millis) {
        assertEquals(Instant.ofEpochMilli(millis).toString(), format(millis), () -> "at " + millis);
    }

    private String format(long millis) {
        int length = formatter.format(millis);
        return new String(formatter.bytes(), 0, length, StandardCharsets.US_ASCII);
    }
}
