package ams.app;

import ams.agents.AgentCommands;
import ams.app.system.AmsSystem;
import ams.conversations.statemachine.ConversationState;
import ams.events.Envelopes;
import ams.events.GenerationParameters;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.SpeakerPolicy;
import ams.knowledge.KnowledgeCommands;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ams demo}: the main job end to end on the embedded defaults. Imports the original's three
 * agent templates, loads a small knowledge set for them, generates multi-agent conversations, waits
 * until the exporter has written them, and prints where the datasets are.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Import the original agents, add knowledge, generate conversations and export them as datasets.")
final class DemoCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin BrokerOptions broker;

    @Mixin SystemOptions system;

    @Option(
            names = "--timeout",
            defaultValue = "PT5M",
            description = "Give up after this long (ISO-8601). Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        try (BrokerOptions.Connection connection = broker.connect()) {
            ams.app.system.SystemSettings settings =
                    system.settings(broker, connection.bootstrapServers(), 2_000);
            try (AmsSystem ams = AmsSystem.start(settings)) {
                ams.awaitReady(Duration.ofMinutes(2));
                out.printf(
                        "AMS-DB ready in %d ms (Kafka %s, REST API http://%s:%d, LLM provider %s)%n",
                        millisSince(started),
                        connection.bootstrapServers(),
                        system.httpHost,
                        ams.httpPort(),
                        system.llmProvider);

                List<String> agentIds = importAgents(ams, out);
                await(
                        "the agents to be materialised",
                        deadline,
                        () ->
                                agentIds.stream()
                                        .allMatch(
                                                id ->
                                                        ams.agents()
                                                                .queries()
                                                                .agent(id)
                                                                .isPresent()));
                int documents = loadKnowledge(ams);
                out.printf("Knowledge: %d documents published%n", documents);

                List<String> conversationIds = requestConversations(ams, out);
                Map<String, ConversationState> ended = new TreeMap<>();
                int shown = -1;
                while (ended.size() < conversationIds.size()) {
                    int turns = 0;
                    for (String id : conversationIds) {
                        var state = ams.conversations().queries().conversation(id);
                        if (state.isPresent()) {
                            turns += state.get().turnsDone();
                            if (state.get().status().terminal()) {
                                ended.put(id, state.get());
                            }
                        }
                    }
                    if (turns != shown) {
                        out.printf(
                                "\rGenerating: %d turns, %d/%d conversations done",
                                turns, ended.size(), conversationIds.size());
                        out.flush();
                        shown = turns;
                    }
                    check(deadline, "the conversations to end");
                    Thread.sleep(100);
                }
                out.println();
                Path datasets = settings.datasetRoot();
                await(
                        "the exporter to write the completed conversations",
                        deadline,
                        () -> exportedChatLines(datasets, conversationIds) >= completed(ended));
                printSummary(out, ams, ended, datasets, started);
                return ended.values().stream().allMatch(s -> s.status().name().equals("COMPLETED"))
                        ? 0
                        : 1;
            }
        }
    }

    private List<String> importAgents(AmsSystem ams, PrintWriter out) throws IOException {
        AgentCommands commands = new AgentCommands("ams-demo");
        List<String> ids = new ArrayList<>();
        for (String name : AgentTemplates.NAMES) {
            JsonNode config = JSON.readTree(AgentTemplates.read(name));
            String id = config.path("agent_id").asText();
            ids.add(id);
            if (ams.agents().queries().agent(id).isPresent()) {
                out.printf("Agent %s already imported%n", id);
                continue;
            }
            String displayName =
                    name.replace("_agent_template.json", "")
                            .replace("_template.json", "")
                            .replace('_', ' ');
            ams.publisher()
                    .publish(
                            commands.create(
                                    id,
                                    displayName,
                                    "Imported from the original AMS-DB template " + name,
                                    List.of("original-template"),
                                    config));
            // The templates ship EMBEDDING_FLAG false; the demo loads knowledge for these agents
            // and wants it retrieved, as the original's setup examples switch the flag on.
            ams.publisher().publish(commands.setFlag(id, "EMBEDDING_FLAG", true));
            out.printf("Agent %s imported from %s%n", id, name);
        }
        return ids;
    }

    private int loadKnowledge(AmsSystem ams) throws IOException {
        KnowledgeCommands commands = new KnowledgeCommands("ams-demo");
        int count = 0;
        for (JsonNode doc : resource("/ams/demo/knowledge.json")) {
            List<String> tags = new ArrayList<>();
            doc.path("tags").forEach(t -> tags.add(t.asText()));
            ams.publisher()
                    .publish(
                            commands.add(
                                    doc.path("agent_id").asText(),
                                    doc.path("document_id").asText(),
                                    doc.path("title").asText(),
                                    doc.path("content").asText(),
                                    "text",
                                    doc.path("source").asText(),
                                    tags,
                                    "{}"));
            count++;
        }
        return count;
    }

    private List<String> requestConversations(AmsSystem ams, PrintWriter out) throws IOException {
        List<String> ids = new ArrayList<>();
        long seed = 7;
        for (JsonNode spec : resource("/ams/demo/conversations.json")) {
            String id = "demo-" + java.util.UUID.randomUUID();
            List<String> agents = new ArrayList<>();
            spec.path("agents").forEach(a -> agents.add(a.asText()));
            ConversationRequested request =
                    ConversationRequested.newBuilder()
                            .setParticipants(agents)
                            .setTopic(spec.path("topic").asText())
                            .setMaxTurns(spec.path("turns").asInt(6))
                            .setSpeakerPolicy(SpeakerPolicy.ROUND_ROBIN)
                            .setGeneration(
                                    GenerationParameters.newBuilder()
                                            .setProvider(system.llmProvider)
                                            .setModel(system.llmModel)
                                            .build())
                            .setSeed(seed++)
                            .build();
            ams.publisher()
                    .publish(
                            ConversationEvent.newBuilder()
                                    .setEnvelope(Envelopes.create("ams-demo"))
                                    .setConversationId(id)
                                    .setPayload(request)
                                    .build());
            ids.add(id);
            out.printf(
                    "Conversation %s requested: %s (%s)%n",
                    id, request.getTopic(), String.join(", ", agents));
        }
        return ids;
    }

    private static long completed(Map<String, ConversationState> ended) {
        return ended.values().stream().filter(s -> s.status().name().equals("COMPLETED")).count();
    }

    /**
     * Lines of the chat-format dataset that belong to these conversations: written once each,
     * whole.
     */
    private static long exportedChatLines(Path datasets, List<String> conversationIds) {
        Path chat = datasets.resolve("jsonl").resolve("chat");
        if (!Files.isDirectory(chat)) {
            return 0;
        }
        return regularFiles(chat).stream()
                .filter(p -> p.toString().endsWith(".jsonl"))
                .flatMap(DemoCommand::lines)
                .filter(line -> conversationIds.stream().anyMatch(line::contains))
                .count();
    }

    /**
     * The files under {@code dir} now. The exporter renames its in-progress files while we look,
     * and a walk that meets a vanished entry throws: look again, up to a few times, rather than
     * fail the demo.
     */
    private static List<Path> regularFiles(Path dir) {
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> files = Files.walk(dir)) {
                return files.filter(Files::isRegularFile).sorted().toList();
            } catch (IOException | UncheckedIOException e) {
                if (attempt == 5) {
                    return List.of();
                }
            }
        }
    }

    private static Stream<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream();
        } catch (IOException e) {
            return Stream.empty();
        }
    }

    private void printSummary(
            PrintWriter out,
            AmsSystem ams,
            Map<String, ConversationState> ended,
            Path datasets,
            long started)
            throws IOException {
        out.println();
        out.println("Conversations:");
        for (ConversationState state : ended.values()) {
            out.printf(
                    "  %s  %-9s %d turns  %s%n",
                    state.conversationId(), state.status(), state.turnsDone(), state.topic());
            ams.conversations().queries().messages(state.conversationId()).stream()
                    .limit(2)
                    .forEach(
                            m ->
                                    out.printf(
                                            "      %s: %s%n",
                                            m.agentId(), abbreviate(m.content())));
        }
        out.println();
        out.printf("Datasets under %s:%n", datasets.toAbsolutePath());
        regularFiles(datasets)
                .forEach(f -> out.printf("  %s (%d bytes)%n", datasets.relativize(f), size(f)));
        if ("scripted".equals(system.llmProvider)) {
            out.println(
                    "Note: messages were written by the offline 'scripted' responder (model field 'scripted'), not by an LLM.");
        }
        out.printf(
                "Done in %d ms. Load the messages in DuckDB: SELECT * FROM read_parquet('%s/messages/**/*.parquet');%n",
                millisSince(started), datasets.toAbsolutePath());
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String abbreviate(String text) {
        String flat = text.replaceAll("\\s+", " ").strip();
        return flat.length() <= 110 ? flat : flat.substring(0, 110) + "...";
    }

    private static JsonNode resource(String path) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(path)) {
            return JSON.readTree(in);
        }
    }

    private static void await(
            String what, long deadline, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        while (!condition.getAsBoolean()) {
            check(deadline, what);
            Thread.sleep(100);
        }
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("Timed out waiting for " + what);
        }
    }

    private static long millisSince(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
