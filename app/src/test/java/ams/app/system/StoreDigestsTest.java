package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ams.agents.state.AgentActivity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

/** The digest depends on the content of a store only, and on every part of it. */
class StoreDigestsTest {

    private static List<KeyValue<Object, Object>> entries(int count) {
        List<KeyValue<Object, Object>> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            entries.add(KeyValue.pair(String.format("agent-%04d", i), activity(i, i % 7)));
        }
        return entries;
    }

    private static AgentActivity activity(int i, long messages) {
        return AgentActivity.newBuilder()
                .setAgentId(String.format("agent-%04d", i))
                .setMessagesWritten(messages)
                .setConversationsJoined(1)
                .setLastActiveAt(Instant.ofEpochMilli(1_700_000_000_000L + i))
                .build();
    }

    @Test
    void theOrderOfReadingDoesNotMatter() {
        List<KeyValue<Object, Object>> entries = entries(500);
        List<KeyValue<Object, Object>> shuffled = new ArrayList<>(entries);
        Collections.shuffle(shuffled, new java.util.Random(7));

        StoreDigests.Digest inOrder = StoreDigests.digest("s", new ListStore(entries));
        StoreDigests.Digest otherOrder = StoreDigests.digest("s", new ListStore(shuffled));

        assertEquals(inOrder, otherOrder);
        assertEquals(inOrder.sha256(), otherOrder.sha256());
        assertEquals(500, inOrder.entries());
        // The sample: the first entries by key, as text, whatever the order read.
        assertEquals(inOrder.sample(), otherOrder.sample());
        assertEquals(200, inOrder.sample().size());
        assertEquals("agent-0000 = " + activity(0, 0), inOrder.sample().get(0));
    }

    @Test
    void oneFieldOfOneValueChangesTheDigest() {
        List<KeyValue<Object, Object>> entries = entries(500);
        List<KeyValue<Object, Object>> changed = new ArrayList<>(entries);
        changed.set(321, KeyValue.pair("agent-0321", activity(321, 99)));

        assertNotEquals(
                StoreDigests.digest("s", new ListStore(entries)).sha256(),
                StoreDigests.digest("s", new ListStore(changed)).sha256());
    }

    @Test
    void aKeyMovedToAnotherValueChangesTheDigest() {
        List<KeyValue<Object, Object>> entries = entries(3);
        List<KeyValue<Object, Object>> swapped =
                List.of(
                        KeyValue.pair("agent-0000", entries.get(1).value),
                        KeyValue.pair("agent-0001", entries.get(0).value),
                        entries.get(2));

        assertNotEquals(
                StoreDigests.digest("s", new ListStore(entries)).sha256(),
                StoreDigests.digest("s", new ListStore(swapped)).sha256());
    }

    /** A read-only view over entries in a given order, as interactive queries iterate a store. */
    private record ListStore(List<KeyValue<Object, Object>> entries)
            implements ReadOnlyKeyValueStore<Object, Object> {

        @Override
        public Object get(Object key) {
            return entries.stream().filter(e -> e.key.equals(key)).findFirst().orElseThrow().value;
        }

        @Override
        public KeyValueIterator<Object, Object> range(Object from, Object to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public KeyValueIterator<Object, Object> all() {
            Iterator<KeyValue<Object, Object>> it = entries.iterator();
            return new KeyValueIterator<>() {
                @Override
                public void close() {}

                @Override
                public Object peekNextKey() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public KeyValue<Object, Object> next() {
                    return it.next();
                }
            };
        }

        @Override
        public long approximateNumEntries() {
            return entries.size();
        }
    }
}
