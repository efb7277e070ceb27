package ams.events.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** What a rebuild asks of each processor, and how much heap its record caches may take. */
class RebuildProfileTest {

    private static final long MIB = 1024L * 1024;

    @Test
    void eachProcessorCachesAnEighthOfTheHeapBetweenItsBounds() {
        // ams starts with 1 GiB by default: three processors take 3 x 128 MiB at most.
        assertEquals(128 * MIB, RebuildProfile.cacheMaxBytes(1024 * MIB));
        assertEquals(256 * MIB, RebuildProfile.cacheMaxBytes(2048 * MIB));
        assertEquals(256 * MIB, RebuildProfile.cacheMaxBytes(16384 * MIB));
        assertEquals(16 * MIB, RebuildProfile.cacheMaxBytes(64 * MIB));
    }

    @Test
    void commitsRarelyAndAtOnceWhenTheInputRunsDry() {
        Map<String, Object> overrides = RebuildProfile.overrides();
        assertEquals(
                StreamsConfig.AT_LEAST_ONCE,
                overrides.get("streams." + StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(30_000L, overrides.get("streams." + StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(500L, overrides.get(IdleCommits.CONFIG_KEY));
        assertEquals("read_committed", overrides.get("streams.consumer.isolation.level"));
    }
}
