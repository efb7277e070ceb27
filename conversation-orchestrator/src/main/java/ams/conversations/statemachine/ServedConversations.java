package ams.conversations.statemachine;

import ams.events.streams.ActiveStores;

/**
 * This instance's running partitions of the {@code conversations} and {@code messages} stores,
 * registered by the state machine that writes them: {@code GET /conversations/{id}} and its
 * messages read them directly instead of through a {@code KafkaStreams.store} handle, which finds
 * the tasks again at every read.
 */
public final class ServedConversations {

    final ActiveStores<String, ConversationState> conversations =
            new ActiveStores<>(ConversationTopology.CONVERSATIONS_STORE);
    final ActiveStores<String, StoredMessage> messages =
            new ActiveStores<>(ConversationTopology.MESSAGES_STORE);
}
