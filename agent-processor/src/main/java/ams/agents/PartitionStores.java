package ams.agents;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * One read handle per partition of a key-value store, kept instead of asking {@code
 * KafkaStreams.store} on every query (which checks the instance state under a lock and builds a new
 * handle). A handle finds the partition's store at each read and throws {@link
 * InvalidStateStoreException} once the partition is not active here any more (a rebalance moved it,
 * or its thread was replaced); the handle is then dropped, so the retry (StoreQueries) gets a new
 * one.
 */
final class PartitionStores<V> {

    /** More partitions than this are served without caching (a topic that grew past it). */
    private static final int MAX_CACHED = 1024;

    private final KafkaStreams streams;
    private final String store;
    private final AtomicReferenceArray<ReadOnlyKeyValueStore<String, V>> handles =
            new AtomicReferenceArray<>(MAX_CACHED);

    PartitionStores(KafkaStreams streams, String store) {
        this.streams = streams;
        this.store = store;
    }

    /** The value of {@code key} in {@code partition}, which must be active on this instance. */
    V get(int partition, String key) {
        return read(partition, store -> store.get(key));
    }

    /** Runs {@code read} on the partition's store (which must be active on this instance). */
    <T> T read(int partition, Function<ReadOnlyKeyValueStore<String, V>, T> read) {
        ReadOnlyKeyValueStore<String, V> handle = handle(partition);
        try {
            return read.apply(handle);
        } catch (InvalidStateStoreException e) {
            if (partition < MAX_CACHED) {
                handles.compareAndSet(partition, handle, null);
            }
            throw e;
        }
    }

    private ReadOnlyKeyValueStore<String, V> handle(int partition) {
        if (partition >= MAX_CACHED) {
            return open(partition);
        }
        ReadOnlyKeyValueStore<String, V> handle = handles.get(partition);
        if (handle == null) {
            handle = open(partition);
            handles.set(partition, handle);
        }
        return handle;
    }

    private ReadOnlyKeyValueStore<String, V> open(int partition) {
        return streams.store(
                StoreQueryParameters.fromNameAndType(
                                store, QueryableStoreTypes.<String, V>keyValueStore())
                        .withPartition(partition));
    }
}
