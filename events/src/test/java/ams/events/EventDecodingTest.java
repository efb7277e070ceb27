package ams.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.events.agent.AgentCreated;
import ams.events.agent.AgentEvent;
import ams.events.streams.EventDecoding;
import ams.events.topics.TopicCatalogue;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;

class EventDecodingTest {

    private final TopicCatalogue topics = TopicCatalogue.defaults();

    @Test
    void shouldPassDecodedEventsOnAndDeadLetterUndecodableOnesWithTheirBytes() {
        StreamsBuilder builder = new StreamsBuilder();
        EventDecoding.decode(
                        builder,
                        topics.agentEvents(),
                        topics.deadLetters(),
                        "test-app",
                        AgentEvent::getEnvelope)
                .mapValues(decoded -> decoded.event().getAgentId() + "@" + decoded.offset())
                .to("out", Produced.with(Serdes.String(), Serdes.String()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "decode-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");

        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<byte[], byte[]> input =
                    driver.createInputTopic(
                            topics.agentEvents().name(),
                            Serdes.ByteArray().serializer(),
                            Serdes.ByteArray().serializer());
            TestOutputTopic<String, String> out =
                    driver.createOutputTopic(
                            "out", Serdes.String().deserializer(), Serdes.String().deserializer());
            TestOutputTopic<byte[], DeadLetter> dead =
                    driver.createOutputTopic(
                            topics.deadLetters().name(),
                            Serdes.ByteArray().deserializer(),
                            topics.deadLetters().valueSerde().deserializer());

            AgentEvent event =
                    AgentEvent.newBuilder()
                            .setEnvelope(Envelopes.create("test", Instant.EPOCH))
                            .setAgentId("a1")
                            .setPayload(
                                    AgentCreated.newBuilder()
                                            .setAgentName("A")
                                            .setConfigJson("{}")
                                            .build())
                            .build();
            byte[] garbage = "not avro".getBytes();
            input.pipeInput("a0".getBytes(), garbage);
            input.pipeInput(
                    "a1".getBytes(),
                    topics.agentEvents().valueSerde().serializer().serialize("t", event));

            assertEquals(List.of("a1@1"), out.readValuesToList());
            DeadLetter letter = dead.readValue();
            assertEquals(DeadLetterReason.UNDECODABLE, letter.getReason());
            assertEquals(0L, letter.getSourceOffset());
            assertEquals("test-app", letter.getApplication());
            assertArrayEquals(garbage, letter.getOriginalValue().array());
            assertEquals(
                    true,
                    letter.getDetail().startsWith("NOT_SINGLE_OBJECT_ENCODING"),
                    letter.getDetail());
        }
    }
}
