package ams.export.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SegmentNameTest {

    @Test
    void shouldRoundTripRowAndConversationLevelNames() {
        SegmentName rows = SegmentName.rows("ams.conversation-events", 2, 100, 199, "parquet");
        assertEquals(
                "ams.conversation-events+2+00000000000000000100+00000000000000000199.parquet",
                rows.fileName());
        assertEquals(Optional.of(rows), SegmentName.parse(rows.fileName()));

        SegmentName chat = new SegmentName("ams.conversation-events", 0, 10, 20, 5, "jsonl");
        assertEquals(Optional.of(chat), SegmentName.parse(chat.fileName()));
        assertEquals(5, SegmentName.parse(chat.fileName()).orElseThrow().resume());
    }

    @Test
    void shouldIgnoreNamesThatAreNotSegments() {
        assertTrue(SegmentName.parse("agents.parquet").isEmpty());
        assertTrue(SegmentName.parse(SegmentName.inProgressName("t", 0, 5, "jsonl")).isEmpty());
    }
}
