package ams.conversations;

import ams.conversations.statemachine.ConversationState;
import ams.events.conversation.ConversationEvent;
import ams.events.topics.TopicCatalogue;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Test wiring: configs for an isolated catalogue, in-test agent and knowledge fixtures, reading a
 * topic whole.
 */
public final class Harness {

    static final ObjectMapper JSON = new ObjectMapper();

    private Harness() {}

    static Map<String, Object> config(TestKafka kafka, TopicCatalogue catalogue, Path stateRoot) {
        String prefix = catalogue.conversationEvents().name().replace("conversation-events", "");
        Map<String, Object> c = new HashMap<>();
        c.put(ConversationConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        c.put(ConversationConfig.TOPIC_PREFIX, prefix);
        c.put(ConversationConfig.TOPIC_PARTITIONS, catalogue.conversationEvents().partitions());
        c.put(ConversationConfig.APPLICATION_ID, prefix + "orchestrator");
        c.put(
                ConversationConfig.STATE_DIR,
                stateRoot.resolve(UUID.randomUUID().toString()).toString());
        c.put(ConversationConfig.HTTP_PORT, freePort());
        c.put(ConversationConfig.LLM_BACKOFF_INITIAL_MS, 10L);
        c.put(ConversationConfig.LLM_BACKOFF_MAX_MS, 40L);
        c.put(ConversationConfig.LLM_MAX_ATTEMPTS, 3);
        c.put(ConversationConfig.TURNS_MAX_IN_FLIGHT, 8);
        c.put(ConversationConfig.TIMEOUT_CHECK_INTERVAL_MS, 100L);
        return c;
    }

    static int freePort() {
        return ams.testkit.FreePorts.next();
    }

    public static AgentProfile profile(String agentId, String configJson) {
        try {
            return new AgentProfile(
                    agentId, agentId.toUpperCase(java.util.Locale.ROOT), JSON.readTree(configJson));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Agents a, b, c, d (minimal configs, system prompt "You are x.") and the original wizard
     * template.
     */
    static AgentDirectory agents() {
        Map<String, AgentProfile> agents = new HashMap<>();
        for (String id : List.of("a", "b", "c", "d")) {
            agents.put(id, profile(id, TestEvents.minimalConfig(id)));
        }
        try {
            Path wizard =
                    Path.of(
                            "../../shared/reference/original-agent-templates/wizard_agent_template.json");
            Path template =
                    Files.exists(wizard)
                            ? wizard
                            : Path.of(
                                    "/work/shared/reference/original-agent-templates/wizard_agent_template.json");
            if (Files.exists(template)) {
                agents.put("wizard", profile("wizard", Files.readString(template)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return id -> Optional.ofNullable(agents.get(id));
    }

    static KnowledgeSearch knowledge() {
        return (agentId, query, k) ->
                List.of(
                                new KnowledgeSearch.Hit(
                                        "doc-" + agentId + "-1",
                                        "Notes of " + agentId,
                                        "Kafka keeps events in order per partition.",
                                        0.9),
                                new KnowledgeSearch.Hit(
                                        "doc-" + agentId + "-2",
                                        "More notes",
                                        "Exactly once needs transactions.",
                                        0.7))
                        .subList(0, Math.min(k, 2));
    }

    static ConversationOrchestrator start(Map<String, Object> config) {
        return ConversationOrchestrator.start(
                new ConversationConfig(config), agents(), knowledge());
    }

    static ConversationState awaitEnd(ConversationOrchestrator o, String id, Duration timeout) {
        return Wait.untilValue(
                "conversation " + id + " to end",
                timeout,
                () -> o.queries().conversation(id).filter(s -> s.status().terminal()).orElse(null));
    }

    /**
     * Every committed record of the topic, in partition order; fails rather than return part of it.
     */
    static List<ConversationEvent> readAll(TestKafka kafka, TopicCatalogue catalogue) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        String topic = catalogue.conversationEvents().name();
        List<ConversationEvent> out = new ArrayList<>();
        try (KafkaConsumer<String, ConversationEvent> consumer =
                new KafkaConsumer<>(
                        p,
                        new StringDeserializer(),
                        catalogue.conversationEvents().valueSerde().deserializer())) {
            List<TopicPartition> parts =
                    consumer.partitionsFor(topic).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "read only "
                                    + out.size()
                                    + " records of "
                                    + topic
                                    + " up to "
                                    + ends
                                    + " in 60 s");
                }
                consumer.poll(Duration.ofMillis(100)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }

    /**
     * A request using the configured default provider (no provider named), round-robin, seed 42.
     */
    static ams.events.conversation.ConversationRequested.Builder request(
            String topic, int turns, String... participants) {
        return ams.events.conversation.ConversationRequested.newBuilder()
                .setParticipants(List.of(participants))
                .setTopic(topic)
                .setMaxTurns(turns)
                .setSpeakerPolicy(ams.events.conversation.SpeakerPolicy.ROUND_ROBIN)
                .setGeneration(ams.events.GenerationParameters.newBuilder().build())
                .setSeed(42L)
                .setTermination(ams.events.conversation.Termination.newBuilder().build());
    }

    static void send(TestKafka kafka, TopicCatalogue catalogue, String id, Object payload) {
        kafka.send(catalogue.conversationEvents(), id, TestEvents.conversationEvent(id, payload));
    }

    /**
     * Waits until the committed log holds at least {@code count} events of the type, then returns
     * the whole log.
     */
    static List<ConversationEvent> awaitLog(
            TestKafka kafka, TopicCatalogue catalogue, String id, Class<?> type, int count) {
        return Wait.untilValue(
                count + " x " + type.getSimpleName() + " of " + id + " committed",
                Duration.ofSeconds(60),
                () -> {
                    List<ConversationEvent> log = readAll(kafka, catalogue);
                    return payloads(log, id, type).size() >= count ? log : null;
                });
    }

    static <T> List<T> payloads(
            List<ConversationEvent> events, String conversationId, Class<T> type) {
        return events.stream()
                .filter(e -> e.getConversationId().equals(conversationId))
                .map(ConversationEvent::getPayload)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }
}
