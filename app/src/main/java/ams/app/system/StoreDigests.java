package ams.app.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A SHA-256 digest of every key-value store of a Streams application, over its entries in key
 * order: equal digests mean equal stores. Stores that interactive queries cannot iterate as
 * key-value stores (e.g. versioned stores) are reported as such instead of being skipped silently.
 */
public final class StoreDigests {

    /** One store's digest and entry count; the first entries as text, to show what differs. */
    public record Digest(String store, long entries, String sha256, java.util.List<String> sample) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Digest d
                    && d.store.equals(store)
                    && d.entries == entries
                    && java.util.Objects.equals(d.sha256, sha256);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(store, entries, sha256);
        }

        @Override
        public String toString() {
            return sha256 == null
                    ? store + ": not iterable through interactive queries"
                    : store + ": " + entries + " entries, sha256 " + sha256;
        }
    }

    private static final int SAMPLE = 200;

    private StoreDigests() {}

    public static Map<String, Digest> of(KafkaStreams streams) {
        TreeSet<String> stores = new TreeSet<>();
        for (StreamsMetadata metadata : streams.metadataForAllStreamsClients()) {
            stores.addAll(metadata.stateStoreNames());
        }
        Map<String, Digest> digests = new TreeMap<>();
        for (String store : stores) {
            digests.put(store, digest(streams, store));
        }
        return digests;
    }

    private static Digest digest(KafkaStreams streams, String store) {
        try {
            ReadOnlyKeyValueStore<Object, Object> view =
                    streams.store(
                            StoreQueryParameters.fromNameAndType(
                                    store, QueryableStoreTypes.keyValueStore()));
            return digest(store, view);
        } catch (InvalidStateStoreException e) {
            if (String.valueOf(e.getMessage()).contains("does not accept the actual store type")) {
                return new Digest(store, 0, null, java.util.List.of());
            }
            throw e;
        }
    }

    /**
     * The interactive-query view iterates partition by partition in task-assignment order, which
     * differs between runs; so each entry is hashed alone and the sorted entry hashes are hashed
     * together: the digest depends on the content only.
     */
    private static Digest digest(String store, ReadOnlyKeyValueStore<Object, Object> view) {
        java.util.List<String> entryHashes = new java.util.ArrayList<>();
        java.util.TreeMap<String, String> sample = new java.util.TreeMap<>();
        try (KeyValueIterator<Object, Object> all = view.all()) {
            while (all.hasNext()) {
                KeyValue<Object, Object> entry = all.next();
                String key = text(entry.key);
                String value = text(entry.value);
                MessageDigest sha = sha256();
                sha.update(key.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(value.getBytes(StandardCharsets.UTF_8));
                entryHashes.add(HexFormat.of().formatHex(sha.digest()));
                sample.put(key, value);
                if (sample.size() > SAMPLE) {
                    sample.pollLastEntry();
                }
            }
        }
        java.util.Collections.sort(entryHashes);
        MessageDigest total = sha256();
        entryHashes.forEach(h -> total.update(h.getBytes(StandardCharsets.US_ASCII)));
        return new Digest(
                store,
                entryHashes.size(),
                HexFormat.of().formatHex(total.digest()),
                sample.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue()).toList());
    }

    private static String text(Object value) {
        if (value instanceof byte[] bytes) {
            return HexFormat.of().formatHex(bytes);
        }
        if (value instanceof org.apache.kafka.streams.state.ValueAndTimestamp<?> timestamped) {
            return text(timestamped.value()) + "@" + timestamped.timestamp();
        }
        return String.valueOf(value);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
