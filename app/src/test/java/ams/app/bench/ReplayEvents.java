package ams.app.bench;

import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.topics.TopicCatalogue;
import ams.testkit.TestEvents;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The log a replay rebuilds from: about 80% agent events (10 per agent: created, prompts, flags,
 * merge patches, deactivate, reactivate), about 20% events of finished conversations (requested,
 * then TurnRequested and MessageAppended per turn, completed: what the orchestrator writes), and a
 * small share of one-chunk knowledge documents (each costs an embedding when first indexed; a
 * replay re-reads the stored chunks instead).
 */
final class ReplayEvents {

    static final int EVENTS_PER_AGENT = 10;
    static final int TURNS = 10;
    static final int EVENTS_PER_CONVERSATION = 2 * TURNS + 2;
    private static final String[] WORDS =
            ("agent knowledge search vector index kafka stream event topic document chunk model "
                            + "embedding query result score rank hybrid lexical memory latency partition record store graph edge node time "
                            + "valid conversation message turn speaker")
                    .split(" ");

    /** How many of each: agents x 10 + documents + conversations x 22 events. */
    record Mix(int agents, int documents, int conversations) {
        static Mix of(int events, int documents) {
            int agents = Math.max(3, events * 8 / 10 / EVENTS_PER_AGENT);
            int conversations =
                    Math.max(
                            1,
                            (events - agents * EVENTS_PER_AGENT - documents)
                                    / EVENTS_PER_CONVERSATION);
            return new Mix(agents, documents, conversations);
        }

        int agentEvents() {
            return agents * EVENTS_PER_AGENT;
        }

        int conversationEvents() {
            return conversations * EVENTS_PER_CONVERSATION;
        }

        int total() {
            return agentEvents() + documents + conversationEvents();
        }
    }

    private ReplayEvents() {}

    /**
     * Produces the mix (Avro serialization included, idempotent producer, acks=all) and returns the
     * seconds it took.
     */
    static double produce(String bootstrap, TopicCatalogue topics, Mix mix) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        Serializer<AgentEvent> agents = topics.agentEvents().valueSerde().serializer();
        Serializer<KnowledgeEvent> knowledge = topics.knowledgeEvents().valueSerde().serializer();
        Serializer<ConversationEvent> conversations =
                topics.conversationEvents().valueSerde().serializer();
        Random random = new Random(7);
        long started = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            String agentTopic = topics.agentEvents().name();
            for (int round = 0; round < EVENTS_PER_AGENT; round++) {
                for (int a = 0; a < mix.agents(); a++) {
                    String id = agentId(a);
                    producer.send(
                            new ProducerRecord<>(
                                    agentTopic,
                                    id,
                                    agents.serialize(agentTopic, agentEvent(id, round, a))));
                }
            }
            String knowledgeTopic = topics.knowledgeEvents().name();
            for (int d = 0; d < mix.documents(); d++) {
                String agent = agentId(d % mix.agents());
                producer.send(
                        new ProducerRecord<>(
                                knowledgeTopic,
                                agent,
                                knowledge.serialize(
                                        knowledgeTopic,
                                        TestEvents.documentAdded(
                                                agent,
                                                "doc-" + d,
                                                "Note " + d,
                                                text(random, 30)))));
            }
            String conversationTopic = topics.conversationEvents().name();
            for (int c = 0; c < mix.conversations(); c++) {
                String id = "conv-" + c;
                String[] speakers = {
                    agentId((3 * c) % mix.agents()),
                    agentId((3 * c + 1) % mix.agents()),
                    agentId((3 * c + 2) % mix.agents())
                };
                send(
                        producer,
                        conversations,
                        conversationTopic,
                        id,
                        TestEvents.conversationRequested(id, "topic " + c, TURNS, speakers));
                for (int t = 0; t < TURNS; t++) {
                    String speaker = speakers[t % speakers.length];
                    send(
                            producer,
                            conversations,
                            conversationTopic,
                            id,
                            TestEvents.turnRequested(id, t, speaker));
                    send(
                            producer,
                            conversations,
                            conversationTopic,
                            id,
                            TestEvents.messageAppended(id, t, speaker, text(random, 25)));
                }
                send(
                        producer,
                        conversations,
                        conversationTopic,
                        id,
                        TestEvents.completed(id, TURNS));
            }
            producer.flush();
        }
        return (System.nanoTime() - started) / 1e9;
    }

    private static void send(
            KafkaProducer<String, byte[]> producer,
            Serializer<ConversationEvent> serializer,
            String topic,
            String key,
            ConversationEvent event) {
        producer.send(new ProducerRecord<>(topic, key, serializer.serialize(topic, event)));
    }

    static String agentId(int a) {
        return String.format("agent-%06d", a);
    }

    private static AgentEvent agentEvent(String id, int round, int a) {
        return switch (round) {
            case 0 -> TestEvents.agentCreated(id, "Agent " + a);
            case 1 ->
                    TestEvents.promptSet(
                            id, "llmSystem", "You are agent " + a + ", precise and kind.");
            case 2 -> TestEvents.flagSet(id, "TTS_FLAG", true);
            case 3 ->
                    TestEvents.configChanged(
                            id,
                            "{\"database_config\":{\"conversation_modes\":{\"max_history_turns\":"
                                    + a % 100
                                    + "}}}");
            case 4 -> TestEvents.promptSet(id, "primeDirective", "Help with task " + a);
            case 5 -> TestEvents.deactivated(id);
            case 6 -> TestEvents.reactivated(id);
            case 7 -> TestEvents.flagSet(id, "EMBEDDING_FLAG", a % 2 == 0);
            case 8 ->
                    TestEvents.configChanged(
                            id,
                            "{\"model_config\":{\"largeLanguageModel\":{\"names\":[\"llama3\"]}}}");
            default -> TestEvents.promptSet(id, "llmBooster", "Think step by step.");
        };
    }

    private static String text(Random random, int words) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < words; i++) {
            text.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return text.toString();
    }
}
