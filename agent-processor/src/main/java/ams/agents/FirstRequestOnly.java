package ams.agents;

import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.streams.Decoded;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Lets through only the first ConversationRequested of each conversation. Two identical generate
 * requests that race can both reach the log; the orchestrator runs the conversation once, so
 * activity must count it once. Conversation-events are keyed by conversationId, so every copy of a
 * request meets the same store. Other events pass unchanged.
 */
final class FirstRequestOnly
        implements FixedKeyProcessor<
                String, Decoded<ConversationEvent>, Decoded<ConversationEvent>> {

    private final String storeName;
    private FixedKeyProcessorContext<String, Decoded<ConversationEvent>> context;
    private KeyValueStore<String, Long> requested;

    FirstRequestOnly(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, Decoded<ConversationEvent>> context) {
        this.context = context;
        this.requested = context.getStateStore(storeName);
    }

    @Override
    public void process(FixedKeyRecord<String, Decoded<ConversationEvent>> record) {
        ConversationEvent event = record.value().event();
        if (event.getPayload() instanceof ConversationRequested) {
            String conversationId = event.getConversationId();
            if (requested.get(conversationId) != null) {
                return;
            }
            // The offset of the request that counted, for whoever inspects the store.
            requested.put(conversationId, record.value().offset());
        }
        context.forward(record);
    }
}
