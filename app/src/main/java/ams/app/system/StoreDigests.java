package ams.app.system;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A digest of every key-value store of a Streams application: the sum of its entries' SHA-256
 * hashes, so equal digests mean equal stores whatever order the entries were read in. Stores that
 * interactive queries cannot iterate as key-value stores (e.g. versioned stores) are reported as
 * such instead of being skipped silently.
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
                    : store + ": " + entries + " entries, digest " + sha256;
        }
    }

    private static final int SAMPLE = 200;

    private StoreDigests() {}

    /**
     * Every store of every application, by application name then store, digested on {@code threads}
     * threads at once: a digest is CPU-bound (each entry decoded, encoded and hashed), and one
     * thread took about 5 s per 1,000,000 entries, which {@code ams replay} waited for twice.
     *
     * @throws InvalidStateStoreException a store is not queryable (its application rebalancing)
     */
    public static Map<String, Map<String, Digest>> ofAll(
            Map<String, KafkaStreams> applications, int threads) throws InterruptedException {
        Map<String, Map<String, Future<Digest>>> pending = new LinkedHashMap<>();
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        Math.max(1, threads),
                        r -> {
                            Thread t = new Thread(r, "store-digest");
                            t.setDaemon(true);
                            return t;
                        });
        try {
            applications.forEach(
                    (name, streams) -> {
                        Map<String, Future<Digest>> stores = new TreeMap<>();
                        for (String store : storeNames(streams)) {
                            stores.put(store, pool.submit(() -> digest(streams, store)));
                        }
                        pending.put(name, stores);
                    });
            Map<String, Map<String, Digest>> all = new LinkedHashMap<>();
            for (Map.Entry<String, Map<String, Future<Digest>>> app : pending.entrySet()) {
                Map<String, Digest> digests = new TreeMap<>();
                for (Map.Entry<String, Future<Digest>> store : app.getValue().entrySet()) {
                    digests.put(store.getKey(), result(store.getValue()));
                }
                all.put(app.getKey(), digests);
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Digest result(Future<Digest> digest) throws InterruptedException {
        try {
            return digest.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static Set<String> storeNames(KafkaStreams streams) {
        TreeSet<String> stores = new TreeSet<>();
        for (StreamsMetadata metadata : streams.metadataForAllStreamsClients()) {
            stores.addAll(metadata.stateStoreNames());
        }
        return stores;
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
     * differs between runs; so each entry is hashed alone and the entry hashes are added up (each
     * 64-bit quarter modulo 2^64): the digest depends on the content only, and no list of a million
     * hashes has to be kept and sorted. An entry's hash covers its key's text and its value: an
     * Avro record's binary encoding, raw bytes as they are, anything else its text. The first
     * {@value #SAMPLE} entries by key are kept as text, to show where two stores differ.
     */
    static Digest digest(String store, ReadOnlyKeyValueStore<Object, Object> view) {
        MessageDigest sha = sha256();
        EntryHasher hasher = new EntryHasher(sha);
        long[] sum = new long[4];
        long entries = 0;
        TreeMap<String, Object> sample = new TreeMap<>();
        try (KeyValueIterator<Object, Object> all = view.all()) {
            while (all.hasNext()) {
                KeyValue<Object, Object> entry = all.next();
                String key = text(entry.key);
                sha.update(key.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                hasher.update(entry.value);
                ByteBuffer hash = ByteBuffer.wrap(sha.digest());
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += hash.getLong();
                }
                entries++;
                if (sample.size() < SAMPLE || key.compareTo(sample.lastKey()) < 0) {
                    sample.put(key, entry.value);
                    if (sample.size() > SAMPLE) {
                        sample.pollLastEntry();
                    }
                }
            }
        }
        ByteBuffer total = ByteBuffer.allocate(8 * sum.length);
        for (long quarter : sum) {
            total.putLong(quarter);
        }
        return new Digest(
                store,
                entries,
                HexFormat.of().formatHex(total.array()),
                sample.entrySet().stream()
                        .map(e -> e.getKey() + " = " + text(e.getValue()))
                        .toList());
    }

    /**
     * Feeds a value to the entry's hash. Avro records by their binary encoding, which is several
     * times cheaper than their text (at 1,000,000 entries the digest of every store took about 12 s
     * of a core with the text); one writer per schema.
     */
    private static final class EntryHasher {

        private final MessageDigest sha;
        private final Map<Schema, SpecificDatumWriter<Object>> writers = new HashMap<>();

        /**
         * Encodes straight into the hash, through the encoder's own buffer: no copy of the
         * encoding, and none of a {@code ByteArrayOutputStream}'s synchronized writes.
         */
        private final OutputStream intoHash;

        private BinaryEncoder encoder;

        EntryHasher(MessageDigest sha) {
            this.sha = sha;
            this.intoHash =
                    new OutputStream() {
                        @Override
                        public void write(int b) {
                            sha.update((byte) b);
                        }

                        @Override
                        public void write(byte[] b, int off, int len) {
                            sha.update(b, off, len);
                        }
                    };
        }

        void update(Object value) {
            if (value instanceof byte[] bytes) {
                sha.update(bytes);
            } else if (value
                    instanceof org.apache.kafka.streams.state.ValueAndTimestamp<?> timestamped) {
                update(timestamped.value());
                sha.update(("@" + timestamped.timestamp()).getBytes(StandardCharsets.UTF_8));
            } else if (value instanceof SpecificRecord record) {
                SpecificDatumWriter<Object> writer =
                        writers.computeIfAbsent(
                                record.getSchema(), schema -> new SpecificDatumWriter<>(schema));
                encoder = EncoderFactory.get().binaryEncoder(intoHash, encoder);
                try {
                    writer.write(record, encoder);
                    encoder.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                sha.update(String.valueOf(value).getBytes(StandardCharsets.UTF_8));
            }
        }
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
