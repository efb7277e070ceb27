package ams.service.http;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which instance owns each partition of a store, kept between rebalances so a key lookup is a hash
 * and an array read. {@code queryMetadataForKey} per request takes the metadata lock and copies
 * every instance's partition set; here Kafka Streams is asked once per partition after each
 * metadata change, and a key's partition is computed as its default partitioner does (murmur2 of
 * the serialized key, modulo the partition count it uses for the store).
 *
 * <p>A table is current while the metadata it was built from is: Kafka Streams rebuilds every
 * {@link StreamsMetadata} object on each assignment, so a different first element of {@code
 * streamsMetadataForStore} means a rebalance happened since (no state listener needed; KafkaStreams
 * allows only one, and the processes use it for logging). A new table is checked once against
 * Kafka's own answer for the key being asked; if they ever disagree (a partitioner this class does
 * not reproduce) the store falls back to asking Kafka per key.
 */
final class PartitionOwners {

    private static final Logger log = LoggerFactory.getLogger(PartitionOwners.class);

    /** A store's owners as of one metadata version. Null {@code active}: ask Kafka per key. */
    private record Table(Object basis, String topic, int partitions, List<HostInfo> active) {}

    /** Where a key is active, as the router answers it. */
    record Owner(int partition, HostInfo host) {}

    private final KafkaStreams streams;
    private final ConcurrentMap<String, Table> tables = new ConcurrentHashMap<>();

    PartitionOwners(KafkaStreams streams) {
        this.streams = streams;
    }

    /**
     * The key's partition and active host. Throws {@link InvalidStateStoreException} while there is
     * no metadata or a partition has no active owner yet (the caller retries).
     */
    <K> Owner locate(String store, K key, Serializer<K> keySerializer) {
        Object basis = basis(store);
        Table table = tables.get(store);
        if (table == null || !sameBasis(table.basis(), basis)) {
            table = build(store, basis, key, keySerializer);
            tables.put(store, table);
        }
        if (table.active() == null) {
            return kafkaAnswer(store, key, keySerializer);
        }
        int partition = partition(keySerializer.serialize(table.topic(), key), table.partitions());
        return new Owner(partition, table.active().get(partition));
    }

    /** The metadata version: the first instance's metadata object, replaced on every assignment. */
    private Object basis(String store) {
        Collection<StreamsMetadata> all = streams.streamsMetadataForStore(store);
        if (all.isEmpty()) {
            throw new InvalidStateStoreException("No instance hosts " + store + " yet");
        }
        return all.iterator().next();
    }

    // Identity, not equals: two assignments with equal contents still mean a rebuild happened, and
    // equals would compare every partition set on each request.
    @SuppressWarnings("ReferenceEquality")
    private static boolean sameBasis(Object a, Object b) {
        return a == b;
    }

    private <K> Table build(String store, Object basis, K key, Serializer<K> keySerializer) {
        // What the store's partitioner is told: the topic it serializes for and the partition
        // count (the most partitions among the store's source topics).
        AtomicReference<String> topic = new AtomicReference<>();
        AtomicInteger count = new AtomicInteger();
        KeyQueryMetadata first =
                streams.queryMetadataForKey(
                        store,
                        "",
                        (t, k, v, n) -> {
                            topic.set(t);
                            count.set(n);
                            return Optional.of(Set.of(0));
                        });
        if (first == null || first.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw new InvalidStateStoreException("No metadata yet for store " + store);
        }
        if (count.get() <= 0) {
            // No partitioner asked: a global store (every instance has all of it).
            return new Table(basis, null, 0, null);
        }
        HostInfo[] active = new HostInfo[count.get()];
        for (int p = 0; p < active.length; p++) {
            int partition = p;
            KeyQueryMetadata owner =
                    streams.queryMetadataForKey(
                            store, "", (t, k, v, n) -> Optional.of(Set.of(partition)));
            if (owner == null || !available(owner.activeHost())) {
                throw new InvalidStateStoreException(
                        "Partition " + p + " of store " + store + " has no active instance yet");
            }
            active[p] = owner.activeHost();
        }
        Table table = new Table(basis, topic.get(), active.length, List.of(active));
        Owner ours =
                new Owner(
                        partition(keySerializer.serialize(table.topic(), key), table.partitions()),
                        null);
        Owner kafkas = kafkaAnswer(store, key, keySerializer);
        if (ours.partition() != kafkas.partition()
                || !active[ours.partition()].equals(kafkas.host())) {
            log.error(
                    "Store {}: the cached owner of a key (partition {}, {}) differs from Kafka"
                            + " Streams' (partition {}, {}); asking Kafka Streams per key from now"
                            + " on",
                    store,
                    ours.partition(),
                    active[ours.partition()],
                    kafkas.partition(),
                    kafkas.host());
            return new Table(basis, table.topic(), table.partitions(), null);
        }
        return table;
    }

    private <K> Owner kafkaAnswer(String store, K key, Serializer<K> keySerializer) {
        KeyQueryMetadata m = streams.queryMetadataForKey(store, key, keySerializer);
        if (m == null || m.equals(KeyQueryMetadata.NOT_AVAILABLE) || !available(m.activeHost())) {
            throw new InvalidStateStoreException("No metadata yet for store " + store);
        }
        return new Owner(m.partition(), m.activeHost());
    }

    private static boolean available(HostInfo host) {
        return host != null && !host.equals(HostInfo.unavailable());
    }

    /** Kafka's default partitioner for a serialized key (DefaultStreamPartitioner). */
    static int partition(byte[] serializedKey, int partitions) {
        return Utils.toPositive(Utils.murmur2(serializedKey)) % partitions;
    }
}
