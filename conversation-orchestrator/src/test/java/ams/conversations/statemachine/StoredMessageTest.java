package ams.conversations.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class StoredMessageTest {

    @Test
    void keysAreTheZeroPaddedFormOfEarlierVersionsAndSortBySeq() {
        int[] seqs = {0, 7, 10, 99_999_999, 100_000_000, Integer.MAX_VALUE, -5};
        for (int seq : seqs) {
            assertEquals(
                    "conv-1/" + String.format(Locale.ROOT, "%08d", seq),
                    StoredMessage.key("conv-1", seq),
                    "seq " + seq);
        }
        assertTrue(StoredMessage.key("c", 9).compareTo(StoredMessage.key("c", 10)) < 0);
        assertTrue(StoredMessage.key("c", 10).startsWith(StoredMessage.prefix("c")));
    }
}
