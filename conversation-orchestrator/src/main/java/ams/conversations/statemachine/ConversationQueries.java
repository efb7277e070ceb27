package ams.conversations.statemachine;

import ams.events.streams.StoreQueries;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads this instance's part of the {@code conversations} and {@code messages} stores (routing is
 * {@link ConversationHttp}'s job).
 */
public final class ConversationQueries {

    private final KafkaStreams streams;
    private final StoreQueries storeQueries;

    public ConversationQueries(KafkaStreams streams, StoreQueries storeQueries) {
        this.streams = streams;
        this.storeQueries = storeQueries;
    }

    public Optional<ConversationState> conversation(String conversationId) {
        return storeQueries.query(
                ConversationTopology.CONVERSATIONS_STORE,
                () ->
                        Optional.ofNullable(
                                this.<ConversationState>store(
                                                ConversationTopology.CONVERSATIONS_STORE)
                                        .get(conversationId)));
    }

    /** Messages in the order they were appended. */
    public List<StoredMessage> messages(String conversationId) {
        return storeQueries.query(
                ConversationTopology.MESSAGES_STORE,
                () -> {
                    List<StoredMessage> out = new ArrayList<>();
                    ReadOnlyKeyValueStore<String, StoredMessage> store =
                            store(ConversationTopology.MESSAGES_STORE);
                    try (KeyValueIterator<String, StoredMessage> it =
                            store.prefixScan(
                                    StoredMessage.prefix(conversationId), new StringSerializer())) {
                        it.forEachRemaining(kv -> out.add(kv.value));
                    }
                    return out;
                });
    }

    /**
     * Ids of the local conversations the agent takes part in. A scan: fine for thousands, not
     * millions.
     */
    public List<String> conversationsOfAgent(String agentId) {
        return storeQueries.query(
                ConversationTopology.CONVERSATIONS_STORE,
                () -> {
                    List<String> out = new ArrayList<>();
                    ReadOnlyKeyValueStore<String, ConversationState> store =
                            store(ConversationTopology.CONVERSATIONS_STORE);
                    try (KeyValueIterator<String, ConversationState> it = store.all()) {
                        it.forEachRemaining(
                                kv -> {
                                    if (kv.value.participants().contains(agentId)) {
                                        out.add(kv.key);
                                    }
                                });
                    }
                    return out;
                });
    }

    /** Every local conversation, in key order (a scan of the store). */
    public void forEachConversation(java.util.function.Consumer<ConversationState> visit) {
        storeQueries.query(
                ConversationTopology.CONVERSATIONS_STORE,
                () -> {
                    ReadOnlyKeyValueStore<String, ConversationState> store =
                            store(ConversationTopology.CONVERSATIONS_STORE);
                    try (KeyValueIterator<String, ConversationState> it = store.all()) {
                        it.forEachRemaining(kv -> visit.accept(kv.value));
                    }
                    return null;
                });
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        return streams.store(
                StoreQueryParameters.fromNameAndType(
                        name, QueryableStoreTypes.<String, V>keyValueStore()));
    }
}
