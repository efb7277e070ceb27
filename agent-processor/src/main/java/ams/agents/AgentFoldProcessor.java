package ams.agents;

import ams.agents.state.AgentState;
import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.agent.AgentEvent;
import ams.events.streams.Decoded;
import ams.events.streams.EventDecoding;
import ams.service.fate.FateLog;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes each agent event and applies {@link AgentFold} to it: an applied event updates the
 * current row and adds a version; one that cannot be decoded or applied is forwarded as a dead
 * letter carrying the original bytes (in a rebuild, where the topology has no dead-letter sink, it
 * is only skipped: it was dead-lettered when it first arrived).
 *
 * <p>Decoding happens here rather than in nodes of its own: each node a record passes costs a copy
 * of the record and its headers, and at tens of thousands of events per second those copies were a
 * visible share of the fold's time.
 *
 * <p>The agents it changed last are also kept here as objects, with their parsed configuration: an
 * agent's events tend to come together (a user edits one agent several times), and for them the
 * store read, its Avro decoding and the JSON parse of the whole configuration are spared. The store
 * stays the truth: this is only a copy of what this processor itself last wrote, emptied whenever
 * the task is (re)initialized or closed, so an aborted transaction cannot leave it ahead of the
 * store.
 */
final class AgentFoldProcessor implements Processor<byte[], byte[], byte[], DeadLetter> {

    private static final Logger log = LoggerFactory.getLogger(AgentFoldProcessor.class);

    private final AgentFold fold;
    private final EventDecoding.Decoder<AgentEvent> decoder;
    private final String application;
    private ProcessorContext<byte[], DeadLetter> context;
    private KeyValueStore<String, AgentState> agents;
    private KeyValueStore<String, AgentState> history;
    private final FateLog fateLog;
    private final ServedAgents served;
    private int partition;
    private FateLog.Partition fates;

    /**
     * Recently changed agents of this task. Bounded: a parsed configuration takes some tens of KiB.
     */
    private final Map<String, Recent> recent =
            new LinkedHashMap<>(RECENT_AGENTS, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Recent> eldest) {
                    return size() > RECENT_AGENTS;
                }
            };

    private static final int RECENT_AGENTS = 1024;

    private record Recent(AgentState state, JsonNode config) {}

    AgentFoldProcessor(
            AgentFold fold,
            EventDecoding.Decoder<AgentEvent> decoder,
            String application,
            ServedAgents served,
            FateLog fateLog) {
        this.fold = fold;
        this.decoder = decoder;
        this.application = application;
        this.served = served;
        this.fateLog = fateLog;
    }

    @Override
    public void init(ProcessorContext<byte[], DeadLetter> context) {
        this.context = context;
        this.agents = context.getStateStore(AgentTopology.AGENTS_STORE);
        this.history = context.getStateStore(AgentTopology.HISTORY_STORE);
        this.partition = context.taskId().partition();
        this.fates = fateLog.partition(partition);
        recent.clear();
        served.agents.opened(partition, agents);
        served.history.opened(partition, history);
    }

    @Override
    public void close() {
        served.agents.closed(partition, agents);
        served.history.closed(partition, history);
        recent.clear();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        EventDecoding.Attempt<AgentEvent> attempt =
                decoder.decode(record.key(), record.value(), meta, record.timestamp());
        if (attempt.deadLetter() != null) {
            log.debug(
                    "Undecodable agent event at {}-{}@{}: {}",
                    meta.topic(),
                    meta.partition(),
                    meta.offset(),
                    attempt.deadLetter().getDetail());
            context.forward(new Record<>(record.key(), attempt.deadLetter(), record.timestamp()));
            return;
        }
        Decoded<AgentEvent> decoded = attempt.decoded();
        String key = attempt.key();
        FoldResult result;
        try {
            Recent known = key == null ? null : recent.get(key);
            AgentState current =
                    known != null ? known.state() : key == null ? null : agents.get(key);
            result =
                    fold.apply(
                            key,
                            current,
                            known == null ? null : known.config(),
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
            recent.put(key, new Recent(state, applied.config()));
            fate(decoded, EventFate.applied(key, state.getVersion()));
        } else if (result instanceof FoldResult.Rejected rejected) {
            log.debug(
                    "Rejected agent event {}: {} {}",
                    decoded.eventId(),
                    rejected.reason(),
                    rejected.detail());
            DeadLetter letter = decoded.reject(application, rejected.reason(), rejected.detail());
            context.forward(new Record<>(decoded.rawKey(), letter, record.timestamp()));
            fate(decoded, EventFate.rejected(key, rejected.reason(), rejected.detail()));
        }
    }

    private void fate(Decoded<AgentEvent> decoded, EventFate fate) {
        if (decoded.eventId() != null) {
            fates.put(decoded.eventId(), fate);
        }
    }
}
