package ams.app.chaos;

import ams.app.system.Replay;
import ams.app.system.StoreDigests;
import ams.app.system.SystemSettings;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.testkit.FreePorts;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.openai.FakeOpenAiServer;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Issue #8's chaos test. The processors, the exporter and {@code ams api} run as separate JVMs on
 * the embedded broker, the conversation-orchestrator talks to a fake OpenAI server that injects
 * 429s, 500s and delays; users create agents with knowledge and request conversations through the
 * API while a random process is SIGKILLed and restarted every few seconds, and bad input is thrown
 * at every topic and at the API. Then it audits: every conversation ended (failed only if its
 * provider always fails), each turn exactly once in the log, the datasets equal to the log with no
 * temp files, and a full replay yields the live stores' digests. Exit code 1 on any loss.
 *
 * <p>{@code ChaosRun [--short] [--conversations N] ...} (see {@link ChaosSizes#parse}); {@code
 * chaos/run} runs it.
 */
public final class ChaosRun {

    private ChaosRun() {}

    public static void main(String[] args) throws Exception {
        ChaosSizes sizes = ChaosSizes.parse(args);
        Path work =
                Path.of(System.getProperty("chaos.dir", "target/chaos"))
                        .resolve(Long.toString(System.currentTimeMillis()));
        ChaosReport report = run(sizes, work, System.out);
        report.print(System.out);
        System.out.flush();
        // Kafka clients and the broker leave non-daemon threads behind: exit explicitly.
        System.exit(report.passed() ? 0 : 1);
    }

    static ChaosReport run(ChaosSizes sizes, Path work, PrintStream out) throws Exception {
        long started = System.nanoTime();
        String run = UUID.randomUUID().toString().substring(0, 6);
        out.println("[chaos] " + sizes + "; working directory " + work.toAbsolutePath());
        Files.createDirectories(work);
        ChaosReport report = new ChaosReport();
        try (KafkaCluster cluster = KafkaClusters.fromEnvironment();
                FakeOpenAiServer llm = FakeOpenAiServer.start();
                ProcessSupervisor supervisor = new ProcessSupervisor(work.resolve("logs"))) {
            FlakyLlm flaky = new FlakyLlm(sizes.seed());
            llm.respondWith(flaky);
            SystemSettings settings =
                    new SystemSettings(
                            cluster.bootstrapServers(),
                            "chaos-" + run + ".",
                            3,
                            work.resolve("data"),
                            "127.0.0.1",
                            FreePorts.next(),
                            null,
                            "openai",
                            llm.baseUrl(),
                            FakeOpenAiServer.MODEL,
                            "chaos-key",
                            "",
                            2_000,
                            false);
            try (Admin admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    settings.bootstrapServers()))) {
                new TopicProvisioner(admin, 60_000)
                        .provision(
                                new TopicCatalogue(
                                        settings.topicPrefix(), settings.partitions(), (short) 1));
            }
            try {
                runAndAudit(sizes, run, started, supervisor, settings, llm, report, out);
            } finally {
                report.kills.putAll(supervisor.kills());
                report.unexpectedExits.putAll(supervisor.unexpectedExits());
            }
        } catch (RuntimeException | AssertionError e) {
            report.losses.add("the run itself failed: " + e);
            e.printStackTrace(out);
        }
        if (report.totalKills() < sizes.minKills()) {
            report.losses.add(
                    "only " + report.totalKills() + " kills, fewer than " + sizes.minKills());
        }
        report.unexpectedExits.forEach(
                (name, n) -> report.losses.add(name + " died by itself " + n + " time(s)"));
        report.seconds = (System.nanoTime() - started) / 1_000_000_000;
        return report;
    }

    private static void runAndAudit(
            ChaosSizes sizes,
            String run,
            long started,
            ProcessSupervisor supervisor,
            SystemSettings settings,
            FakeOpenAiServer llm,
            ChaosReport report,
            PrintStream out)
            throws Exception {
        {
            TopicCatalogue topics =
                    new TopicCatalogue(settings.topicPrefix(), settings.partitions(), (short) 1);
            Map<String, Integer> ports = startServices(supervisor, settings, llm);
            supervisor.awaitAllAnswer(Duration.ofMinutes(3));
            out.printf(
                    "[chaos] %d services up in %d s%n",
                    ports.size(), (System.nanoTime() - started) / 1_000_000_000);
            String api = "http://127.0.0.1:" + ports.get("api");

            try (ConversationLog log =
                    new ConversationLog(settings.bootstrapServers(), topics.conversationEvents())) {
                Workload workload = new Workload(api, run, sizes);
                workload.createAgents(Duration.ofMinutes(3));
                Workload.Requested requested;
                try (Killer killer =
                        new Killer(
                                        supervisor,
                                        sizes.killInterval(),
                                        sizes.minKills(),
                                        sizes.seed(),
                                        started,
                                        out)
                                .start()) {
                    BadInput badInput =
                            BadInput.start(
                                    settings.bootstrapServers(),
                                    settings.topicPrefix(),
                                    api,
                                    sizes,
                                    killer,
                                    out);
                    requested = workload.requestConversations(Duration.ofMinutes(5));
                    out.printf(
                            "[chaos] %d conversations requested (%d retried requests)%n",
                            requested.all().size(), requested.retries());
                    awaitTerminal(log, requested.all(), supervisor, sizes, started, out);
                    badInput.finish(settings.bootstrapServers(), settings.topicPrefix(), report);
                    // Enough kills even when the conversations finished fast: keep killing until
                    // the minimum.
                    while (supervisor.totalKills() < sizes.minKills()) {
                        killer.check();
                        Thread.sleep(1_000);
                    }
                }
                supervisor.awaitAllAnswer(Duration.ofMinutes(3));
                log.awaitCaughtUp(Duration.ofMinutes(1));
                Map<String, List<String>> completed =
                        auditLog(log, requested, sizes.turns(), report);
                awaitExported(
                        log,
                        requested.all(),
                        completed,
                        settings.datasetRoot(),
                        Duration.ofMinutes(3));
                Map<String, Integer> exits = supervisor.stopAll();
                out.println(
                        "[chaos] stopped every service (exit codes after SIGTERM " + exits + ")");
                DatasetAudit.Result datasets =
                        DatasetAudit.compare(
                                settings.datasetRoot(), log.messages(requested.all()), completed);
                report.parquetRows = datasets.parquetRows();
                report.turnRows = datasets.turnRows();
                report.chatLines = datasets.chatLines();
                datasets.differences().forEach(d -> report.losses.add("datasets: " + d));
                datasets.strayFiles()
                        .forEach(
                                f ->
                                        report.losses.add(
                                                "datasets: a file that is not a published dataset file: "
                                                        + f));
            }
            replay(settings, report, out);
        }
    }

    /**
     * The five services with fixed ports, ids and state directories: a restart is the same service
     * again.
     */
    private static Map<String, Integer> startServices(
            ProcessSupervisor supervisor, SystemSettings settings, FakeOpenAiServer llm) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String name :
                List.of(
                        "agent-processor",
                        "knowledge-indexer",
                        "conversation-orchestrator",
                        "exporter",
                        "api")) {
            ports.put(name, FreePorts.next());
        }
        Map<String, String> common =
                Map.of(
                        "AMS_BOOTSTRAP_SERVERS", settings.bootstrapServers(),
                        "AMS_TOPIC_PREFIX", settings.topicPrefix(),
                        "AMS_TOPIC_PARTITIONS", Integer.toString(settings.partitions()),
                        "AMS_HTTP_HOST", "127.0.0.1");
        String agentsUrl = "http://127.0.0.1:" + ports.get("agent-processor");
        String knowledgeUrl = "http://127.0.0.1:" + ports.get("knowledge-indexer");
        String conversationsUrl = "http://127.0.0.1:" + ports.get("conversation-orchestrator");
        String exporterUrl = "http://127.0.0.1:" + ports.get("exporter");

        supervisor.start(
                new ProcessSupervisor.Service(
                        "agent-processor",
                        "ams.agents.AgentProcessorMain",
                        List.of(),
                        env(
                                common,
                                ports.get("agent-processor"),
                                Map.of(
                                        "AMS_STATE_DIR",
                                                settings.stateDir("agent-processor").toString(),
                                        "AMS_AGENTS_APPLICATION_ID",
                                                settings.applicationId("agent-processor"))),
                        List.of(),
                        ports.get("agent-processor"),
                        "/agents/healthcheck"));
        supervisor.start(
                new ProcessSupervisor.Service(
                        "knowledge-indexer",
                        "ams.knowledge.KnowledgeIndexerMain",
                        List.of(),
                        env(
                                common,
                                ports.get("knowledge-indexer"),
                                Map.of(
                                        "AMS_STATE_DIR",
                                        settings.stateDir("knowledge-indexer").toString())),
                        // application.id has no AMS_* variable; the indexer's main reads -D
                        // overrides of its keys.
                        List.of("-Dapplication.id=" + settings.applicationId("knowledge-indexer")),
                        ports.get("knowledge-indexer"),
                        "/agents/healthcheck/knowledge"));
        Map<String, String> orchestrator = new LinkedHashMap<>();
        orchestrator.put(
                "AMS_STATE_DIR", settings.stateDir("conversation-orchestrator").toString());
        orchestrator.put("AMS_APPLICATION_ID", settings.applicationId("conversation-orchestrator"));
        orchestrator.put("AMS_INSTANCE_ID", "chaos-1");
        orchestrator.put("AMS_AGENTS_BASE_URL", agentsUrl);
        orchestrator.put("AMS_KNOWLEDGE_BASE_URL", knowledgeUrl);
        orchestrator.put("AMS_LLM_PROVIDER", "openai");
        orchestrator.put("AMS_LLM_BASE_URL", llm.baseUrl());
        orchestrator.put("AMS_LLM_MODEL", FakeOpenAiServer.MODEL);
        orchestrator.put("AMS_LLM_API_KEY", "chaos-key");
        // 8 % of calls fail at random: with 8 attempts a turn fails by chance once in ~600 million,
        // so a FAILED conversation that is not doomed is a finding, not bad luck (4 attempts: 1 in
        // 24,000 turns).
        orchestrator.put("AMS_LLM_MAX_ATTEMPTS", "8");
        orchestrator.put("AMS_LLM_BACKOFF_INITIAL_MS", "200");
        orchestrator.put("AMS_LLM_BACKOFF_MAX_MS", "2000");
        supervisor.start(
                new ProcessSupervisor.Service(
                        "conversation-orchestrator",
                        "ams.conversations.ConversationOrchestratorMain",
                        List.of(),
                        env(common, ports.get("conversation-orchestrator"), orchestrator),
                        List.of(),
                        ports.get("conversation-orchestrator"),
                        "/conversations/healthcheck"));
        supervisor.start(
                new ProcessSupervisor.Service(
                        "exporter",
                        "ams.export.ExporterMain",
                        List.of(),
                        env(
                                common,
                                ports.get("exporter"),
                                Map.of(
                                        "AMS_DATASET_ROOT", settings.datasetRoot().toString(),
                                        "AMS_EXPORTER_GROUP_ID", settings.applicationId("exporter"),
                                        "AMS_EXPORTER_ROTATE_INTERVAL_MS",
                                                Long.toString(settings.exportRotateMs()))),
                        List.of(),
                        ports.get("exporter"),
                        "/exporter/status"));
        supervisor.start(
                new ProcessSupervisor.Service(
                        "api",
                        "ams.app.Ams",
                        List.of("api"),
                        env(
                                common,
                                ports.get("api"),
                                Map.of(
                                        "AMS_AGENTS_URL", agentsUrl,
                                        "AMS_KNOWLEDGE_URL", knowledgeUrl,
                                        "AMS_CONVERSATIONS_URL", conversationsUrl,
                                        "AMS_EXPORTER_URL", exporterUrl)),
                        List.of(),
                        ports.get("api"),
                        "/health"));
        return ports;
    }

    private static Map<String, String> env(
            Map<String, String> common, int port, Map<String, String> own) {
        Map<String, String> env = new LinkedHashMap<>(common);
        env.put("AMS_HTTP_PORT", Integer.toString(port));
        env.putAll(own);
        return env;
    }

    private static void awaitTerminal(
            ConversationLog log,
            List<String> ids,
            ProcessSupervisor supervisor,
            ChaosSizes sizes,
            long started,
            PrintStream out)
            throws InterruptedException {
        long deadline = started + sizes.runTimeout().toNanos();
        int last = -1;
        long lastReport = 0;
        while (true) {
            int done = log.terminal(ids);
            if (done == ids.size()) {
                return;
            }
            if (System.nanoTime() - lastReport > 15_000_000_000L
                    || done != last && done == ids.size()) {
                out.printf(
                        "[chaos %4ds] %d/%d conversations ended, %d kills so far%n",
                        (System.nanoTime() - started) / 1_000_000_000,
                        done,
                        ids.size(),
                        supervisor.totalKills());
                lastReport = System.nanoTime();
            }
            last = done;
            if (System.nanoTime() > deadline) {
                List<String> open =
                        ids.stream()
                                .filter(id -> log.terminal(List.of(id)) == 0)
                                .limit(10)
                                .toList();
                throw new IllegalStateException(
                        (ids.size() - done)
                                + " conversations still open after "
                                + sizes.runTimeout()
                                + ", e.g. "
                                + open);
            }
            Thread.sleep(1_000);
        }
    }

    /**
     * Per conversation: turns 0..n-1 exactly once each; COMPLETED, or FAILED with a reason only
     * when doomed.
     */
    private static Map<String, List<String>> auditLog(
            ConversationLog log, Workload.Requested requested, int turns, ChaosReport report) {
        Map<String, List<String>> completed = new LinkedHashMap<>();
        report.conversations = requested.all().size();
        for (String id : requested.all()) {
            ConversationLog.Conversation c = log.conversation(id);
            boolean doomed = requested.doomed().contains(id);
            if (c == null || c.requests == 0) {
                report.losses.add(id + ": no ConversationRequested in the log");
                continue;
            }
            if (c.requests > 1) {
                report.notes.add(
                        id
                                + ": requested "
                                + c.requests
                                + " times (a retried request reached the log twice; the state machine applies it once)");
            }
            if (c.terminalEvents > 1) {
                report.losses.add(id + ": " + c.terminalEvents + " terminal events");
            }
            int highest = c.turns.isEmpty() ? -1 : c.turns.lastKey();
            for (int turn = 0; turn <= highest; turn++) {
                List<ConversationLog.Message> messages = c.turns.getOrDefault(turn, List.of());
                if (messages.isEmpty()) {
                    report.missing++;
                    report.losses.add(id + ": turn " + turn + " missing");
                } else if (messages.size() > 1) {
                    report.duplicates += messages.size() - 1;
                    report.losses.add(
                            id + ": turn " + turn + " appended " + messages.size() + " times");
                }
                report.turns += messages.isEmpty() ? 0 : 1;
            }
            if ("COMPLETED".equals(c.status) && !doomed) {
                report.completed++;
                for (int turn = highest + 1; turn < turns; turn++) {
                    report.missing++;
                    report.losses.add(id + ": completed without turn " + turn);
                }
                List<String> contents = new ArrayList<>();
                c.turns.values().forEach(ms -> contents.add(ms.get(0).content()));
                completed.put(id, contents);
            } else if ("FAILED".equals(c.status)
                    && doomed
                    && c.reason != null
                    && !c.reason.isBlank()) {
                report.failedAsIntended++;
            } else {
                report.losses.add(
                        id
                                + ": ended "
                                + c.status
                                + " ("
                                + c.reason
                                + ")"
                                + (doomed ? " but its provider always fails" : ""));
            }
        }
        return completed;
    }

    /**
     * The exporter publishes on rotation: wait until its files hold every message and every
     * completed conversation.
     */
    private static void awaitExported(
            ConversationLog log,
            List<String> ids,
            Map<String, List<String>> completed,
            Path root,
            Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long expected = log.messages(ids).size();
        while (System.nanoTime() < deadline) {
            DatasetAudit.Result result = DatasetAudit.compare(root, log.messages(ids), completed);
            if (result.parquetRows() >= expected
                    && result.turnRows() >= expected
                    && result.chatLines() >= completed.size()) {
                return;
            }
            Thread.sleep(2_000);
        }
    }

    /**
     * The app's replay on the processes' own ids and state: live digests from their stores, then a
     * rebuild from the log.
     */
    private static void replay(SystemSettings settings, ChaosReport report, PrintStream out)
            throws InterruptedException {
        PrintWriter writer =
                new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        Replay.Result result =
                new Replay(settings.withHttpPort(FreePorts.next()), writer)
                        .run(Duration.ofMinutes(10));
        report.digestsEqual = result.identical();
        result.before()
                .forEach(
                        (app, stores) ->
                                stores.forEach(
                                        (store, before) -> {
                                            StoreDigests.Digest after =
                                                    result.after().get(app).get(store);
                                            out.printf(
                                                    "[chaos] %s %s: live %s, replayed %s%n",
                                                    app, store, before, after);
                                            if (!before.equals(after)) {
                                                printFirstDifference(out, before, after);
                                                report.losses.add(
                                                        "replay: store "
                                                                + app
                                                                + "/"
                                                                + store
                                                                + " differs: live "
                                                                + before
                                                                + ", replayed "
                                                                + after);
                                            }
                                        }));
        out.printf("[chaos] replay rebuilt every store in %d ms%n", result.rebuildMillis());
    }

    /**
     * The first entry (in key order, within the digests' samples) that differs: a digest alone says
     * that a store differs, not where, and a difference that shows in one run of many must be
     * explainable from that run's output.
     */
    private static void printFirstDifference(
            PrintStream out, StoreDigests.Digest live, StoreDigests.Digest replayed) {
        if (replayed == null) {
            return;
        }
        int entries = Math.max(live.sample().size(), replayed.sample().size());
        for (int i = 0; i < entries; i++) {
            String l = i < live.sample().size() ? live.sample().get(i) : "(none)";
            String r = i < replayed.sample().size() ? replayed.sample().get(i) : "(none)";
            if (!l.equals(r)) {
                out.printf(
                        "[chaos]   first difference, entry %d:%n[chaos]     live     %s%n"
                                + "[chaos]     replayed %s%n",
                        i, l, r);
                return;
            }
        }
    }
}
