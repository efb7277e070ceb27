package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.Envelopes;
import ams.events.agent.AgentEvent;
import ams.events.agent.AgentFlagSet;
import ams.events.serde.EventSerdes;
import ams.events.streams.EventDecoding;
import ams.events.topics.TopicCatalogue;
import ams.knowledge.avro.GraphSignal;
import ams.knowledge.graph.AgentActivityNode;
import ams.knowledge.graph.GraphSignals;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.junit.jupiter.api.Test;

/** The knowledge graph's node on agent-events: activity signals, dead letters, nothing else. */
class AgentActivityNodeTest {

    private final TopicCatalogue catalogue = new TopicCatalogue("t.", 1, (short) 1);

    @Test
    void signalsActivityChangesDeadLettersWhatDoesNotDecodeAndDropsTheRest() {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<Object, Object> outcomes =
                EventDecoding.raw(builder, catalogue.agentEvents())
                        .process(
                                () -> new AgentActivityNode("ams-test", "signals", "dead"),
                                Named.as("agent-activity"));
        EventDecoding.deadLetterChild(outcomes, "dead", catalogue.deadLetters(), "t", true);
        List<KeyValue<String, GraphSignal>> signals = new ArrayList<>();
        outcomes.map((k, v) -> KeyValue.pair((String) k, (GraphSignal) v), Named.as("signals"))
                .foreach((k, v) -> signals.add(KeyValue.pair(k, v)));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "activity-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        Instant at = Instant.parse("2026-12-06T09:00:00Z");
        byte[] garbage = "not an event".getBytes(StandardCharsets.UTF_8);
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<byte[], byte[]> in =
                    driver.createInputTopic(
                            catalogue.agentEvents().name(),
                            new ByteArraySerializer(),
                            new ByteArraySerializer());
            TestOutputTopic<byte[], DeadLetter> dead =
                    driver.createOutputTopic(
                            catalogue.deadLetters().name(),
                            catalogue.deadLetters().keySerde().deserializer(),
                            catalogue.deadLetters().valueSerde().deserializer());
            in.pipeInput(key("ada"), encode(Events.deactivated("ada", at)));
            in.pipeInput(key("ada"), encode(flagSet("ada", at)));
            in.pipeInput(key("bob"), garbage);
            in.pipeInput(key("ada"), encode(Events.reactivated("ada", at.plusSeconds(5))));

            assertEquals(
                    List.of(
                            KeyValue.pair("ada", GraphSignals.agentActivity(false, "ada", at)),
                            KeyValue.pair(
                                    "ada",
                                    GraphSignals.agentActivity(true, "ada", at.plusSeconds(5)))),
                    signals);
            List<KeyValue<byte[], DeadLetter>> letters = dead.readKeyValuesToList();
            assertEquals(1, letters.size());
            DeadLetter letter = letters.get(0).value;
            assertArrayEquals(key("bob"), letters.get(0).key);
            assertEquals(DeadLetterReason.UNDECODABLE, letter.getReason());
            assertEquals("ams-test", letter.getApplication());
            assertEquals(2L, letter.getSourceOffset());
            assertTrue(
                    letter.getDetail().startsWith("NOT_SINGLE_OBJECT_ENCODING"),
                    letter.getDetail());
        }
    }

    private static AgentEvent flagSet(String agentId, Instant at) {
        return AgentEvent.newBuilder()
                .setEnvelope(Envelopes.create("test", at))
                .setAgentId(agentId)
                .setPayload(AgentFlagSet.newBuilder().setFlag("TTS_FLAG").setValue(true).build())
                .build();
    }

    private static byte[] key(String agentId) {
        return agentId.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] encode(AgentEvent event) {
        return EventSerdes.agentEvents().encode(event);
    }
}
