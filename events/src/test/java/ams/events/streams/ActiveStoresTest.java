package ams.events.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

class ActiveStoresTest {

    @Test
    void readsTheKeyFromWhicheverActivePartitionHoldsIt() {
        ActiveStores<String, String> stores = new ActiveStores<>("agents");
        stores.opened(0, new MapStore(Map.of("a", "in 0")));
        stores.opened(3, new MapStore(Map.of("b", "in 3")));

        assertEquals("in 0", stores.get("a"));
        assertEquals("in 3", stores.get("b"));
        assertNull(stores.get("c"), "a key no partition holds");
        assertEquals("in 3", stores.get(3, "b"));
        assertNull(stores.get(0, "b"), "the partition asked for is the only one read");
        assertEquals("in 3", stores.first(store -> store.get("b")));
        assertNull(stores.first(store -> store.get("c")));
    }

    @Test
    void aPartitionNotActiveHereIsRetriedNotAnsweredEmpty() {
        ActiveStores<String, String> stores = new ActiveStores<>("agents");
        InvalidStateStoreException none =
                assertThrows(InvalidStateStoreException.class, () -> stores.get("a"));
        assertTrue(none.getMessage().contains("'agents'"), none.getMessage());
        assertThrows(InvalidStateStoreException.class, stores::requireOpen);
        assertThrows(InvalidStateStoreException.class, () -> stores.first(store -> store.get("a")));

        stores.opened(1, new MapStore(Map.of("a", "x")));
        stores.requireOpen();
        InvalidStateStoreException other =
                assertThrows(InvalidStateStoreException.class, () -> stores.get(0, "a"));
        assertTrue(other.getMessage().contains("Partition 0"), other.getMessage());
        assertThrows(InvalidStateStoreException.class, () -> stores.get(7, "a"));
    }

    @Test
    void aClosingTaskRemovesOnlyTheStoreItRegistered() {
        ActiveStores<String, String> stores = new ActiveStores<>("agents");
        MapStore old = new MapStore(Map.of("a", "old"));
        MapStore replacement = new MapStore(Map.of("a", "new"));
        stores.opened(2, old);
        // The partition's new task (another thread) registered before the old one closed.
        stores.opened(2, replacement);
        stores.closed(2, old);
        assertEquals("new", stores.get(2, "a"));
        assertSame(replacement, stores.store(2));

        stores.closed(2, replacement);
        assertThrows(InvalidStateStoreException.class, () -> stores.get("a"));
        stores.closed(5, replacement); // never registered: nothing to do
    }

    /** A read-only store over a map: the registry only passes reads through. */
    private record MapStore(Map<String, String> values)
            implements ReadOnlyKeyValueStore<String, String> {

        @Override
        public String get(String key) {
            return values.get(key);
        }

        @Override
        public KeyValueIterator<String, String> range(String from, String to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public KeyValueIterator<String, String> all() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long approximateNumEntries() {
            return values.size();
        }
    }
}
