package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.EventPublisher;
import ams.conversations.AgentProfile;
import ams.conversations.ConversationConfig;
import ams.conversations.ConversationOrchestrator;
import ams.conversations.statemachine.Status;
import ams.conversations.statemachine.StoredMessage;
import ams.events.GenerationParameters;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.SpeakerPolicy;
import ams.events.conversation.Termination;
import ams.events.knowledge.DocumentAdded;
import ams.events.topics.TopicCatalogue;
import ams.knowledge.KnowledgeIndexer;
import ams.knowledge.KnowledgeIndexerConfig;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import ams.testkit.openai.ChatRequest;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retrieval per turn and memory across conversations on the broker: the knowledge-indexer (real
 * in-process embedding model) and the orchestrator in one JVM, the fake OpenAI server writing the
 * replies and recording every prompt.
 *
 * <p>A labelled corpus (volcanoes and plate tectonics tagged geology, tides, bees, bread) for
 * {@code ann}, and a geology document for {@code bob} that matches the dialogue best of all: as the
 * dialogue moves from volcanoes to tides, ann's knowledge follows it; the hop adds the plate
 * tectonics document (linked to the volcano hit by their shared tag) and never bob's.
 */
@ExtendWith(KafkaClusterExtension.class)
class RetrievalAndMemoryIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path state;

    private final Map<String, String> configs = new ConcurrentHashMap<>();

    @Test
    void retrievalFollowsTheDialogueAndTheLinksAndEarlierConversationsAreRecalled(TestKafka kafka)
            throws Exception {
        TopicCatalogue topics = kafka.newCatalogue(2);
        configs.put("ann", TestEvents.minimalConfig("ann"));
        configs.put("cy", TestEvents.minimalConfig("cy"));
        configs.put("mo", withModes("mo", "{\"use_past_conversations\":true}"));
        try (FakeOpenAiServer fake = FakeOpenAiServer.start().respondWith(r -> Reply.text("ok"));
                EventPublisher publisher = new EventPublisher(kafka.bootstrapServers(), topics);
                KnowledgeIndexer knowledge =
                        KnowledgeIndexer.start(
                                new KnowledgeIndexerConfig(knowledgeConfig(kafka, topics)));
                ConversationOrchestrator orchestrator =
                        ConversationOrchestrator.start(
                                new ConversationConfig(orchestratorConfig(kafka, topics, fake)),
                                this::agent,
                                new InProcessKnowledgeSearch(knowledge.queries()))) {
            Wait.until(
                    "both processors running",
                    Duration.ofSeconds(90),
                    () ->
                            knowledge.streams().state() == KafkaStreams.State.RUNNING
                                    && orchestrator.streams().state()
                                            == KafkaStreams.State.RUNNING);
            add(
                    publisher,
                    "ann",
                    "volcano",
                    "Volcanoes",
                    "geology",
                    "Volcanoes erupt when magma rises through the crust; lava flows and ash clouds"
                            + " follow.");
            add(
                    publisher,
                    "ann",
                    "plates",
                    "Plate tectonics",
                    "geology",
                    "The plates of the crust drift a few centimetres a year and build mountain"
                            + " ranges.");
            add(
                    publisher,
                    "ann",
                    "tides",
                    "Tides",
                    "ocean",
                    "Tides rise and fall twice a day, pulled by the gravity of the moon.");
            add(
                    publisher,
                    "ann",
                    "bees",
                    "Bees",
                    "insects",
                    "Honey bees dance to tell the hive where flowers with nectar are.");
            add(
                    publisher,
                    "ann",
                    "bread",
                    "Bread",
                    "baking",
                    "Sourdough bread rises with wild yeast and lactic bacteria.");
            add(
                    publisher,
                    "bob",
                    "bob-volcano",
                    "Bob's volcanoes",
                    "geology",
                    "Volcanoes erupt magma, lava and ash through the crust.");
            Wait.until(
                    "ann's 5 documents and bob's 1 indexed",
                    Duration.ofSeconds(120),
                    () -> {
                        try {
                            return knowledge.queries().documents("ann", 0, 10).total() == 5
                                    && knowledge.queries().documents("bob", 0, 10).total() == 1;
                        } catch (RuntimeException e) {
                            return false;
                        }
                    });

            // Turns 0..4, ann speaks 0, 2, 4; cy's replies move the dialogue.
            fake.enqueue(
                    Reply.text("Hello, let us share some notes about nature."),
                    Reply.text("Magma, lava and ash: a volcano erupting is what I keep watching."),
                    Reply.text("Erupting volcanoes are a sight indeed."),
                    Reply.text("Now the ocean tides and the pull of the moon interest me."),
                    Reply.text("The tides rise twice a day."));
            String dialogue = "dialogue";
            generate(orchestrator, dialogue, "nature notes", 5, null, "ann", "cy");
            await(orchestrator, dialogue);
            List<ChatRequest> prompts = fake.chatRequests();
            assertEquals(5, prompts.size());
            String third = prompts.get(2).systemPrompt();
            String fifth = prompts.get(4).systemPrompt();
            assertTrue(third.contains("- [volcano] Volcanoes:"), third);
            assertTrue(
                    third.contains("- [plates] Plate tectonics:"), "linked by geology: " + third);
            assertFalse(third.contains("[tides]"), third);
            assertTrue(fifth.contains("- [tides] Tides:"), fifth);
            assertFalse(fifth.contains("[volcano]"), fifth);
            for (ChatRequest prompt : prompts) {
                assertFalse(prompt.allText().contains("bob-volcano"), "never bob's document");
                assertFalse(prompt.allText().contains("Bob's volcanoes"), "never bob's document");
            }

            List<StoredMessage> messages = orchestrator.queries().messages(dialogue);
            JsonNode turn2 = JSON.readTree(messages.get(2).metadataJson()).path("retrieval");
            JsonNode turn4 = JSON.readTree(messages.get(4).metadataJson()).path("retrieval");
            assertEquals(
                    "nature notes\nMagma, lava and ash: a volcano erupting is what I keep watching.",
                    turn2.path("query").asText());
            assertEquals("volcano", turn2.at("/hits/0/document_id").asText(), turn2.toString());
            assertEquals("query", turn2.at("/hits/0/via").asText());
            assertEquals("plates", turn2.at("/hits/1/document_id").asText(), turn2.toString());
            assertEquals("graph:document:ann/volcano", turn2.at("/hits/1/via").asText());
            assertEquals("geology", turn2.at("/hits/1/tag").asText());
            assertEquals("tides", turn4.at("/hits/0/document_id").asText(), turn4.toString());
            assertNotEquals(turn2.path("hits"), turn4.path("hits"), "retrieval moved");
            assertEquals(
                    List.of("volcano", "plates"), messages.get(2).knowledgeIds(), "knowledge ids");
            assertEquals(
                    0,
                    JSON.readTree(messages.get(1).metadataJson()).at("/retrieval/hits").size(),
                    "cy has no documents");

            // Memory: mo recalls earlier conversations; with current_session_only, the session's.
            fake.enqueue(Reply.text("The secret word is ZEPHYR."), Reply.text("Noted."));
            generate(orchestrator, "first", "passwords", 2, "s1", "mo", "cy");
            await(orchestrator, "first");
            fake.enqueue(Reply.text("The password is QUOKKA."), Reply.text("Noted again."));
            generate(orchestrator, "second", "passwords", 2, "s2", "mo", "cy");
            await(orchestrator, "second");

            int before = fake.chatRequests().size();
            generate(orchestrator, "third", "recall", 1, "s2", "mo", "cy");
            await(orchestrator, "third");
            String recalled = fake.chatRequests().get(before).systemPrompt();
            assertTrue(recalled.contains("From earlier conversations:"), recalled);
            assertTrue(recalled.contains("MO: The secret word is ZEPHYR."), recalled);
            assertTrue(recalled.contains("CY: Noted again."), recalled);
            assertTrue(
                    recalled.indexOf("[conversation first")
                            < recalled.indexOf("[conversation second"),
                    "oldest first: " + recalled);
            JsonNode memory =
                    JSON.readTree(orchestrator.queries().messages("third").get(0).metadataJson())
                            .path("memory");
            assertEquals("[\"first\",\"second\"]", memory.path("conversations").toString());
            assertFalse(memory.path("current_session_only").asBoolean());

            configs.put(
                    "mo",
                    withModes(
                            "mo",
                            "{\"use_past_conversations\":true,\"current_session_only\":true}"));
            before = fake.chatRequests().size();
            generate(orchestrator, "fourth", "recall", 1, "s2", "mo", "cy");
            await(orchestrator, "fourth");
            String sameSession = fake.chatRequests().get(before).systemPrompt();
            assertTrue(sameSession.contains("QUOKKA"), sameSession);
            assertFalse(sameSession.contains("ZEPHYR"), "another session: " + sameSession);
            JsonNode sessionMemory =
                    JSON.readTree(orchestrator.queries().messages("fourth").get(0).metadataJson())
                            .path("memory");
            assertEquals(
                    "[\"second\",\"third\"]",
                    sessionMemory.path("conversations").toString(),
                    sessionMemory.toString());
            assertTrue(sessionMemory.path("current_session_only").asBoolean());
            for (ChatRequest prompt : prompts) {
                assertFalse(
                        prompt.systemPrompt().contains("From earlier conversations"),
                        "ann and cy do not use past conversations");
            }
        }
    }

    private static String withModes(String agentId, String modes) {
        return TestEvents.minimalConfig(agentId)
                .replace(
                        "\"database_config\":{}",
                        "\"database_config\":{\"conversation_modes\":" + modes + "}");
    }

    private Optional<AgentProfile> agent(String agentId) {
        String config = configs.get(agentId);
        if (config == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    new AgentProfile(
                            agentId, agentId.toUpperCase(Locale.ROOT), JSON.readTree(config)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void add(
            EventPublisher publisher,
            String agentId,
            String documentId,
            String title,
            String tag,
            String content) {
        publisher.publish(
                TestEvents.knowledgeEvent(
                        agentId,
                        DocumentAdded.newBuilder()
                                .setKbId("kb-" + agentId)
                                .setDocumentId(documentId)
                                .setTitle(title)
                                .setContent(content)
                                .setSource("test")
                                .setTags(List.of(tag))
                                .setCreatedAt(Instant.now())
                                .build()));
    }

    private static void generate(
            ConversationOrchestrator orchestrator,
            String id,
            String topic,
            int turns,
            String session,
            String... agents) {
        orchestrator
                .commands()
                .request(
                        id,
                        ConversationRequested.newBuilder()
                                .setParticipants(List.of(agents))
                                .setTopic(topic)
                                .setMaxTurns(turns)
                                .setSpeakerPolicy(SpeakerPolicy.ROUND_ROBIN)
                                .setGeneration(GenerationParameters.newBuilder().build())
                                .setSeed(7L)
                                .setSessionId(session)
                                .setTermination(Termination.newBuilder().build())
                                .build());
    }

    private static void await(ConversationOrchestrator orchestrator, String id) {
        Wait.until(
                "conversation " + id + " completed",
                Duration.ofSeconds(120),
                () -> {
                    try {
                        return orchestrator
                                .queries()
                                .conversation(id)
                                .map(c -> c.status() == Status.COMPLETED)
                                .orElse(false);
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
    }

    private static String prefix(TopicCatalogue topics) {
        return topics.conversationEvents().name().replace("conversation-events", "");
    }

    private Map<String, Object> knowledgeConfig(TestKafka kafka, TopicCatalogue topics) {
        Map<String, Object> c = new HashMap<>();
        c.put(KnowledgeIndexerConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        c.put(KnowledgeIndexerConfig.TOPIC_PREFIX, prefix(topics));
        c.put(KnowledgeIndexerConfig.TOPIC_PARTITIONS, 2);
        c.put(KnowledgeIndexerConfig.APPLICATION_ID, prefix(topics) + "knowledge");
        c.put(KnowledgeIndexerConfig.STATE_DIR, state.resolve("knowledge").toString());
        c.put(KnowledgeIndexerConfig.HTTP_PORT, FreePorts.next());
        return c;
    }

    private Map<String, Object> orchestratorConfig(
            TestKafka kafka, TopicCatalogue topics, FakeOpenAiServer fake) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConversationConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        c.put(ConversationConfig.TOPIC_PREFIX, prefix(topics));
        c.put(ConversationConfig.TOPIC_PARTITIONS, 2);
        c.put(ConversationConfig.APPLICATION_ID, prefix(topics) + "orchestrator");
        c.put(ConversationConfig.STATE_DIR, state.resolve("orchestrator").toString());
        c.put(ConversationConfig.HTTP_PORT, FreePorts.next());
        c.put(ConversationConfig.LLM_PROVIDER, "openai");
        c.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
        c.put(ConversationConfig.LLM_MODEL, "test-model");
        c.put(ConversationConfig.KNOWLEDGE_TOP_K, 1);
        c.put(ConversationConfig.RETRIEVAL_RECENT_TURNS, 1);
        c.put(ConversationConfig.RETRIEVAL_GRAPH_HOPS, 1);
        c.put(ConversationConfig.RETRIEVAL_GRAPH_MAX_LINKED, 1);
        return c;
    }
}
