package ams.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.Envelopes;
import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.streams.BoundedRocksDbMemory;
import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor on a real broker with exactly-once: fold, dead letters, activity, and the HTTP
 * contract.
 */
@ExtendWith(KafkaClusterExtension.class)
class AgentProcessorIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldMaterializeRejectAndAnswerOverHttp(TestKafka kafka, @TempDir Path stateDir)
            throws IOException {
        TopicCatalogue catalogue = kafka.newCatalogue(2);
        String application = "agents-it-" + System.nanoTime();
        try (RunningProcessor processor =
                RunningProcessor.start(
                        kafka.bootstrapServers(),
                        catalogue,
                        application,
                        stateDir,
                        Map.of(AgentProcessorConfig.MAX_TEXT_BYTES, 8000))) {

            // Every template of the original imports unchanged.
            List<String> templates =
                    List.of(
                            "expert_coder_agent_template.json",
                            "minecraft_agent_template.json",
                            "wizard_agent_template.json");
            for (String file : templates) {
                String json = template(file);
                String id = mapper.readTree(json).get("agent_id").asText();
                kafka.send(catalogue.agentEvents(), id, TestEvents.agentCreated(id, file, json));
            }

            // Every event type, with times we can ask as-of questions about.
            Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
            List<AgentEvent> story =
                    List.of(
                            at(TestEvents.agentCreated("ada", "Ada"), t0),
                            at(
                                    TestEvents.configChanged(
                                            "ada",
                                            "{\"database_config\":{\"max_history_turns\":7}}"),
                                    t0.plusSeconds(10)),
                            at(
                                    TestEvents.promptSet("ada", "llmSystem", "You are Ada."),
                                    t0.plusSeconds(20)),
                            at(TestEvents.flagSet("ada", "TTS_FLAG", true), t0.plusSeconds(30)),
                            at(TestEvents.deactivated("ada"), t0.plusSeconds(40)),
                            at(TestEvents.reactivated("ada"), t0.plusSeconds(50)));
            for (AgentEvent event : story) {
                kafka.send(catalogue.agentEvents(), "ada", event);
            }

            // One poison pill per rejection reason, interleaved with valid traffic that must still
            // be applied.
            Map<DeadLetterReason, RecordMetadata> bad =
                    new java.util.EnumMap<>(DeadLetterReason.class);
            bad.put(
                    DeadLetterReason.UNDECODABLE,
                    kafka.sendRaw(
                            catalogue.agentEvents().name(),
                            "ada".getBytes(StandardCharsets.UTF_8),
                            "not avro".getBytes(StandardCharsets.UTF_8)));
            bad.put(
                    DeadLetterReason.UNKNOWN_AGENT,
                    kafka.send(
                            catalogue.agentEvents(),
                            "ghost",
                            TestEvents.promptSet("ghost", "llmSystem", "x")));
            bad.put(
                    DeadLetterReason.DUPLICATE_AGENT,
                    kafka.send(
                            catalogue.agentEvents(),
                            "ada",
                            TestEvents.agentCreated("ada", "Ada again")));
            bad.put(
                    DeadLetterReason.UNKNOWN_PROMPT_TYPE,
                    kafka.send(
                            catalogue.agentEvents(),
                            "ada",
                            TestEvents.promptSet("ada", "audioSystem", "x")));
            bad.put(
                    DeadLetterReason.INVALID_FLAG_VALUE,
                    kafka.send(
                            catalogue.agentEvents(),
                            "ada",
                            TestEvents.flagSet("ada", "TTS_FLAG", "yes")));
            bad.put(
                    DeadLetterReason.INVALID_CONFIG,
                    kafka.send(
                            catalogue.agentEvents(),
                            "bob",
                            TestEvents.agentCreated("bob", "Bob", "{\"command_flags\":3}")));
            bad.put(
                    DeadLetterReason.INVALID_MERGE_PATCH,
                    kafka.send(
                            catalogue.agentEvents(),
                            "ada",
                            TestEvents.configChanged("ada", "{\"command_flags\":\"none\"}")));
            bad.put(
                    DeadLetterReason.TEXT_TOO_LARGE,
                    kafka.send(
                            catalogue.agentEvents(),
                            "ada",
                            TestEvents.promptSet("ada", "llmBooster", "y".repeat(9000))));
            bad.put(
                    DeadLetterReason.INVALID_EVENT,
                    kafka.send(
                            catalogue.agentEvents(),
                            "not-ada",
                            TestEvents.promptSet("ada", "llmBooster", "x")));
            kafka.send(
                    catalogue.agentEvents(),
                    "ada",
                    at(
                            TestEvents.promptSet("ada", "primeDirective", "Survive poison."),
                            t0.plusSeconds(60)));

            // Activity from conversations. The same request twice (two racing generate calls that
            // both reached the log) is one conversation joined.
            ConversationEvent request =
                    TestEvents.conversationRequested("c1", "kafka", 2, "ada", "wizard_agent_001");
            kafka.send(catalogue.conversationEvents(), "c1", request);
            kafka.send(catalogue.conversationEvents(), "c1", request);
            kafka.send(
                    catalogue.conversationEvents(),
                    "c1",
                    TestEvents.messageAppended("c1", 0, "ada", "hello"));
            kafka.send(
                    catalogue.conversationEvents(),
                    "c1",
                    TestEvents.messageAppended("c1", 1, "wizard_agent_001", "greetings"));
            kafka.send(
                    catalogue.conversationEvents(),
                    "c1",
                    TestEvents.messageAppended("c1", 2, "ada", "bye"));

            // --- the fold, through GET /agents/{id}
            JsonNode ada =
                    Wait.untilValue(
                            "ada at version 7",
                            TIMEOUT,
                            () -> {
                                RunningProcessor.Response r = processor.get("/agents/ada");
                                return r.status() == 200 && r.body().get("version").asLong() == 7
                                        ? r.body()
                                        : null;
                            });
            assertEquals("ada", ada.get("agent_id").asText());
            assertEquals("Ada", ada.get("agent_name").asText());
            assertEquals("Agent Ada", ada.get("description").asText());
            assertEquals("test", ada.get("tags").get(0).asText());
            assertTrue(ada.get("is_active").asBoolean());
            assertEquals(t0.toString(), ada.get("created_at").asText());
            assertEquals(t0.plusSeconds(60).toString(), ada.get("updated_at").asText());
            JsonNode config = ada.get("config");
            assertEquals(7, config.at("/database_config/max_history_turns").asInt());
            assertEquals("You are Ada.", config.at("/prompt_config/agent/llmSystem").asText());
            assertEquals("Survive poison.", config.at("/prompt_config/primeDirective").asText());
            assertTrue(config.at("/command_flags/TTS_FLAG").asBoolean());
            assertEquals(
                    "",
                    config.at("/prompt_config/agent/llmBooster").asText(),
                    "no rejected change was applied");

            for (String file : templates) {
                JsonNode original = mapper.readTree(template(file));
                RunningProcessor.Response r =
                        Wait.untilValue(
                                file,
                                TIMEOUT,
                                () -> {
                                    RunningProcessor.Response response =
                                            processor.get(
                                                    "/agents/" + original.get("agent_id").asText());
                                    return response.status() == 200 ? response : null;
                                });
                assertEquals(original, r.body().get("config"), file + " reads back equal");
            }

            // --- every rejection in dead-letters, with original bytes and position
            List<ConsumerRecord<byte[], DeadLetter>> letters =
                    kafka.consume(catalogue.deadLetters(), bad.size(), TIMEOUT);
            Map<DeadLetterReason, DeadLetter> byReason =
                    letters.stream()
                            .collect(
                                    Collectors.toMap(
                                            r -> r.value().getReason(), ConsumerRecord::value));
            assertEquals(bad.keySet(), byReason.keySet());
            for (Map.Entry<DeadLetterReason, RecordMetadata> entry : bad.entrySet()) {
                DeadLetter letter = byReason.get(entry.getKey());
                assertEquals(catalogue.agentEvents().name(), letter.getSourceTopic());
                assertEquals(
                        entry.getValue().partition(),
                        letter.getSourcePartition(),
                        entry.getKey().toString());
                assertEquals(
                        entry.getValue().offset(),
                        letter.getSourceOffset(),
                        entry.getKey().toString());
                assertEquals(application, letter.getApplication(), "named by its application id");
                assertFalse(letter.getDetail().isBlank());
            }
            assertArrayEquals(
                    "not avro".getBytes(StandardCharsets.UTF_8),
                    bytes(byReason.get(DeadLetterReason.UNDECODABLE).getOriginalValue()));
            assertEquals(404, processor.get("/agents/bob").status());
            assertEquals(404, processor.get("/agents/ghost").status());
            JsonNode ghost = processor.get("/agents/ghost").body();
            assertTrue(ghost.get("error").asText().contains("ghost"), ghost.toString());
            assertEquals(404, ghost.get("status").asInt(), "the one error body: " + ghost);

            // --- every store of the process draws on one bounded RocksDB budget
            Map<String, Double> capacities = new java.util.TreeMap<>();
            processor
                    .processor()
                    .streams()
                    .metrics()
                    .forEach(
                            (name, metric) -> {
                                if (name.name().equals("block-cache-capacity")
                                        && metric.metricValue() instanceof Number n) {
                                    capacities.put(name.tags().toString(), n.doubleValue());
                                }
                            });
            assertFalse(capacities.isEmpty(), "RocksDB metrics of the stores");
            assertTrue(
                    capacities.values().stream()
                            .allMatch(c -> c == BoundedRocksDbMemory.DEFAULT_MEMORY_BYTES),
                    "one shared block cache of the configured size: " + capacities);

            // --- activity
            JsonNode activity =
                    Wait.untilValue(
                            "ada's activity",
                            TIMEOUT,
                            () -> {
                                JsonNode body = processor.get("/agents/ada/activity").body();
                                return body.get("messages_written").asLong() == 2 ? body : null;
                            });
            assertEquals("ada", activity.get("agent_id").asText());
            assertEquals(1, activity.get("conversations_joined").asLong());
            assertFalse(activity.get("last_active_at").isNull());
            assertEquals(
                    0,
                    processor
                            .get("/agents/nobody/activity")
                            .body()
                            .get("messages_written")
                            .asLong());

            // --- as-of and history
            RunningProcessor.Response before =
                    processor.get("/agents/ada/config?asOf=" + t0.minusSeconds(1));
            assertEquals(404, before.status());
            JsonNode at25 = processor.get("/agents/ada/config?asOf=" + t0.plusSeconds(25)).body();
            assertEquals(3, at25.get("version").asLong());
            assertEquals("You are Ada.", at25.at("/config/prompt_config/agent/llmSystem").asText());
            assertFalse(at25.at("/config/command_flags/TTS_FLAG").asBoolean());
            JsonNode at45 = processor.get("/agents/ada/config?asOf=" + t0.plusSeconds(45)).body();
            assertFalse(at45.get("is_active").asBoolean());
            assertEquals(400, processor.get("/agents/ada/config?asOf=yesterday").status());
            assertEquals(400, processor.get("/agents/ada/config").status());
            // Valid ISO-8601 but beyond epoch milliseconds: once a 500 from the versioned store's
            // overflow.
            assertEquals(
                    400,
                    processor
                            .get("/agents/ada/config?asOf=%2B1000000000-12-31T23:59:59Z")
                            .status());
            assertEquals(
                    400,
                    processor.get("/agents/ada/config?asOf=-1000000000-01-01T00:00:00Z").status());

            // The versions store is written just after the agents store the wait above read: wait
            // for all 7 versions.
            JsonNode history =
                    Wait.untilValue(
                            "ada's 7 versions in the history",
                            TIMEOUT,
                            () -> {
                                RunningProcessor.Response r = processor.get("/agents/ada/history");
                                return r.status() == 200 && r.body().get("events").size() >= 7
                                        ? r.body()
                                        : null;
                            });
            List<String> types = new java.util.ArrayList<>();
            history.get("events").forEach(e -> types.add(e.get("type").asText()));
            assertEquals(
                    List.of(
                            "AgentCreated",
                            "AgentConfigChanged",
                            "AgentPromptSet",
                            "AgentFlagSet",
                            "AgentDeactivated",
                            "AgentReactivated",
                            "AgentPromptSet"),
                    types);
            JsonNode first = history.get("events").get(0);
            assertEquals(
                    story.get(0).getEnvelope().getEventId().toString(),
                    first.get("event_id").asText());
            assertEquals(t0.toString(), first.get("occurred_at").asText());
            assertTrue(first.has("offset"));
            assertEquals(404, processor.get("/agents/ghost/history").status());

            // --- the fate of each write, by its event id: applied at a version, or rejected
            JsonNode created = processor.get("/events/" + first.get("event_id").asText()).body();
            assertEquals("applied", created.get("status").asText(), created.toString());
            assertEquals("ada", created.get("agent_id").asText());
            assertEquals(1, created.get("version").asLong());
            AgentEvent toNobody = TestEvents.flagSet("nobody", "TTS_FLAG", true);
            kafka.send(catalogue.agentEvents(), "nobody", toNobody);
            String refusedId = toNobody.getEnvelope().getEventId().toString();
            JsonNode refused =
                    Wait.untilValue(
                            "the fate of a flag on an unknown agent",
                            TIMEOUT,
                            () -> {
                                RunningProcessor.Response r = processor.get("/events/" + refusedId);
                                return r.status() == 200 ? r.body() : null;
                            });
            assertEquals("rejected", refused.get("status").asText(), refused.toString());
            assertEquals("nobody", refused.get("agent_id").asText());
            assertFalse(refused.get("reason").asText().isEmpty(), refused.toString());
            RunningProcessor.Response unknown = processor.get("/events/no-such-event");
            assertEquals(404, unknown.status());
            assertTrue(unknown.body().get("error").asText().contains("no-such-event"));

            // --- listing: paging and filters
            JsonNode all = processor.get("/agents?limit=2").body();
            assertEquals(4, all.get("total").asLong());
            assertEquals(2, all.get("agents").size());
            assertEquals("ada", all.get("agents").get(0).get("agent_id").asText());
            JsonNode second = processor.get("/agents?offset=2&limit=2").body();
            assertEquals(
                    Set.of("minecraft_assistant_001", "wizard_agent_001"),
                    Set.of(
                            second.get("agents").get(0).get("agent_id").asText(),
                            second.get("agents").get(1).get("agent_id").asText()));
            assertEquals(
                    4, processor.get("/agents?tag=test&active=true").body().get("total").asLong());
            assertEquals(0, processor.get("/agents?tag=nope").body().get("total").asLong());
            assertEquals(0, processor.get("/agents?active=false").body().get("total").asLong());
            RunningProcessor.Response maybe = processor.get("/agents?active=maybe");
            assertEquals(400, maybe.status());
            assertEquals(400, maybe.body().get("status").asInt(), maybe.body().toString());
            assertTrue(maybe.body().get("error").asText().contains("active"));
            assertEquals(400, processor.get("/agents?limit=-1").status());

            // --- the Java API gives the same answers
            assertEquals(7, processor.processor().queries().agent("ada").orElseThrow().version());
            assertEquals(2, processor.processor().queries().activity("ada").messagesWritten());
        }
    }

    private static AgentEvent at(AgentEvent event, Instant when) {
        return AgentEvent.newBuilder(event).setEnvelope(Envelopes.create("test", when)).build();
    }

    private static String template(String file) throws IOException {
        try (InputStream in =
                AgentProcessorIT.class.getResourceAsStream("/original-agent-templates/" + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
