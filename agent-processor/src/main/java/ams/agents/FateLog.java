package ams.agents;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What became of the agent events this instance folded last: per partition, the newest {@value
 * #PER_PARTITION} event ids to their {@link EventFate}, in memory.
 *
 * <p>In memory, not a Streams store: a fate is asked for within moments of its write ({@code
 * --wait}), and a changelogged store cost the fold a put, a changelog record and a RocksDB write
 * per event (in the agents benchmark the fold's CPU per event nearly tripled with one). What is
 * lost on a restart or when a partition moves is only the fate of events older than that; the
 * events and their dead letters stay in the log. Written by the partition's stream thread, read by
 * HTTP threads, hence the lock per partition (uncontended on the write path).
 */
final class FateLog {

    static final int PER_PARTITION = 50_000;

    private final Map<Integer, Partition> partitions = new ConcurrentHashMap<>();

    /** The log of one partition, for its fold processor. */
    Partition partition(int partition) {
        return partitions.computeIfAbsent(partition, p -> new Partition());
    }

    /** The fate of an event from any partition this instance folded, as its JSON answer. */
    Optional<String> find(String eventId) {
        for (Partition partition : partitions.values()) {
            EventFate fate = partition.get(eventId);
            if (fate != null) {
                return Optional.of(fate.json(eventId));
            }
        }
        return Optional.empty();
    }

    /** One partition's newest fates. */
    static final class Partition {

        private final LinkedHashMap<String, EventFate> fates =
                new LinkedHashMap<>(1024, 0.75f, false) {
                    private static final long serialVersionUID = 1L;

                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, EventFate> eldest) {
                        return size() > PER_PARTITION;
                    }
                };

        synchronized void put(String eventId, EventFate fate) {
            fates.put(eventId, fate);
        }

        synchronized EventFate get(String eventId) {
            return fates.get(eventId);
        }
    }
}
