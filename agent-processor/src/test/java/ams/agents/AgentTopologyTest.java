package ams.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.agents.state.AgentActivity;
import ams.agents.state.AgentState;
import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.Envelopes;
import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.topics.TopicCatalogue;
import ams.testkit.TestEvents;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fold's rules through the real topology, without a broker. */
class AgentTopologyTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final TopicCatalogue catalogue = new TopicCatalogue("ttd.", 1, (short) 1);
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> agentEvents;
    private TestInputTopic<String, ConversationEvent> conversationEvents;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;

    @BeforeEach
    void start(@TempDir Path stateDir) {
        Properties props = new Properties();
        // Own state dir: concurrent test JVMs must not share /tmp/kafka-streams/<application.id>.
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "agent-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        driver =
                new TopologyTestDriver(
                        AgentTopology.buildTopology(catalogue, "agent-topology-test", 4096, 16384),
                        props);
        agentEvents =
                driver.createInputTopic(
                        catalogue.agentEvents().name(),
                        new StringSerializer(),
                        new ByteArraySerializer());
        conversationEvents =
                driver.createInputTopic(
                        catalogue.conversationEvents().name(),
                        new StringSerializer(),
                        catalogue.conversationEvents().valueSerde().serializer());
        deadLetters =
                driver.createOutputTopic(
                        catalogue.deadLetters().name(),
                        new ByteArrayDeserializer(),
                        catalogue.deadLetters().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private byte[] send(String key, AgentEvent event) {
        byte[] bytes = catalogue.agentEvents().valueSerde().serializer().serialize("x", event);
        agentEvents.pipeInput(key, bytes);
        return bytes;
    }

    private AgentState agent(String id) {
        KeyValueStore<String, AgentState> store =
                driver.getKeyValueStore(AgentTopology.AGENTS_STORE);
        return store.get(id);
    }

    private JsonNode config(String id) throws IOException {
        return mapper.readTree(agent(id).getConfigJson());
    }

    private static String template(String file) throws IOException {
        try (InputStream in =
                AgentTopologyTest.class.getResourceAsStream("/original-agent-templates/" + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldImportTheOriginalTemplatesUnchanged() throws IOException {
        for (String file :
                List.of(
                        "expert_coder_agent_template.json",
                        "minecraft_agent_template.json",
                        "wizard_agent_template.json")) {
            String json = template(file);
            String id = mapper.readTree(json).get("agent_id").asText();
            send(id, TestEvents.agentCreated(id, file, json));
            assertEquals(mapper.readTree(json), config(id), file);
        }
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void shouldFoldEveryEventType() throws IOException {
        send("a1", TestEvents.agentCreated("a1", "Ada"));
        send(
                "a1",
                TestEvents.configChanged(
                        "a1",
                        """
                {"model_config":{"largeLanguageModel":{"names":["llama3"]}},"database_config":{"x":1},"databases":null}"""));
        send("a1", TestEvents.promptSet("a1", "llmSystem", "Be brief."));
        send("a1", TestEvents.promptSet("a1", "primeDirective", "Serve."));
        send("a1", TestEvents.flagSet("a1", "TTS_FLAG", true));
        send("a1", TestEvents.deactivated("a1"));
        assertFalse(agent("a1").getActive());
        send("a1", TestEvents.reactivated("a1"));

        AgentState state = agent("a1");
        JsonNode config = config("a1");
        assertTrue(state.getActive());
        assertEquals(7, state.getVersion());
        assertEquals("Ada", state.getAgentName());
        assertEquals("llama3", config.at("/model_config/largeLanguageModel/names/0").asText());
        assertEquals(1, config.at("/database_config/x").asInt());
        assertTrue(
                config.at("/databases").isMissingNode(),
                "null in a merge patch removes the member");
        assertEquals("Be brief.", config.at("/prompt_config/agent/llmSystem").asText());
        assertEquals(
                "", config.at("/prompt_config/agent/llmBooster").asText(), "siblings are kept");
        assertEquals("Serve.", config.at("/prompt_config/primeDirective").asText());
        assertTrue(config.at("/command_flags/TTS_FLAG").asBoolean());
        assertTrue(
                config.at("/command_flags/LLM_SYSTEM_PROMPT_FLAG").asBoolean(),
                "other flags are kept");
        assertEquals("AgentReactivated", state.getLastEventType());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void shouldChangeNameDescriptionAndTagsWithAConfigChange() {
        send("a1", TestEvents.agentCreated("a1", "Ada"));
        send(
                "a1",
                TestEvents.agentEvent(
                        "a1",
                        ams.events.agent.AgentConfigChanged.newBuilder()
                                .setMergePatchJson("{}")
                                .setAgentName("Ada 2")
                                .setDescription("new")
                                .setTags(List.of("x", "y"))
                                .build()));
        AgentState state = agent("a1");
        assertEquals("Ada 2", state.getAgentName());
        assertEquals("new", state.getDescription());
        assertEquals(List.of("x", "y"), state.getTags());
    }

    @Test
    void shouldDeadLetterEveryInvalidEventWithItsOriginalBytes() {
        send("a1", TestEvents.agentCreated("a1", "Ada"));
        String big = "x".repeat(5000);
        List<Object[]> cases =
                List.of(
                        new Object[] {
                            "ghost",
                            TestEvents.promptSet("ghost", "llmSystem", "hi"),
                            DeadLetterReason.UNKNOWN_AGENT
                        },
                        new Object[] {
                            "a1",
                            TestEvents.agentCreated("a1", "Again"),
                            DeadLetterReason.DUPLICATE_AGENT
                        },
                        new Object[] {
                            "a1",
                            TestEvents.promptSet("a1", "shoutSystem", "hi"),
                            DeadLetterReason.UNKNOWN_PROMPT_TYPE
                        },
                        new Object[] {
                            "a1",
                            TestEvents.flagSet("a1", "TTS_FLAG", "yes"),
                            DeadLetterReason.INVALID_FLAG_VALUE
                        },
                        new Object[] {
                            "a1",
                            TestEvents.flagSet("a1", "TTS_FLAG", 1L),
                            DeadLetterReason.INVALID_FLAG_VALUE
                        },
                        new Object[] {
                            "a2",
                            TestEvents.agentCreated("a2", "Bad", "[1,2]"),
                            DeadLetterReason.INVALID_CONFIG
                        },
                        new Object[] {
                            "a3",
                            TestEvents.agentCreated("a3", "Bad", "{not json"),
                            DeadLetterReason.INVALID_CONFIG
                        },
                        new Object[] {
                            "a4",
                            TestEvents.agentCreated(
                                    "a4", "Bad", "{\"command_flags\":{\"TTS_FLAG\":\"on\"}}"),
                            DeadLetterReason.INVALID_CONFIG
                        },
                        new Object[] {
                            "a1",
                            TestEvents.configChanged("a1", "{\"command_flags\":[]}"),
                            DeadLetterReason.INVALID_MERGE_PATCH
                        },
                        new Object[] {
                            "a1",
                            TestEvents.configChanged(
                                    "a1", "{\"prompt_config\":{\"agent\":{\"llmSystem\":5}}}"),
                            DeadLetterReason.INVALID_MERGE_PATCH
                        },
                        new Object[] {
                            "a1",
                            TestEvents.configChanged("a1", "{\"agent_id\":\"other\"}"),
                            DeadLetterReason.INVALID_MERGE_PATCH
                        },
                        new Object[] {
                            "a1",
                            TestEvents.configChanged("a1", "not json"),
                            DeadLetterReason.INVALID_MERGE_PATCH
                        },
                        new Object[] {
                            "a1",
                            TestEvents.configChanged("a1", "[]"),
                            DeadLetterReason.INVALID_MERGE_PATCH
                        },
                        new Object[] {
                            "a1",
                            TestEvents.promptSet("a1", "llmSystem", big),
                            DeadLetterReason.TEXT_TOO_LARGE
                        },
                        new Object[] {
                            "wrong-key",
                            TestEvents.promptSet("a1", "llmSystem", "hi"),
                            DeadLetterReason.INVALID_EVENT
                        });
        for (Object[] c : cases) {
            byte[] bytes = send((String) c[0], (AgentEvent) c[1]);
            DeadLetter letter = deadLetters.readValue();
            assertEquals(c[2], letter.getReason(), letter.getDetail());
            assertArrayEquals(bytes, toArray(letter.getOriginalValue()), "original bytes kept");
            assertEquals(catalogue.agentEvents().name(), letter.getSourceTopic());
            assertEquals(
                    ((AgentEvent) c[1]).getEnvelope().getEventId().toString(),
                    letter.getOriginalEventId());
            assertEquals("agent-topology-test", letter.getApplication());
        }
        assertEquals(1, agent("a1").getVersion(), "no rejected event was applied");
        assertNull(agent("a2"));
        assertNull(agent("ghost"));
    }

    @Test
    void shouldDeadLetterUndecodableBytesAndGoOn() {
        agentEvents.pipeInput("a1", "garbage".getBytes(StandardCharsets.UTF_8));
        send("a1", TestEvents.agentCreated("a1", "Ada"));
        DeadLetter letter = deadLetters.readValue();
        assertEquals(DeadLetterReason.UNDECODABLE, letter.getReason());
        assertArrayEquals(
                "garbage".getBytes(StandardCharsets.UTF_8), toArray(letter.getOriginalValue()));
        assertNotNull(agent("a1"));
    }

    @Test
    void shouldKeepEveryVersionForAsOfQueries() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        send("a1", at(TestEvents.agentCreated("a1", "Ada"), t0));
        send("a1", at(TestEvents.promptSet("a1", "llmSystem", "v2"), t0.plusSeconds(60)));
        // Same millisecond as the previous event: still a distinct version.
        send("a1", at(TestEvents.promptSet("a1", "llmSystem", "v3"), t0.plusSeconds(60)));
        KeyValueStore<String, AgentState> history =
                driver.getKeyValueStore(AgentTopology.HISTORY_STORE);
        assertNull(AgentHistory.asOf(history, "a1", t0.minusSeconds(1)));
        assertEquals(1, AgentHistory.asOf(history, "a1", t0.plusSeconds(30)).getVersion());
        assertEquals(
                1, AgentHistory.asOf(history, "a1", t0).getVersion(), "valid from its instant");
        AgentState latest = AgentHistory.asOf(history, "a1", t0.plusSeconds(3600));
        assertEquals(3, latest.getVersion());
        assertEquals(t0.plusSeconds(60).plusMillis(1), latest.getValidFrom());
        assertEquals(
                List.of(1L, 2L, 3L),
                AgentHistory.versions(history, "a1").stream().map(AgentState::getVersion).toList());
        assertEquals(
                t0.plusSeconds(60), latest.getUpdatedAt(), "updatedAt stays the event's own time");
    }

    @Test
    void shouldFoldAnAgentsRunOfEventsAsIfEachStartedFromTheStore() throws IOException {
        // The processor keeps the agents it changed last with their parsed configuration; a
        // rejected change in the middle of a run must leave nothing of itself in that copy.
        send("a1", TestEvents.agentCreated("a1", "Ada"));
        send("a1", TestEvents.flagSet("a1", "TTS_FLAG", true));
        send("a1", TestEvents.configChanged("a1", "{\"agent_id\":\"someone-else\"}"));
        send("a1", TestEvents.configChanged("a1", "{\"command_flags\":[]}"));
        send("a1", TestEvents.promptSet("a1", "llmSystem", "Be brief."));
        send("a1", TestEvents.deactivated("a1"));
        send("a1", TestEvents.flagSet("a1", "EMBEDDING_FLAG", false));
        assertEquals(2, deadLetters.readValuesToList().size());
        JsonNode config = config("a1");
        assertEquals("a1", config.path("agent_id").asText("a1"), "agent_id kept");
        assertTrue(config.at("/command_flags").isObject(), "the rejected patch left no trace");
        assertTrue(config.at("/command_flags/TTS_FLAG").asBoolean());
        assertFalse(config.at("/command_flags/EMBEDDING_FLAG").asBoolean(true));
        assertEquals("Be brief.", config.at("/prompt_config/agent/llmSystem").asText());
        assertEquals(5, agent("a1").getVersion());
        assertFalse(agent("a1").getActive());
        KeyValueStore<String, AgentState> history =
                driver.getKeyValueStore(AgentTopology.HISTORY_STORE);
        JsonNode second =
                mapper.readTree(AgentHistory.versions(history, "a1").get(1).getConfigJson());
        assertTrue(
                second.at("/prompt_config/agent/llmSystem").isMissingNode()
                        || !second.at("/prompt_config/agent/llmSystem")
                                .asText()
                                .equals("Be brief."),
                "an earlier version is not changed by later events");
    }

    @Test
    void shouldNeverMixTheHistoriesOfAgentsWhoseIdsSharePrefixes() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        for (String id : List.of("a", "a0", "a.b", "ab")) {
            send(id, at(TestEvents.agentCreated(id, "Agent " + id), t0));
            send(id, at(TestEvents.promptSet(id, "llmSystem", id), t0.plusSeconds(1)));
        }
        send("a", at(TestEvents.promptSet("a", "llmSystem", "again"), t0.plusSeconds(2)));
        KeyValueStore<String, AgentState> history =
                driver.getKeyValueStore(AgentTopology.HISTORY_STORE);
        assertEquals(3, AgentHistory.versions(history, "a").size());
        for (String id : List.of("a0", "a.b", "ab")) {
            List<AgentState> versions = AgentHistory.versions(history, id);
            assertEquals(2, versions.size(), id);
            assertTrue(versions.stream().allMatch(v -> v.getAgentId().equals(id)), id);
        }
        assertEquals("a", AgentHistory.asOf(history, "a", t0.plusSeconds(5)).getAgentId());
        assertTrue(AgentHistory.versions(history, "nobody").isEmpty());
    }

    @Test
    void shouldCountActivityPerAgent() {
        conversationEvents.pipeInput(
                "c1", TestEvents.conversationRequested("c1", "topic", 4, "a", "b"));
        conversationEvents.pipeInput("c1", TestEvents.messageAppended("c1", 0, "a", "hi"));
        conversationEvents.pipeInput("c1", TestEvents.messageAppended("c1", 1, "b", "hello"));
        conversationEvents.pipeInput("c1", TestEvents.messageAppended("c1", 2, "a", "bye"));
        conversationEvents.pipeInput("c2", TestEvents.conversationRequested("c2", "other", 2, "a"));
        KeyValueStore<String, AgentActivity> store =
                driver.getKeyValueStore(AgentTopology.ACTIVITY_STORE);
        AgentActivity a = store.get("a");
        assertEquals(2, a.getMessagesWritten());
        assertEquals(2, a.getConversationsJoined());
        assertNotNull(a.getLastActiveAt());
        assertEquals(1, store.get("b").getMessagesWritten());
        assertEquals(1, store.get("b").getConversationsJoined());
    }

    @Test
    void shouldCountAConversationOnceHoweverManyCopiesOfItsRequestTheLogHolds() {
        // Two racing generate calls: the same request twice, each with its own envelope.
        conversationEvents.pipeInput(
                "c1", TestEvents.conversationRequested("c1", "topic", 4, "a", "b"));
        conversationEvents.pipeInput(
                "c1", TestEvents.conversationRequested("c1", "topic", 4, "a", "b"));
        conversationEvents.pipeInput("c1", TestEvents.messageAppended("c1", 0, "a", "hi"));
        conversationEvents.pipeInput(
                "c1", TestEvents.conversationRequested("c1", "topic", 4, "a", "b"));
        conversationEvents.pipeInput("c2", TestEvents.conversationRequested("c2", "other", 2, "a"));
        KeyValueStore<String, AgentActivity> store =
                driver.getKeyValueStore(AgentTopology.ACTIVITY_STORE);
        assertEquals(2, store.get("a").getConversationsJoined());
        assertEquals(1, store.get("b").getConversationsJoined());
        assertEquals(1, store.get("a").getMessagesWritten());
    }

    private static AgentEvent at(AgentEvent event, Instant when) {
        return AgentEvent.newBuilder(event).setEnvelope(Envelopes.create("test", when)).build();
    }

    private static byte[] toArray(java.nio.ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
