package ams.service.fate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What became of the events a processor of this instance settled last: per partition, the newest
 * {@value #PER_PARTITION} event ids to their {@link Fate}, in memory.
 *
 * <p>In memory, not a Streams store: a fate is asked for within moments of its write ({@code
 * --wait}), and a changelogged store cost the agent fold a put, a changelog record and a RocksDB
 * write per event (in the agents benchmark the fold's CPU per event nearly tripled with one). What
 * is lost on a restart or when a partition moves is only the fate of events older than that; the
 * events and their dead letters stay in the log. Written by the partition's stream (or worker)
 * thread, read by HTTP threads, hence the lock per partition (uncontended on the write path).
 */
public final class FateLog {

    public static final int PER_PARTITION = 50_000;

    private final Map<Integer, Partition> partitions = new ConcurrentHashMap<>();
    private final boolean keeping;

    /** A log that keeps the newest fates of each partition. */
    public FateLog() {
        this(true);
    }

    private FateLog(boolean keeping) {
        this.keeping = keeping;
    }

    /**
     * A log that keeps nothing, for a read-only processor (a rebuild from the log: {@code ams
     * replay}, {@code ams replay --until}). Its events were settled when they first arrived, and
     * nobody waits for their fate now; keeping one per event (an id, an entry and an eviction of a
     * map) was 6 % of the agent fold's time in a profile of the replay benchmark.
     */
    public static FateLog off() {
        return new FateLog(false);
    }

    /** The log of one partition, for the processor that settles its events. */
    public Partition partition(int partition) {
        return partitions.computeIfAbsent(partition, p -> new Partition(keeping));
    }

    /** The fate of an event from any partition of this log, as its JSON answer. */
    public Optional<String> find(String eventId) {
        for (Partition partition : partitions.values()) {
            Fate fate = partition.get(eventId);
            if (fate != null) {
                return Optional.of(fate.json(eventId));
            }
        }
        return Optional.empty();
    }

    /** One partition's newest fates. */
    public static final class Partition {

        private final LinkedHashMap<String, Fate> fates =
                new LinkedHashMap<>(1024, 0.75f, false) {
                    private static final long serialVersionUID = 1L;

                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, Fate> eldest) {
                        return size() > PER_PARTITION;
                    }
                };

        private final boolean keeping;

        Partition(boolean keeping) {
            this.keeping = keeping;
        }

        public void put(String eventId, Fate fate) {
            if (keeping) {
                keep(eventId, fate);
            }
        }

        private synchronized void keep(String eventId, Fate fate) {
            fates.put(eventId, fate);
        }

        synchronized Fate get(String eventId) {
            return fates.get(eventId);
        }
    }
}
