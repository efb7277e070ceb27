package ams.knowledge.graph;

import ams.events.serde.EventDecodingException;
import ams.events.serde.EventSerdes;
import ams.events.serde.Utf8Decoder;
import ams.events.streams.EventDecoding;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * What the knowledge graph takes from agent-events: an agent's deactivation or reactivation, as a
 * {@link GraphSignals#agentActivity} signal keyed by the record's key, forwarded to the child named
 * {@code signals}; an undecodable record's dead letter to the child named {@code deadLetters};
 * every other event nothing.
 *
 * <p>One node, and a projection: the graph needs only which kind of event it is, the agent and
 * when, so the rest of each event (names, configurations, prompts) is stepped over, not decoded
 * (Avro still reads its lengths and union branches, so a truncated or broken body fails as it would
 * whole, and the event id is still checked as a UUID). Most agent events are none of the two kinds
 * and end here, where the generic decoding sent every one through a decode, a branch, a re-key and
 * a filter node. In a replay profile the indexer's stream threads took 31 % of the samples, mostly
 * per-node work and decoding of the agent events.
 */
public final class AgentActivityNode implements Processor<byte[], byte[], Object, Object> {

    private static final String DEACTIVATED = "ams.events.agent.AgentDeactivated";
    private static final String REACTIVATED = "ams.events.agent.AgentReactivated";

    /** The fields read; every payload record with none of its fields, only its kind. */
    private static final Map<String, Set<String>> READ =
            Map.of(
                    "ams.events.agent.AgentEvent",
                    Set.of("envelope", "agentId", "payload"),
                    "ams.events.Envelope",
                    Set.of("eventId", "occurredAt"),
                    "ams.events.agent.AgentCreated",
                    Set.of(),
                    "ams.events.agent.AgentConfigChanged",
                    Set.of(),
                    "ams.events.agent.AgentPromptSet",
                    Set.of(),
                    "ams.events.agent.AgentFlagSet",
                    Set.of(),
                    DEACTIVATED,
                    Set.of(),
                    REACTIVATED,
                    Set.of());

    private final Utf8Decoder decoder;
    private final String application;
    private final String signals;
    private final String deadLetters;
    private ProcessorContext<Object, Object> context;

    public AgentActivityNode(String application, String signals, String deadLetters) {
        this.decoder = EventSerdes.agentEvents().utf8Decoder(READ);
        this.application = application;
        this.signals = signals;
        this.deadLetters = deadLetters;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        GenericRecord event;
        try {
            if (record.value() == null) {
                throw EventDecoding.tombstone("AgentEvent");
            }
            event = decoder.decode(record.value());
        } catch (EventDecodingException e) {
            RecordMetadata meta = context.recordMetadata().orElseThrow();
            context.forward(
                    record.<Object>withKey(record.key())
                            .<Object>withValue(
                                    EventDecoding.undecodable(
                                            application,
                                            meta,
                                            record.key(),
                                            record.value(),
                                            record.timestamp(),
                                            e)),
                    deadLetters);
            return;
        }
        String kind = ((GenericRecord) event.get("payload")).getSchema().getFullName();
        boolean reactivated = REACTIVATED.equals(kind);
        if (!reactivated && !DEACTIVATED.equals(kind)) {
            return;
        }
        GenericRecord envelope = (GenericRecord) event.get("envelope");
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        context.forward(
                record.<Object>withKey(key)
                        .<Object>withValue(
                                GraphSignals.agentActivity(
                                        reactivated,
                                        event.get("agentId").toString(),
                                        Instant.ofEpochMilli((Long) envelope.get("occurredAt")))),
                signals);
    }
}
