package ams.events.streams;

import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * Runs an interactive query, retrying while the store is migrating or restoring ({@link
 * InvalidStateStoreException}), for at most a bounded wait.
 */
public final class StoreQueries {

    private final Duration maxWait;

    public StoreQueries(Duration maxWait) {
        this.maxWait = maxWait;
    }

    public <T> T query(String store, Supplier<T> query) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        long pauseMs = 10;
        while (true) {
            try {
                return query.get();
            } catch (InvalidStateStoreException e) {
                if (System.nanoTime() + pauseMs * 1_000_000 > deadline) {
                    throw new StoreUnavailableException(
                            "Store '"
                                    + store
                                    + "' is not queryable after "
                                    + maxWait.toMillis()
                                    + " ms (rebalance or restore in progress); retry shortly",
                            e);
                }
                try {
                    Thread.sleep(pauseMs);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new StoreUnavailableException(
                            "Interrupted while waiting for store '" + store + "'", interrupted);
                }
                pauseMs = Math.min(pauseMs * 2, 200);
            }
        }
    }
}
