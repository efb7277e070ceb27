package ams.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.Ams;
import ams.app.client.ConversationStream;
import ams.app.client.EventPublisher;
import ams.app.client.RestClient;
import ams.app.rest.ProxyRoutes;
import ams.app.rest.RestConfig;
import ams.app.rest.RestServer;
import ams.conversations.AgentProfile;
import ams.conversations.ConversationConfig;
import ams.conversations.ConversationOrchestrator;
import ams.events.http.BearerToken;
import ams.events.topics.TopicCatalogue;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Streamed replies through the app: the orchestrator's routes mounted on a REST server with the API
 * token (as in {@code ams up}) and an API process proxying to it (as {@code ams api}); the Java
 * client's {@code streamConversation} and {@code ams conversation watch} read the stream, and each
 * turn's tokens add up to its stored message.
 */
@ExtendWith(KafkaClusterExtension.class)
class WatchCliIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "stream-secret";

    @TempDir Path state;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void streamsRepliesToTheClientAndTheCliDirectAndThroughTheProxy(TestKafka kafka)
            throws Exception {
        TopicCatalogue topics = kafka.newCatalogue(1);
        AtomicInteger calls = new AtomicInteger();
        try (FakeOpenAiServer fake =
                        FakeOpenAiServer.start()
                                .respondWith(
                                        r ->
                                                Reply.text(
                                                                "Turn reply "
                                                                        + calls.getAndIncrement()
                                                                        + " says one two three four")
                                                        .chunksEvery(Duration.ofMillis(60)));
                ConversationOrchestrator orchestrator =
                        ConversationOrchestrator.start(
                                new ConversationConfig(config(kafka, topics, fake)),
                                this::agent,
                                (agentId, query, k) -> List.of());
                EventPublisher publisher = new EventPublisher(kafka.bootstrapServers(), topics);
                Admin admin = kafka.admin();
                RestServer system =
                        RestServer.start(
                                RestConfig.loopback(0).withToken(TOKEN),
                                publisher,
                                admin,
                                List.of(),
                                List.of(orchestrator::registerRoutes));
                RestServer api =
                        RestServer.start(
                                RestConfig.loopback(0).withToken(TOKEN),
                                publisher,
                                admin,
                                List.of(),
                                List.of(
                                        new ProxyRoutes(
                                                        new ProxyRoutes.Upstreams(
                                                                null,
                                                                null,
                                                                "http://127.0.0.1:" + system.port(),
                                                                null),
                                                        BearerToken.of(TOKEN))
                                                ::register))) {
            String direct = "http://127.0.0.1:" + system.port();
            String proxied = "http://127.0.0.1:" + api.port();
            RestClient client = new RestClient(direct, TOKEN);

            RestClient.ApiException unknown =
                    assertThrows(
                            RestClient.ApiException.class,
                            () -> client.streamConversation("nope", -1, new Recorder()));
            assertEquals(404, unknown.status());
            assertEquals(
                    404,
                    assertThrows(
                                    RestClient.ApiException.class,
                                    () ->
                                            new RestClient(proxied, TOKEN)
                                                    .streamConversation("nope", -1, new Recorder()))
                            .status(),
                    "the proxy passes the 404 on");
            assertEquals(
                    401,
                    assertThrows(
                                    RestClient.ApiException.class,
                                    () ->
                                            new RestClient(direct, null)
                                                    .streamConversation("nope", -1, new Recorder()))
                            .status(),
                    "the stream needs the API token like every route");

            String id = generate(client, 4);
            Recorder recorder = new Recorder();
            ConversationStream stream = open(client, id, recorder);
            stream.closed().get(90, TimeUnit.SECONDS);
            assertTrue(stream.ended());
            assertNull(recorder.closedWith.get(), "closed by the end, not by an error");
            List<JsonNode> stored =
                    list(client.get("/conversations/" + id + "/messages").path("messages"));
            assertEquals(4, stored.size());
            assertTokensAddUp(recorder.events, stored);
            assertTrue(
                    recorder.events.stream()
                            .anyMatch(
                                    e ->
                                            e.name().equals("token")
                                                    && e.data().path("turn_number").asInt() == 0),
                    "a client connected from the start sees every turn's tokens");
            assertEquals(3, stream.lastIndex());
            assertEquals("end", recorder.events.get(recorder.events.size() - 1).name());

            // The CLI through the proxy, as JSON lines: the same contract, passed on unbuffered.
            String second = generate(client, 3);
            Wait.until(
                    "the second conversation to be known",
                    Duration.ofSeconds(30),
                    () -> {
                        try {
                            client.get("/conversations/" + second);
                            return true;
                        } catch (RestClient.ApiException e) {
                            return false;
                        }
                    });
            assertEquals(
                    0,
                    ams(proxied, "conversation", "watch", second, "--json", "--token", TOKEN),
                    err.toString());
            List<ConversationStream.Event> proxiedEvents = new ArrayList<>();
            for (String line : out.toString().split("\n")) {
                JsonNode event = JSON.readTree(line);
                proxiedEvents.add(
                        new ConversationStream.Event(
                                event.path("event").asText(),
                                event.path("id").isMissingNode() ? null : event.path("id").asText(),
                                event.path("data")));
            }
            List<JsonNode> secondStored =
                    list(client.get("/conversations/" + second + "/messages").path("messages"));
            assertEquals(3, secondStored.size());
            assertTokensAddUp(proxiedEvents, secondStored);
            assertTrue(
                    proxiedEvents.stream()
                                    .filter(e -> e.name().equals("token"))
                                    .map(e -> e.data().path("turn_number").asInt())
                                    .distinct()
                                    .count()
                            >= 2,
                    "tokens came through the proxy: " + out);

            // Human output, from message 1 on: the later replies and the end.
            out.getBuffer().setLength(0);
            assertEquals(
                    0,
                    ams(direct, "conversation", "watch", second, "--after", "0", "--token", TOKEN),
                    err.toString());
            String shown = out.toString();
            assertFalse(shown.contains(secondStored.get(0).path("content").asText()), shown);
            assertTrue(shown.contains(secondStored.get(2).path("content").asText()), shown);
            assertTrue(shown.contains("Conversation COMPLETED"), shown);
        }
    }

    private static ConversationStream open(RestClient client, String id, Recorder recorder) {
        // The stream answers 404 until the state machine has taken the request.
        AtomicReference<ConversationStream> opened = new AtomicReference<>();
        Wait.until(
                "the stream of " + id + " to open",
                Duration.ofSeconds(30),
                () -> {
                    try {
                        opened.set(client.streamConversation(id, -1, recorder));
                        return true;
                    } catch (RestClient.ApiException e) {
                        if (e.status() != 404) {
                            throw e;
                        }
                        return false;
                    }
                });
        return opened.get();
    }

    private static String generate(RestClient client, int turns) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("agents").add("a").add("b");
        body.put("topic", "streams");
        body.put("num_turns", turns);
        return client.post("/conversations/generate", body).path("conversation_id").asText();
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    /**
     * Every turn's tokens after its last reset add up to its stored message, and come first. A
     * client that joined late may have no tokens of the turns stored before it joined (they come as
     * messages only), so the check starts at the first turn with tokens.
     */
    static void assertTokensAddUp(List<ConversationStream.Event> events, List<JsonNode> stored) {
        int firstStreamed =
                events.stream()
                        .filter(e -> e.name().equals("token"))
                        .mapToInt(e -> e.data().path("turn_number").asInt())
                        .min()
                        .orElse(Integer.MAX_VALUE);
        assertTrue(firstStreamed < Integer.MAX_VALUE, "no tokens at all: " + events);
        for (JsonNode m : stored) {
            int turn = m.path("turn_number").asInt();
            if (turn < firstStreamed) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            boolean sawMessage = false;
            for (ConversationStream.Event e : events) {
                if (e.data().path("turn_number").asInt(-1) != turn) {
                    continue;
                }
                switch (e.name()) {
                    case "token" -> {
                        assertFalse(sawMessage, "a token of turn " + turn + " after its message");
                        text.append(e.data().path("text").asText());
                    }
                    case "turn_reset" -> text.setLength(0);
                    case "message" -> sawMessage = true;
                    default -> {}
                }
            }
            assertTrue(sawMessage, "turn " + turn + "'s message was streamed");
            assertEquals(m.path("content").asText(), text.toString(), "turn " + turn);
        }
    }

    /** Records every event of a stream. */
    static final class Recorder implements ConversationStream.Listener {
        final List<ConversationStream.Event> events = new CopyOnWriteArrayList<>();
        final AtomicReference<Throwable> closedWith = new AtomicReference<>();

        @Override
        public void onEvent(ConversationStream.Event event) {
            events.add(event);
        }

        @Override
        public void onClosed(Throwable error) {
            closedWith.set(error);
        }
    }

    private Optional<AgentProfile> agent(String agentId) {
        try {
            return List.of("a", "b").contains(agentId)
                    ? Optional.of(
                            new AgentProfile(
                                    agentId,
                                    agentId.toUpperCase(java.util.Locale.ROOT),
                                    JSON.readTree(TestEvents.minimalConfig(agentId))))
                    : Optional.empty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
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
        c.put(ConversationConfig.STATE_DIR, state.toString());
        c.put(ConversationConfig.HTTP_PORT, FreePorts.next());
        c.put(ConversationConfig.LLM_PROVIDER, "openai");
        c.put(ConversationConfig.LLM_BASE_URL, fake.baseUrl());
        c.put(ConversationConfig.LLM_MODEL, "test-model");
        return c;
    }

    private int ams(String base, String... args) {
        CommandLine cli = Ams.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--api";
        all[args.length + 1] = base;
        return cli.execute(all);
    }
}
