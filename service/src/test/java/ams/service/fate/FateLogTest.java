package ams.service.fate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class FateLogTest {

    private static final Fate APPLIED = eventId -> "{\"event_id\":\"" + eventId + "\"}";

    @Test
    void findsAFateInAnyPartitionAndForgetsTheOldestPastItsBound() {
        FateLog log = new FateLog();
        log.partition(0).put("first", APPLIED);
        for (int i = 0; i < FateLog.PER_PARTITION; i++) {
            log.partition(1).put("e" + i, APPLIED);
        }
        assertEquals(Optional.of("{\"event_id\":\"e7\"}"), log.find("e7"));
        assertEquals(Optional.of("{\"event_id\":\"first\"}"), log.find("first"));
        log.partition(1).put("one-more", APPLIED);
        assertEquals(Optional.empty(), log.find("e0"), "the oldest of partition 1 is forgotten");
        assertTrue(log.find("e1").isPresent());
    }

    @Test
    void aLogThatIsOffKeepsNothing() {
        FateLog off = FateLog.off();
        off.partition(0).put("e1", APPLIED);
        assertEquals(Optional.empty(), off.find("e1"));
    }
}
