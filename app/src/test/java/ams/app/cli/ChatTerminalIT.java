package ams.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.client.EventPublisher;
import ams.app.rest.RestConfig;
import ams.app.rest.RestServer;
import ams.conversations.AgentProfile;
import ams.conversations.ConversationConfig;
import ams.conversations.ConversationOrchestrator;
import ams.events.topics.TopicCatalogue;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ams chat} as a person uses it: in its own JVM on a pseudo-terminal, typing lines. The
 * agents wait for the person's turn, answer (their replies streamed from the real LangChain4j
 * OpenAI client against the fake server), the in-chat commands work, the session survives a restart
 * of the system behind it, and after {@code /quit} the chat is rejoined by its id.
 */
@ExtendWith(KafkaClusterExtension.class)
class ChatTerminalIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir Path state;

    @Test
    void aPersonChatsWithTwoAgentsAcrossARestartAndRejoins(TestKafka kafka) throws Exception {
        TopicCatalogue topics = kafka.newCatalogue(1);
        int port = FreePorts.next();
        String api = "http://127.0.0.1:" + port;
        try (FakeOpenAiServer fake =
                        FakeOpenAiServer.start()
                                .respondWith(r -> Reply.text("Owls hunt at night, mostly mice."));
                EventPublisher publisher = new EventPublisher(kafka.bootstrapServers(), topics);
                Admin admin = kafka.admin()) {
            Map<String, Object> config = config(kafka, topics, fake);
            RunningSystem system = RunningSystem.start(config, publisher, admin, port);
            String id;
            try (PseudoTerminal chat =
                    PseudoTerminal.ams(
                            List.of(
                                    "chat",
                                    "--api",
                                    api,
                                    "--agents",
                                    "a,b",
                                    "--topic",
                                    "owls",
                                    "--as",
                                    "alice",
                                    "--turns",
                                    "12"))) {
                id = chat.expect("Chat (\\S+) with a, b as alice", WAIT).group(1);
                chat.expect("you> ", WAIT);
                assertEquals(
                        "alice",
                        conversation(api, id).path("awaiting_human").asText(),
                        "turn 0 is the person's: the agents wait");
                assertEquals(0, conversation(api, id).path("turns_done").asInt());

                chat.type("What do owls eat?");
                chat.expect("(?m)^a: Owls hunt at night, mostly mice\\.\n", WAIT);
                chat.expect("(?m)^b: Owls hunt at night, mostly mice\\.\n", WAIT);
                chat.expect("you> ", WAIT);
                assertEquals(
                        2,
                        chat.screen().split("Owls hunt at night", -1).length - 1,
                        "each reply is on the screen once, whatever order its tokens and its"
                                + " stored message came in:\n"
                                + chat.screen());
                assertEquals(
                        List.of("alice", "a", "b"),
                        speakers(api, id),
                        "the person's line is turn 0, each agent answered once, then it waits");

                chat.type("/agents");
                chat.expect("alice \\(person\\)", WAIT);
                chat.type("/history");
                chat.expect("--- history of " + id + " ---\nyou> What do owls eat\\?\n", WAIT);

                // The system restarts under the open chat: it reconnects and goes on.
                system.close();
                chat.expect("connection to the system lost", WAIT);
                system = RunningSystem.start(config, publisher, admin, port);
                chat.expect("you> ", WAIT);
                chat.type("And in winter?");
                chat.expect("(?m)^a: Owls hunt", WAIT);
                chat.expect("(?m)^b: Owls hunt", WAIT);
                chat.expect("you> ", WAIT);

                chat.type("/quit");
                chat.expect("Left chat " + id, WAIT);
                assertEquals(0, chat.waitForExit(WAIT), chat.screen());
            }
            assertEquals(List.of("alice", "a", "b", "alice", "a", "b"), speakers(api, id));

            try (PseudoTerminal again =
                    PseudoTerminal.ams(
                            List.of("chat", "--api", api, "--join", id, "--as", "alice"))) {
                again.expect("Chat " + id + " with a, b as alice", WAIT);
                again.expect("you> And in winter\\?\n", WAIT);
                again.expect("you> $", WAIT);
                again.type("/cancel");
                again.expect("Chat " + id + " ended: CANCELLED", WAIT);
                assertEquals(0, again.waitForExit(WAIT), again.screen());
            } finally {
                system.close();
            }
            assertTrue(
                    fake.chatRequests().size() >= 4,
                    "four agent turns went to the model: " + fake.chatRequests().size());
        }
    }

    /** The orchestrator and the REST server it is mounted on, on a fixed port. */
    private record RunningSystem(ConversationOrchestrator orchestrator, RestServer rest)
            implements AutoCloseable {

        static RunningSystem start(
                Map<String, Object> config, EventPublisher publisher, Admin admin, int port) {
            ConversationOrchestrator orchestrator =
                    ConversationOrchestrator.start(
                            new ConversationConfig(config),
                            ChatTerminalIT::agent,
                            (agentId, query, k) -> List.of());
            RestServer rest =
                    RestServer.start(
                            RestConfig.loopback(port),
                            publisher,
                            admin,
                            List.of(),
                            List.of(orchestrator::registerRoutes));
            return new RunningSystem(orchestrator, rest);
        }

        @Override
        public void close() {
            rest.close();
            orchestrator.close();
        }
    }

    private static JsonNode conversation(String api, String id) throws IOException {
        try (var in = URI.create(api + "/conversations/" + id).toURL().openStream()) {
            return JSON.readTree(in);
        }
    }

    private static List<String> speakers(String api, String id) throws IOException {
        JsonNode messages;
        try (var in = URI.create(api + "/conversations/" + id + "/messages").toURL().openStream()) {
            messages = JSON.readTree(in);
        }
        return StreamSupport.stream(messages.path("messages").spliterator(), false)
                .map(m -> m.path("agent_id").asText())
                .toList();
    }

    private static Optional<AgentProfile> agent(String agentId) {
        try {
            return List.of("a", "b").contains(agentId)
                    ? Optional.of(
                            new AgentProfile(
                                    agentId,
                                    agentId.toUpperCase(Locale.ROOT),
                                    JSON.readTree(TestEvents.minimalConfig(agentId))))
                    : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, Object> config(
            TestKafka kafka, TopicCatalogue topics, FakeOpenAiServer fake) {
        String prefix = topics.conversationEvents().name().replace("conversation-events", "");
        Map<String, Object> c = new HashMap<>();
        c.put(ConversationConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        c.put(ConversationConfig.TOPIC_PREFIX, prefix);
        c.put(ConversationConfig.TOPIC_PARTITIONS, 1);
        c.put(ConversationConfig.APPLICATION_ID, prefix + "orchestrator");
        c.put(ConversationConfig.INSTANCE_ID, "chat-it");
        c.put(ConversationConfig.STATE_DIR, state.toString());
        c.put(ConversationConfig.HTTP_PORT, FreePorts.next());
        c.put(ConversationConfig.LLM_PROVIDER, "openai");
        c.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
        c.put(ConversationConfig.LLM_MODEL, "test-model");
        return c;
    }
}
