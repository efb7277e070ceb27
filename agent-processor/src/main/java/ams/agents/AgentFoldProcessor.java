package ams.agents;

import ams.agents.state.AgentState;
import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.agent.AgentEvent;
import ams.events.streams.Decoded;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link AgentFold} to each decoded agent event: an applied event updates the current row
 * and adds a version; a rejected one is forwarded as a dead letter carrying the original bytes.
 */
final class AgentFoldProcessor
        implements Processor<String, Decoded<AgentEvent>, byte[], DeadLetter> {

    private static final Logger log = LoggerFactory.getLogger(AgentFoldProcessor.class);

    private final AgentFold fold;
    private ProcessorContext<byte[], DeadLetter> context;
    private KeyValueStore<String, AgentState> agents;
    private KeyValueStore<String, AgentState> history;

    AgentFoldProcessor(AgentFold fold) {
        this.fold = fold;
    }

    @Override
    public void init(ProcessorContext<byte[], DeadLetter> context) {
        this.context = context;
        this.agents = context.getStateStore(AgentTopology.AGENTS_STORE);
        this.history = context.getStateStore(AgentTopology.HISTORY_STORE);
    }

    @Override
    public void process(Record<String, Decoded<AgentEvent>> record) {
        Decoded<AgentEvent> decoded = record.value();
        String key = record.key();
        FoldResult result;
        try {
            AgentState current = key == null ? null : agents.get(key);
            result =
                    fold.apply(
                            key,
                            current,
                            decoded.event(),
                            new AgentFold.Position(decoded.partition(), decoded.offset()));
        } catch (RuntimeException e) {
            // A bug or corrupt stored state must not stop the stream for every other agent: keep
            // the event, say why.
            log.warn(
                    "Cannot apply agent event {} at {}-{}@{}",
                    decoded.eventId(),
                    decoded.topic(),
                    decoded.partition(),
                    decoded.offset(),
                    e);
            result = FoldResult.rejected(DeadLetterReason.INVALID_EVENT, "processing failed: " + e);
        }
        if (result instanceof FoldResult.Applied applied) {
            AgentState state = applied.state();
            agents.put(key, state);
            history.put(AgentHistory.key(key, state.getVersion()), state);
        } else if (result instanceof FoldResult.Rejected rejected) {
            log.debug(
                    "Rejected agent event {}: {} {}",
                    decoded.eventId(),
                    rejected.reason(),
                    rejected.detail());
            DeadLetter letter =
                    decoded.reject(AgentTopology.APPLICATION, rejected.reason(), rejected.detail());
            context.forward(new Record<>(decoded.rawKey(), letter, record.timestamp()));
        }
    }
}
