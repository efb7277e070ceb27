package ams.export.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IsoInstantsTest {

    @Test
    void formatsAsInstantToStringDoes() {
        SplittableRandom random = new SplittableRandom(18);
        long lastSecond = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            long seconds =
                    random.nextLong(-62_167_219_200L - 86_400L * 400, lastSecond + 86_400L * 400);
            int nanos =
                    switch (i % 4) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1000) * 1_000_000;
                        case 2 -> random.nextInt(1_000_000) * 1000;
                        default -> random.nextInt(1_000_000_000);
                    };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            assertEquals(instant.toString(), IsoInstants.format(instant), () -> "at " + seconds);
        }
        for (String text :
                new String[] {
                    "2026-11-25T00:00:00Z",
                    "2026-11-25T23:59:59.999999999Z",
                    "1969-12-31T23:59:59.100Z",
                    "0000-01-01T00:00:00Z",
                    "-0001-12-31T23:59:59Z",
                    "+10000-01-01T00:00:00Z"
                }) {
            Instant instant = Instant.parse(text);
            assertEquals(instant.toString(), IsoInstants.format(instant));
        }
    }
}
