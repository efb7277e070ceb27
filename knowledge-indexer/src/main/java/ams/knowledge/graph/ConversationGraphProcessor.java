package ams.knowledge.graph;

import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.streams.Decoded;
import ams.knowledge.avro.ConversationGraphState;
import ams.knowledge.avro.GraphSignal;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Per conversation: opens agent -participates_in-> conversation for each participant and
 * conversation -mentions-> topic when it is requested, and closes the participations when it ends
 * (completed, failed, cancelled). Participation signals are keyed by agentId (they go on to the
 * agent's partition); mention signals by the conversation node.
 */
public final class ConversationGraphProcessor
        implements Processor<String, Decoded<ConversationEvent>, String, GraphSignal> {

    private final String storeName;
    private ProcessorContext<String, GraphSignal> context;
    private KeyValueStore<String, ConversationGraphState> store;

    public ConversationGraphProcessor(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public void init(ProcessorContext<String, GraphSignal> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, Decoded<ConversationEvent>> record) {
        ConversationEvent event = record.value().event();
        String conversationId = event.getConversationId();
        Instant at = event.getEnvelope().getOccurredAt();
        ConversationGraphState state = store.get(conversationId);
        Object payload = event.getPayload();
        if (payload instanceof ConversationRequested requested) {
            if (state != null) {
                return;
            }
            state =
                    ConversationGraphState.newBuilder()
                            .setParticipants(List.copyOf(requested.getParticipants()))
                            .setTopic(requested.getTopic())
                            .setEnded(false)
                            .build();
            store.put(conversationId, state);
            String conversation = GraphNodes.conversation(conversationId);
            for (String participant : requested.getParticipants()) {
                context.forward(
                        new Record<>(
                                participant,
                                GraphSignals.open(
                                        GraphNodes.PARTICIPATES_IN,
                                        GraphNodes.agent(participant),
                                        conversation,
                                        at),
                                record.timestamp()));
            }
            if (!requested.getTopic().isBlank()) {
                context.forward(
                        new Record<>(
                                conversation,
                                GraphSignals.open(
                                        GraphNodes.MENTIONS,
                                        conversation,
                                        GraphNodes.topic(requested.getTopic()),
                                        at),
                                record.timestamp()));
            }
        } else if (payload instanceof ConversationCompleted
                || payload instanceof ConversationFailed
                || payload instanceof ConversationCancelled) {
            if (state == null || state.getEnded()) {
                return;
            }
            state = ConversationGraphState.newBuilder(state).setEnded(true).build();
            store.put(conversationId, state);
            String conversation = GraphNodes.conversation(conversationId);
            for (String participant : state.getParticipants()) {
                context.forward(
                        new Record<>(
                                participant,
                                GraphSignals.close(
                                        GraphNodes.PARTICIPATES_IN,
                                        GraphNodes.agent(participant),
                                        conversation,
                                        at),
                                record.timestamp()));
            }
        }
    }
}
