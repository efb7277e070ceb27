package ams.events.streams;

import java.util.Arrays;
import java.util.function.Function;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The partitions of one key-value store that this instance's running tasks hold, registered by the
 * processor that writes them, so that interactive queries read them directly.
 *
 * <p>Why: a handle from {@code KafkaStreams.store(...)} looks the stream threads' tasks up again at
 * every {@code get} (task sets, streams and wrappers built per read), which was a third of the
 * garbage of a knowledge search and the young collections the route's p99 sat on. Here a read is an
 * array walk.
 *
 * <p>Same answers as the default query: Kafka Streams initializes a task's processors only once its
 * stores are restored, and closes them before it closes the stores, so only running active
 * partitions are here (no standbys, nothing being restored). A read from a request thread goes
 * through the same layers as a query (the caching layer takes its read lock); a partition closed
 * under a read throws {@link InvalidStateStoreException}, which {@link StoreQueries} retries.
 */
public final class ActiveStores<K, V> {

    private final String name;

    /** Indexed by partition, copied on every change (rare: a rebalance), read without locks. */
    private volatile ReadOnlyKeyValueStore<K, V>[] byPartition = newArray(0);

    /** The non-null entries of {@link #byPartition}, for reads of a key of unknown partition. */
    private volatile ReadOnlyKeyValueStore<K, V>[] open = newArray(0);

    public ActiveStores(String name) {
        this.name = name;
    }

    /** Called from the writing processor's {@code init}: the partition is now served here. */
    public synchronized void opened(int partition, ReadOnlyKeyValueStore<K, V> store) {
        ReadOnlyKeyValueStore<K, V>[] next =
                Arrays.copyOf(byPartition, Math.max(byPartition.length, partition + 1));
        next[partition] = store;
        publish(next);
    }

    /**
     * Called from the writing processor's {@code close}: removes the partition if {@code store} is
     * still the one registered (a new task of the same partition may have registered first).
     */
    public synchronized void closed(int partition, ReadOnlyKeyValueStore<K, V> store) {
        if (partition < byPartition.length && byPartition[partition] == store) {
            ReadOnlyKeyValueStore<K, V>[] next = byPartition.clone();
            next[partition] = null;
            publish(next);
        }
    }

    private void publish(ReadOnlyKeyValueStore<K, V>[] next) {
        byPartition = next;
        open = Arrays.stream(next).filter(s -> s != null).toArray(ActiveStores::newArray);
    }

    /** The value of {@code key} in the given partition, which must be active on this instance. */
    public V get(int partition, K key) {
        return store(partition).get(key);
    }

    /** The store of {@code partition}; throws while it is not active here (retried by callers). */
    public ReadOnlyKeyValueStore<K, V> store(int partition) {
        ReadOnlyKeyValueStore<K, V>[] stores = byPartition;
        ReadOnlyKeyValueStore<K, V> store = partition < stores.length ? stores[partition] : null;
        if (store == null) {
            throw new InvalidStateStoreException(
                    "Partition " + partition + " of store '" + name + "' is not active here (yet)");
        }
        return store;
    }

    /**
     * The value of {@code key} in whichever active partition holds it, or null. Throws while no
     * partition is active here (starting, or all moved away), like a query before the first
     * assignment.
     */
    public V get(K key) {
        return first(store -> store.get(key));
    }

    /**
     * The first non-null answer of {@code read} over the active partitions, or null: for a scan of
     * keys that all live in one partition (a conversation's messages) when which one is not known.
     * Throws while no partition is active here.
     */
    public <T> T first(Function<ReadOnlyKeyValueStore<K, V>, T> read) {
        for (ReadOnlyKeyValueStore<K, V> store : openStores()) {
            T answer = read.apply(store);
            if (answer != null) {
                return answer;
            }
        }
        return null;
    }

    /** Throws {@link InvalidStateStoreException} while no partition of the store is active here. */
    public void requireOpen() {
        openStores();
    }

    private ReadOnlyKeyValueStore<K, V>[] openStores() {
        ReadOnlyKeyValueStore<K, V>[] stores = open;
        if (stores.length == 0) {
            throw new InvalidStateStoreException(
                    "No partition of store '" + name + "' is active here (yet)");
        }
        return stores;
    }

    @SuppressWarnings("unchecked")
    private static <K, V> ReadOnlyKeyValueStore<K, V>[] newArray(int length) {
        return (ReadOnlyKeyValueStore<K, V>[]) new ReadOnlyKeyValueStore<?, ?>[length];
    }
}
