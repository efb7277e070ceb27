package ams.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.app.Ams;
import ams.app.client.EventPublisher;
import ams.app.rest.ProxyRoutes;
import ams.app.rest.RestConfig;
import ams.app.rest.RestServer;
import ams.conversations.AgentProfile;
import ams.conversations.ConversationConfig;
import ams.conversations.ConversationOrchestrator;
import ams.events.topics.TopicCatalogue;
import ams.service.fate.FateRoute;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ams conversation resume} end to end: the provider is down, the conversation FAILS; the
 * provider comes back and the CLI resumes it through an API process that proxies to the
 * orchestrator's routes (mounted in-process on the other REST server), until it completes.
 */
@ExtendWith(KafkaClusterExtension.class)
class ResumeCliIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path state;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void resumesAFailedConversationUntilItCompletes(TestKafka kafka) throws Exception {
        TopicCatalogue topics = kafka.newCatalogue(1);
        AtomicBoolean down = new AtomicBoolean(true);
        try (FakeOpenAiServer fake =
                        FakeOpenAiServer.start()
                                .respondWith(
                                        r ->
                                                down.get()
                                                        ? Reply.serverError()
                                                        : Reply.text("back"));
                ConversationOrchestrator orchestrator =
                        ConversationOrchestrator.start(
                                new ConversationConfig(config(kafka, topics, fake)),
                                this::agent,
                                (agentId, query, k) -> List.of());
                EventPublisher publisher = new EventPublisher(kafka.bootstrapServers(), topics);
                Admin admin = kafka.admin();
                RestServer system =
                        RestServer.start(
                                RestConfig.loopback(0),
                                publisher,
                                admin,
                                List.of(),
                                List.of(
                                        orchestrator::registerRoutes,
                                        // As every server of the system does: --wait asks it.
                                        app ->
                                                FateRoute.register(
                                                        app, List.of(orchestrator.fates()))));
                RestServer api =
                        RestServer.start(
                                RestConfig.loopback(0),
                                publisher,
                                admin,
                                List.of(),
                                List.of(
                                        new ProxyRoutes(
                                                        new ProxyRoutes.Upstreams(
                                                                null,
                                                                null,
                                                                "http://127.0.0.1:" + system.port(),
                                                                null))
                                                ::register))) {
            String direct = "http://127.0.0.1:" + system.port();
            String proxied = "http://127.0.0.1:" + api.port();

            assertEquals(
                    1,
                    ams(
                            direct,
                            "conversation",
                            "generate",
                            "--agents",
                            "a,b",
                            "--topic",
                            "outage",
                            "--turns",
                            "3",
                            "--wait",
                            "--timeout",
                            "PT120S",
                            "--json"),
                    err.toString());
            String id = JSON.readTree(out.toString()).path("conversation_id").asText();
            assertEquals(
                    "FAILED",
                    JSON.readTree(out.toString()).path("status").asText(),
                    out.toString());

            down.set(false);
            out.getBuffer().setLength(0);
            assertEquals(
                    0,
                    ams(proxied, "conversation", "resume", id, "--wait", "--timeout", "PT120S"),
                    err.toString());
            assertTrue(
                    out.toString().contains("Conversation " + id + " COMPLETED after 3 turns"),
                    out.toString());

            out.getBuffer().setLength(0);
            assertEquals(
                    1,
                    ams(proxied, "conversation", "resume", id, "--json"),
                    "a completed conversation cannot be resumed");
            assertTrue(
                    err.toString()
                            .contains(
                                    "is COMPLETED; only FAILED or RUNNING conversations can be resumed"),
                    err.toString());
            assertEquals(4, ams(direct, "conversation", "resume", "no-such-conversation"));
            JsonNode messages =
                    JSON.readTree(
                            java.net
                                    .URI
                                    .create(direct + "/conversations/" + id + "/messages")
                                    .toURL()
                                    .openStream());
            assertEquals(
                    List.of(0, 1, 2),
                    java.util.stream.StreamSupport.stream(
                                    messages.path("messages").spliterator(), false)
                            .map(m -> m.path("turn_number").asInt())
                            .toList());
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
        c.put(ConversationConfig.LLM_MAX_ATTEMPTS, 2);
        c.put(ConversationConfig.LLM_BACKOFF_INITIAL_MS, 10L);
        c.put(ConversationConfig.LLM_BACKOFF_MAX_MS, 20L);
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
