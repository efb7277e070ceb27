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
    private final ServedConversations served;

    public ConversationQueries(
            KafkaStreams streams, StoreQueries storeQueries, ServedConversations served) {
        this.streams = streams;
        this.storeQueries = storeQueries;
        this.served = served;
    }

    public Optional<ConversationState> conversation(String conversationId) {
        return storeQueries.query(
                ConversationTopology.CONVERSATIONS_STORE,
                () -> Optional.ofNullable(served.conversations.get(conversationId)));
    }

    /**
     * Messages in the order they were appended. A conversation's messages all live in its
     * partition: the scan stops at the first active partition that has any.
     */
    public List<StoredMessage> messages(String conversationId) {
        List<StoredMessage> found =
                storeQueries.query(
                        ConversationTopology.MESSAGES_STORE,
                        () ->
                                served.messages.first(
                                        store -> {
                                            List<StoredMessage> out = new ArrayList<>();
                                            try (KeyValueIterator<String, StoredMessage> it =
                                                    store.prefixScan(
                                                            StoredMessage.prefix(conversationId),
                                                            new StringSerializer())) {
                                                it.forEachRemaining(kv -> out.add(kv.value));
                                            }
                                            return out.isEmpty() ? null : out;
                                        }));
        return found == null ? new ArrayList<>() : found;
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
