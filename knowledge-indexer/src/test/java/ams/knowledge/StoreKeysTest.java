package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class StoreKeysTest {

    @Test
    void shouldPadLikeTheFormatItReplaces() {
        long[] values = {0, 7, 42, 999_999, 1_000_000, 1_733_400_000_000L, Long.MAX_VALUE};
        for (long value : values) {
            assertEquals(String.format(Locale.ROOT, "%06d", value), StoreKeys.zeroPadded(value, 6));
            assertEquals(
                    String.format(Locale.ROOT, "%019d", value), StoreKeys.zeroPadded(value, 19));
        }
        assertEquals(StoreKeys.chunkPrefix("a", "d") + "000003", StoreKeys.chunk("a", "d", 3));
        assertEquals(
                StoreKeys.chunkPrefix("a", "d") + "0000001733400000000",
                StoreKeys.version("a", "d", 1_733_400_000_000L));
    }
}
