package ams.events.streams;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Settings for rebuilding stores from the log ({@code ams replay}), given to each processor as
 * {@code streams.*} overrides and one key of its own. A rebuild starts from empty stores and may
 * start from scratch again, so it needs no transactions: at_least_once (no transaction per commit).
 * It commits rarely (every {@value #COMMIT_INTERVAL_MS} ms) into a large record cache, so that an
 * agent's events between two commits reach RocksDB and the changelog once; and as soon as a task's
 * input runs dry it commits at once ({@link IdleCommits}), because the end of a rebuild is read
 * from the committed offsets. One stream thread per core lets the processor with the most events
 * (the agent fold, in the replay benchmark) use the cores the others leave idle once they have
 * caught up. What this gives up is exactly-once across a crash of the rebuild itself, which is why
 * {@code ams replay} marks a rebuild in progress and the system refuses to start on a rebuild that
 * did not finish. It still reads only committed records, as the live processors do.
 */
public final class RebuildProfile {

    /** The prefix under which every processor's config passes settings through to Streams. */
    public static final String STREAMS_PREFIX = "streams.";

    static final long COMMIT_INTERVAL_MS = 30_000L;
    static final long IDLE_COMMIT_MS = 500L;

    /**
     * Record cache per processor, shared by its stream threads, at most: the replay benchmark's
     * 80,000 agents' rows fit (about 64 MiB), so each reaches RocksDB and the changelog once per
     * commit. Less on a small heap (see {@link #cacheMaxBytes}).
     */
    static final long CACHE_MAX_BYTES = 256L * 1024 * 1024;

    static final long CACHE_MIN_BYTES = 16L * 1024 * 1024;

    private RebuildProfile() {}

    /**
     * The overrides: Kafka Streams' keyed with {@link #STREAMS_PREFIX}, and {@link
     * IdleCommits#CONFIG_KEY}.
     */
    public static Map<String, Object> overrides() {
        return Map.of(
                IdleCommits.CONFIG_KEY,
                IDLE_COMMIT_MS,
                STREAMS_PREFIX + StreamsConfig.NUM_STREAM_THREADS_CONFIG,
                Math.max(1, Runtime.getRuntime().availableProcessors()),
                STREAMS_PREFIX + StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                StreamsConfig.AT_LEAST_ONCE,
                STREAMS_PREFIX + StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
                COMMIT_INTERVAL_MS,
                STREAMS_PREFIX + StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG,
                cacheMaxBytes(Runtime.getRuntime().maxMemory()),
                // Kafka Streams reads read_committed only under exactly-once: at_least_once would
                // fold the records of aborted transactions (a turn cut off by a kill -9), which
                // the live processors never saw, and the rebuilt stores would differ.
                STREAMS_PREFIX
                        + StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG),
                "read_committed");
    }

    /**
     * The record cache of each processor in a rebuild: an eighth of the heap, between {@value
     * #CACHE_MIN_BYTES} and {@value #CACHE_MAX_BYTES} bytes. A replay rebuilds three processors in
     * one JVM, and {@code ams} starts it with 1 GiB by default: three full caches of 256 MiB would
     * leave too little for the rest; three eighths leave most of any heap.
     */
    static long cacheMaxBytes(long maxHeapBytes) {
        return Math.max(CACHE_MIN_BYTES, Math.min(CACHE_MAX_BYTES, maxHeapBytes / 8));
    }
}
