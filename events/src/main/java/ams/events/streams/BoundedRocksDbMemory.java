package ams.events.streams;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One memory budget for every RocksDB store of the process: a shared block cache that also holds
 * (through a write-buffer manager) the memtables of all stores, as the Kafka Streams memory guide
 * describes. Without it each of the ~12 stores of {@code ams up} takes its own cache and memtables,
 * and off-heap memory grows with the number of stores and partitions.
 *
 * <p>The cache and manager are JVM-wide on purpose: Streams creates this setter by class name for
 * every store, and sharing them is what bounds the total. The first size configured in the JVM is
 * the one used.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

    /** Total off-heap bytes for all stores of the process (a Streams config key). */
    public static final String MEMORY_BYTES_CONFIG = "rocksdb.memory.bytes";

    public static final long DEFAULT_MEMORY_BYTES = 256L * 1024 * 1024;

    /**
     * Share of the budget the memtables may take; the rest is read cache. Half: a fold writes every
     * event, and a quarter (the memory guide's example) made the memtables flush so often that the
     * agent fold spent a quarter more CPU per event (measured, bench/RESULTS.md).
     */
    private static final double MEMTABLE_SHARE = 0.5;

    private static final Logger log = LoggerFactory.getLogger(BoundedRocksDbMemory.class);

    private static Shared shared;

    private record Shared(long bytes, Cache cache, WriteBufferManager writeBuffers) {}

    /** Makes every store of the Streams app these properties configure share the budget. */
    public static void apply(Properties props) {
        props.putIfAbsent(
                StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
        props.putIfAbsent(MEMORY_BYTES_CONFIG, DEFAULT_MEMORY_BYTES);
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Shared budget = shared(bytes(configs.get(MEMORY_BYTES_CONFIG)));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(budget.cache());
        // Indexes and filters stay with the table readers (small here, and reported by Streams as
        // estimate-table-readers-mem): counted in the cache they cost a cache lookup per read.
        options.setWriteBufferManager(budget.writeBuffers());
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the manager serve every store of the JVM: never closed with one of them.
    }

    /** The shared budget, created by the first store of the JVM. */
    static synchronized Shared shared(long bytes) {
        if (shared == null) {
            Cache cache = new LRUCache(bytes);
            shared =
                    new Shared(
                            bytes,
                            cache,
                            new WriteBufferManager((long) (bytes * MEMTABLE_SHARE), cache));
            log.info(
                    "RocksDB stores of this process share {} MiB (memtables up to {} MiB of it)",
                    bytes >> 20,
                    (long) (bytes * MEMTABLE_SHARE) >> 20);
        } else if (shared.bytes() != bytes) {
            log.warn(
                    "RocksDB memory already bounded at {} bytes for this process; {} ignored",
                    shared.bytes(),
                    bytes);
        }
        return shared;
    }

    private static long bytes(Object configured) {
        if (configured == null) {
            return DEFAULT_MEMORY_BYTES;
        }
        long bytes =
                configured instanceof Number n
                        ? n.longValue()
                        : Long.parseLong(configured.toString().strip());
        if (bytes < 16L * 1024 * 1024) {
            throw new IllegalArgumentException(
                    MEMORY_BYTES_CONFIG + " must be at least 16 MiB, was " + bytes);
        }
        return bytes;
    }
}
