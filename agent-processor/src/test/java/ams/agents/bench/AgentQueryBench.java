package ams.agents.bench;

import ams.agents.AgentProcessor;
import ams.agents.AgentProcessorConfig;
import ams.agents.AgentQueries;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.service.http.ForwardClient;
import ams.service.http.InstanceRouter;
import ams.service.http.ServiceHttp;
import ams.testkit.FreePorts;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.bench.HarnessFloor;
import ams.testkit.bench.OpenLoopLoad;
import ams.testkit.bench.ResultRows;
import ams.testkit.bench.RouteLoad;
import ams.testkit.bench.ThreadCpu;
import io.javalin.Javalin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Interactive-query latency of the agent processor ({@code bench/run --only queries}): an agent
 * processor with N agents loaded and its routes on the shared server ({@link ServiceHttp}), plus an
 * empty route ({@code /bench/empty}, answering {@code {}}) on the same server as the raw limit.
 * Each route gets an open-loop load at a fixed rate from a separate JVM ({@link OpenLoopLoad}:
 * schedule-based sends, latency from the intended send time, HdrHistogram): first the empty route,
 * then {@code GET /agents/{id}} over random ids. Reported per route: p50/p90/p99/p99.9/max, the
 * rate achieved, the server process's CPU per request (process CPU during the measured part, less
 * what the idle process used in the same time), the route's time inside the server (a before and an
 * after handler of the bench), and the load average.
 *
 * <p>Then the empty route and {@code GET /agents/{id}} again, interleaved in 2 s slices of one
 * schedule: the goal on what the route adds at p99 is judged there, free of the drift of the
 * machine between two phases one after the other.
 *
 * <p>Then, with {@code forward} (the default), a second instance of the application joins (in its
 * own JVM, as in production: {@link OwnJvmInstance}) and takes a share of the partitions; the same
 * load goes to the first instance for ids the second one owns, so each request is forwarded once:
 * the remote-owner path; and then ids the first owns and ids it forwards, interleaved, where the
 * forwarding goal is judged. With {@code forward-port} (the default) the second instance takes the
 * forwards on its forward port ({@code forward.port}, {@link ams.service.http.ForwardPort}), as a
 * deployment of several instances is advised to; without, on its HTTP port. Last, the same hop
 * between two raw servers in two JVMs, interleaved the same way ({@link
 * HarnessFloor#measureForwarding}): the forwarding margin of this machine with no server of ours in
 * it, beside which the goal's margin is reported.
 *
 * <p>Arguments: agents (10,000), partitions (2), rate (2,000 req/s), measured seconds (60), warm-up
 * seconds (20), connections (8), forward (true), forward-port (true), anchor (true: {@code GET
 * /agents/{id}} is also asked, after its own phase, on a second server of the same process over the
 * same stores, listening with Jetty's selector connector instead of a thread per connection ({@link
 * ams.service.http.ThreadPerConnectionConnector}): what the servers answered in before, measured in
 * the same run). Broker: AMS_TEST_BOOTSTRAP if set, else one embedded in this JVM.
 */
public final class AgentQueryBench {

    private static final String EMPTY_ROUTE = "/bench/empty";
    private static final String STARTED = "bench.started";

    /**
     * How often the interleaved phases switch routes: long against a request (0.5 ms), short
     * against the drift of a machine (minutes).
     */
    private static final Duration SLICE = Duration.ofSeconds(2);

    private AgentQueryBench() {}

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 10_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        double rate = args.length > 2 ? Double.parseDouble(args[2]) : 2_000;
        Duration measured = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 60);
        Duration warmUp = Duration.ofSeconds(args.length > 4 ? Long.parseLong(args[4]) : 20);
        int connections = args.length > 5 ? Integer.parseInt(args[5]) : 8;
        boolean forward = args.length <= 6 || Boolean.parseBoolean(args[6]);
        boolean forwardPort = args.length <= 7 || Boolean.parseBoolean(args[7]);
        boolean anchor = args.length <= 8 || Boolean.parseBoolean(args[8]);
        String run = "bench-queries-" + UUID.randomUUID().toString().substring(0, 6);
        try (KafkaCluster kafka = KafkaClusters.fromEnvironment()) {
            String bootstrap = kafka.bootstrapServers();
            TopicCatalogue catalogue = new TopicCatalogue(run + ".", partitions, (short) 1);
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                new TopicProvisioner(admin, 30_000).provision(catalogue);
            }
            AgentProcessorBench.produce(bootstrap, catalogue, agents, true);
            int port = FreePorts.next();
            Path state = Files.createTempDirectory("ams-query-bench-");
            Map<String, Object> props = new HashMap<>();
            props.put(AgentProcessorConfig.BOOTSTRAP_SERVERS, bootstrap);
            props.put(AgentProcessorConfig.TOPIC_PREFIX, run + ".");
            props.put(AgentProcessorConfig.TOPIC_PARTITIONS, partitions);
            props.put(AgentProcessorConfig.APPLICATION_ID, run);
            props.put(AgentProcessorConfig.STATE_DIR, state.toString());
            props.put(AgentProcessorConfig.HTTP_PORT, port);
            // A joining instance takes its partitions at once (and restores them) instead of
            // warming up replicas until a probing rebalance minutes later.
            props.put("streams." + StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG, Long.MAX_VALUE);
            try (AgentProcessor processor = AgentProcessor.start(new AgentProcessorConfig(props))) {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                while (!AgentProcessorBench.allApplied(processor, agents)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("agents not loaded after 5 minutes");
                    }
                    Thread.sleep(100);
                }
                Recorder serverTime = RouteLoad.serverTimeRecorder();
                // The one schedule of every phase; each phase points it at its port and paths.
                OpenLoopLoad.Options schedule =
                        new OpenLoopLoad.Options(
                                "127.0.0.1",
                                port,
                                "-",
                                agents,
                                rate,
                                warmUp,
                                measured,
                                connections);
                Javalin app =
                        server(ServiceHttp.Options.of(Optional.empty()), processor, serverTime);
                app.start("127.0.0.1", port);
                int selectorPort = anchor ? FreePorts.next() : 0;
                Javalin selectorApp =
                        anchor
                                ? server(
                                                ServiceHttp.Options.of(Optional.empty())
                                                        .withSelector(),
                                                processor,
                                                serverTime)
                                        .start("127.0.0.1", selectorPort)
                                : null;
                try {
                    double idleCpuPerNano = RouteLoad.idleCpuPerNano();
                    RouteLoad.Phase empty =
                            RouteLoad.measure(
                                    "empty route",
                                    schedule.at(port, EMPTY_ROUTE, 1),
                                    serverTime,
                                    idleCpuPerNano);
                    RouteLoad.Phase agent =
                            RouteLoad.measure(
                                    "GET /agents/{id}",
                                    schedule.at(port, "/agents/agent-%06d", agents),
                                    serverTime,
                                    idleCpuPerNano);
                    RouteLoad.Phase onSelector =
                            anchor
                                    ? RouteLoad.measure(
                                            "GET /agents/{id} on Jetty's selector connector",
                                            schedule.at(selectorPort, "/agents/agent-%06d", agents),
                                            serverTime,
                                            idleCpuPerNano)
                                    : null;
                    RouteLoad.Interleaved together =
                            RouteLoad.interleaved(
                                    "empty route",
                                    "GET /agents/{id}",
                                    schedule.at(port, EMPTY_ROUTE, agents),
                                    "/agents/agent-%06d",
                                    SLICE);
                    Forwarded forwarded =
                            forward
                                    ? forwardedPhase(
                                            props,
                                            forwardPort,
                                            processor,
                                            agents,
                                            schedule,
                                            serverTime)
                                    : null;
                    report(empty, agent, agents, partitions, connections, measured, warmUp);
                    if (onSelector != null) {
                        reportAnchor(agent, onSelector);
                    }
                    reportInterleaved(
                            together,
                            "queries: GET /agents/{id} p99 minus the empty route's p99,"
                                    + " interleaved",
                            0.3);
                    if (forwarded != null) {
                        reportForwarded(agent, forwarded.alone());
                        reportInterleaved(
                                forwarded.together(),
                                "queries: GET /agents/{id} forwarded, p99 minus the owned route's"
                                        + " p99, interleaved",
                                1.0);
                    }
                    // Last, with the processor idle: the same load against a raw socket server.
                    reportFloor(HarnessFloor.measure(schedule), agent);
                    if (forwarded != null) {
                        // The same hop between two raw servers in two JVMs: what forwarding
                        // costs on this machine before any server of ours is in it.
                        reportForwardingFloor(
                                HarnessFloor.measureForwarding(schedule, SLICE),
                                forwarded.together());
                    }
                    if (empty.load().errors() > 0
                            || agent.load().errors() > 0
                            || (forwarded != null && forwarded.alone().load().errors() > 0)) {
                        throw new IllegalStateException(
                                "requests failed (see the generator's output): the figures do"
                                        + " not count");
                    }
                } finally {
                    app.stop();
                    if (selectorApp != null) {
                        selectorApp.stop();
                    }
                }
            }
        }
    }

    /**
     * A query server over {@code processor}'s stores: its routes, the empty route, and the route
     * timer (after the shared before handlers, token and query string, so those are not in it).
     */
    private static Javalin server(
            ServiceHttp.Options options, AgentProcessor processor, Recorder serverTime) {
        Javalin app = ServiceHttp.create(options);
        app.before(ctx -> ctx.attribute(STARTED, System.nanoTime()));
        app.after(
                ctx -> {
                    Long started = ctx.attribute(STARTED);
                    if (started != null) {
                        RouteLoad.recordServerTime(serverTime, started);
                    }
                });
        app.get(EMPTY_ROUTE, ctx -> ServiceHttp.raw(ctx, 200, "{}"));
        processor.registerRoutes(app);
        return app;
    }

    /**
     * The same route on the same stores behind Jetty's selector connector, the way in before the
     * thread per connection: p99 and CPU beside the HTTP port's.
     */
    private static void reportAnchor(RouteLoad.Phase agent, RouteLoad.Phase selector) {
        OpenLoopLoad.Result a = agent.load();
        OpenLoopLoad.Result s = selector.load();
        String reference = "Jetty's selector connector, same stores, next phase";
        ResultRows.beside(
                "queries: GET /agents/{id} p99, thread per connection",
                a.p99(),
                "ms",
                s.p99(),
                reference);
        ResultRows.beside(
                "queries: server process CPU per request, GET /agents/{id}, thread per connection",
                agent.cpuMicrosPerRequest(),
                "us/request",
                selector.cpuMicrosPerRequest(),
                reference);
        System.out.println(RouteLoad.table(List.of(agent, selector)));
    }

    /**
     * The forwarding measurements: forwarded requests alone, and owned with forwarded ones
     * interleaved.
     */
    private record Forwarded(RouteLoad.Phase alone, RouteLoad.Interleaved together) {}

    /**
     * A second instance joins in its own JVM; the first is asked for the ids the second now owns,
     * so every request is forwarded once. Server CPU is both instances' (both processes).
     */
    private static Forwarded forwardedPhase(
            Map<String, Object> firstProps,
            boolean forwardPort,
            AgentProcessor first,
            int agents,
            OpenLoopLoad.Options load,
            Recorder serverTime)
            throws Exception {
        Map<String, Object> props = new HashMap<>(firstProps);
        int port = FreePorts.next();
        props.put(AgentProcessorConfig.HTTP_PORT, port);
        // Where the second instance takes forwards: what it advertises as application.server.
        int advertised = forwardPort ? FreePorts.next() : port;
        if (forwardPort) {
            props.put(AgentProcessorConfig.FORWARD_PORT, advertised);
        }
        props.put(
                AgentProcessorConfig.STATE_DIR,
                Files.createTempDirectory("ams-query-bench-second-").toString());
        Path log = Files.createTempFile("ams-query-bench-second-", ".log");
        try (OwnJvmInstance second = OwnJvmInstance.start(props, log)) {
            List<String> remote = awaitRemoteIds(first, second, port, advertised, agents);
            Path paths = Files.createTempFile("ams-query-bench-remote-", ".txt");
            Files.write(paths, remote.stream().map(id -> "/agents/" + id).toList());
            System.out.printf(
                    Locale.ROOT,
                    "second instance (own JVM, log %s) on port %d owns %d of %d agents; forwards"
                            + " go to its %s%n",
                    log,
                    port,
                    remote.size(),
                    agents,
                    forwardPort ? "forward port " + advertised : "HTTP port");
            LongSupplier bothInstances = () -> ThreadCpu.processNanos() + second.cpuNanos();
            long ownerCpu = second.cpuNanos();
            long ownerSwitches = second.contextSwitches();
            RouteLoad.Phase phase =
                    RouteLoad.measure(
                            "GET /agents/{id}, owned by the other instance (forwarded once)",
                            load.at(load.port(), "@" + paths, remote.size()),
                            serverTime,
                            RouteLoad.idleCpuPerNano(bothInstances),
                            bothInstances);
            // The owner's share of a forwarded request, warm-up included (every request of the
            // phase went to it): what its way of taking forwards (HTTP port or forward port)
            // costs, apart from the first instance's and the generator's noise.
            double sent = load.rate() * (load.warmUp().toSeconds() + load.measured().toSeconds());
            reportOwner(
                    (second.cpuNanos() - ownerCpu) / 1e3 / sent,
                    (second.contextSwitches() - ownerSwitches) / sent,
                    forwardPort ? "forward port" : "HTTP port");
            // The same ids the first instance owns and those it forwards, measured together:
            // the comparison the goal is about, free of the machine's drift between phases.
            Set<String> remoteIds = new HashSet<>(remote);
            List<String> owned = new ArrayList<>();
            for (int a = 0; a < agents; a++) {
                String id = AgentProcessorBench.agentId(a);
                if (!remoteIds.contains(id)) {
                    owned.add("/agents/" + id);
                }
            }
            Path ownedPaths = Files.createTempFile("ams-query-bench-owned-", ".txt");
            Files.write(ownedPaths, owned);
            RouteLoad.Interleaved together =
                    RouteLoad.interleaved(
                            "GET /agents/{id}, owned by the instance asked",
                            "GET /agents/{id}, owned by the other instance (forwarded once)",
                            load.at(load.port(), "@" + ownedPaths, owned.size()),
                            "@" + paths,
                            SLICE);
            if (!second.isAlive()) {
                throw new IllegalStateException(
                        "the second instance died during the phase; see " + second.log());
            }
            return new Forwarded(phase, together);
        }
    }

    /**
     * The goal rows of an interleaved pair: both p99s, and the second's margin over the first, the
     * one comparison not moved by the machine's drift between phases.
     */
    private static void reportInterleaved(
            RouteLoad.Interleaved together, String what, double goalMillis) {
        OpenLoopLoad.Result first = together.firstLoad();
        OpenLoopLoad.Result second = together.secondLoad();
        String how =
                " (interleaved every "
                        + together.slice().toSeconds()
                        + " s, open loop "
                        + ResultRows.number(first.targetRate()).replace(",", "")
                        + " req/s)";
        ResultRows.add("queries: " + together.first() + " p99" + how, first.p99(), "ms");
        ResultRows.beside(
                "queries: " + together.second() + " p99" + how,
                second.p99(),
                "ms",
                first.p99(),
                together.first() + ", same slices");
        ResultRows.beside(
                "queries: " + together.second() + " p99.9" + how,
                second.p999(),
                "ms",
                first.p999(),
                together.first() + ", same slices");
        double added = together.addedP99();
        // A server that fell behind the schedule or failed requests measured no p99 to judge.
        ResultRows.add(
                what + (together.sustained() ? "" : " (NOT SUSTAINED: errors or rate below 95 %)"),
                added,
                "ms",
                "-",
                Double.NaN,
                "< " + ResultRows.number(goalMillis) + " ms",
                together.sustained() && added < goalMillis);
    }

    /**
     * Once the second instance owns a share and answers every id of it itself: the ids the first
     * would forward.
     */
    private static List<String> awaitRemoteIds(
            AgentProcessor first,
            OwnJvmInstance second,
            int secondPort,
            int secondAdvertised,
            int agents)
            throws InterruptedException {
        ForwardClient client = new ForwardClient(10_000);
        Map<String, String> answerYourself = Map.of(InstanceRouter.FORWARDED_HEADER, "1");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            if (!second.isAlive()) {
                throw new IllegalStateException(
                        "the second instance exited before it owned anything; see " + second.log());
            }
            try {
                if (first.streams().state() == KafkaStreams.State.RUNNING) {
                    List<String> remote = new ArrayList<>();
                    for (int a = 0; a < agents; a++) {
                        String id = AgentProcessorBench.agentId(a);
                        if (first.queries().locateAgent(id) instanceof AgentQueries.There there
                                && there.host().port() == secondAdvertised) {
                            remote.add(id);
                        }
                    }
                    if (!remote.isEmpty()
                            && answersAll(client, secondPort, remote, answerYourself)
                            && first.queries().agent(remote.get(remote.size() - 1)).isPresent()) {
                        return remote;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not listening yet, or a rebalance or restore in progress: ask again
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the second instance owns nothing after 5 minutes; see " + second.log());
            }
            Thread.sleep(200);
        }
    }

    private static boolean answersAll(
            ForwardClient client, int port, List<String> ids, Map<String, String> headers)
            throws IOException {
        for (String id : ids) {
            if (client.get("127.0.0.1", port, "/agents/" + id, headers).status() != 200) {
                return false;
            }
        }
        return true;
    }

    /**
     * The harness floor beside the route: what a raw socket server in its own JVM gets from the
     * same generator on the same machine in the same run.
     */
    private static void reportOwner(double cpuMicros, double switches, String port) {
        System.out.printf(
                Locale.ROOT,
                "owner (second instance, takes forwards on its %s): %.1f us CPU, %.2f context"
                        + " switches per forwarded request%n",
                port,
                cpuMicros,
                switches);
        ResultRows.add(
                "queries: owner's CPU per forwarded request (second instance, on its " + port + ")",
                cpuMicros,
                "us/request");
        ResultRows.add(
                "queries: owner's context switches per forwarded request (second instance, on its "
                        + port
                        + ")",
                switches,
                "per request");
    }

    private static void reportFloor(OpenLoopLoad.Result floor, RouteLoad.Phase agent) {
        OpenLoopLoad.Result a = agent.load();
        String what = "queries: harness floor (raw socket server, own JVM, no Kafka, no Jetty) ";
        ResultRows.add(what + "p50", floor.p50(), "ms");
        ResultRows.add(what + "p99", floor.p99(), "ms");
        ResultRows.add(what + "p99.9", floor.p999(), "ms");
        String reference = "harness floor, same run";
        ResultRows.beside(
                "queries: GET /agents/{id} p99 beside the harness floor's",
                a.p99(),
                "ms",
                floor.p99(),
                reference);
        ResultRows.beside(
                "queries: GET /agents/{id} p99.9 beside the harness floor's",
                a.p999(),
                "ms",
                floor.p999(),
                reference);
        System.out.printf(
                Locale.ROOT,
                "harness floor: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms, send lag"
                        + " p99 %.3f ms%n",
                floor.p50(),
                floor.p99(),
                floor.p999(),
                floor.max(),
                floor.sendLagP99());
    }

    /**
     * The forwarding goal's margin beside the same margin between two raw servers (no Jetty, no
     * Kafka), both interleaved: how much of it is the servers' and how much the machine's.
     */
    private static void reportForwardingFloor(
            RouteLoad.Interleaved floor, RouteLoad.Interleaved forwarded) {
        String what = "queries: forwarding floor (two raw servers, two JVMs, no Jetty) ";
        ResultRows.add(what + "p99, answered by the server asked", floor.firstLoad().p99(), "ms");
        ResultRows.add(what + "p99, passed to the second", floor.secondLoad().p99(), "ms");
        ResultRows.beside(
                "queries: GET /agents/{id} forwarded minus owned p99, interleaved, beside the"
                        + " forwarding floor's",
                forwarded.addedP99(),
                "ms",
                floor.addedP99(),
                "forwarding floor, interleaved, same run");
    }

    private static void reportForwarded(RouteLoad.Phase local, RouteLoad.Phase forwarded) {
        OpenLoopLoad.Result l = local.load();
        OpenLoopLoad.Result f = forwarded.load();
        String reference = "same route, owned by the instance asked";
        ResultRows.beside(
                "queries: GET /agents/{id} forwarded to the owning instance p50",
                f.p50(),
                "ms",
                l.p50(),
                reference);
        ResultRows.beside(
                "queries: GET /agents/{id} forwarded to the owning instance p99",
                f.p99(),
                "ms",
                l.p99(),
                reference);
        ResultRows.beside(
                "queries: GET /agents/{id} forwarded to the owning instance p99.9",
                f.p999(),
                "ms",
                l.p999(),
                reference);
        // What forwarding adds at p99 over the owner answering itself, phases one after the other;
        // issue 14's goal is judged on the interleaved phase (reportInterleaved).
        ResultRows.add(
                "queries: GET /agents/{id} forwarded, p99 minus the owned route's p99, phases one"
                        + " after the other",
                f.p99() - l.p99(),
                "ms");
        ResultRows.beside(
                "queries: server CPU per request, forwarded (both instances, two JVMs)",
                forwarded.cpuMicrosPerRequest(),
                "us/request",
                local.cpuMicrosPerRequest(),
                reference);
        System.out.println(RouteLoad.table(List.of(forwarded)));
    }

    private static void report(
            RouteLoad.Phase empty,
            RouteLoad.Phase agent,
            int agents,
            int partitions,
            int connections,
            Duration measured,
            Duration warmUp) {
        OpenLoopLoad.Result e = empty.load();
        OpenLoopLoad.Result a = agent.load();
        String at =
                String.format(
                        Locale.ROOT,
                        "open loop %s req/s",
                        ResultRows.number(a.targetRate()).replace(",", ""));
        ResultRows.add("queries: empty route p50, " + at, e.p50(), "ms");
        ResultRows.add("queries: empty route p99, " + at, e.p99(), "ms");
        ResultRows.add("queries: empty route p99.9, " + at, e.p999(), "ms");
        String emptyRoute = "empty route, same server and load";
        ResultRows.beside(
                "queries: GET /agents/{id} p50, " + at, a.p50(), "ms", e.p50(), emptyRoute);
        ResultRows.add(
                "queries: GET /agents/{id} p99, " + at,
                a.p99(),
                "ms",
                ResultRows.number(e.p99()) + " ms (" + emptyRoute + ")",
                a.p99() / e.p99(),
                "< 2 ms",
                a.p99() < 2);
        ResultRows.add(
                "queries: GET /agents/{id} p99.9, " + at,
                a.p999(),
                "ms",
                ResultRows.number(e.p999()) + " ms (" + emptyRoute + ")",
                a.p999() / e.p999(),
                "< 10 ms",
                a.p999() < 10);
        // Phases one after the other: the goal is judged on the interleaved phase (see there).
        ResultRows.add(
                "queries: GET /agents/{id} p99 minus the empty route's p99, phases one after the"
                        + " other",
                a.p99() - e.p99(),
                "ms");
        ResultRows.beside(
                "queries: GET /agents/{id} rate achieved",
                a.achievedRate(),
                "req/s",
                a.targetRate(),
                "the schedule");
        ResultRows.beside(
                "queries: server process CPU per request, GET /agents/{id}",
                agent.cpuMicrosPerRequest(),
                "us/request",
                empty.cpuMicrosPerRequest(),
                emptyRoute);
        ResultRows.beside(
                "queries: GET /agents/{id} time in the server (before to after handler) p99",
                agent.serverMillis(99),
                "ms",
                empty.serverMillis(99),
                emptyRoute);
        ResultRows.add(
                "queries: generator send lag p99 (in every latency above)", a.sendLagP99(), "ms");

        StringBuilder out = new StringBuilder(RouteLoad.table(List.of(empty, agent)));
        out.append(
                String.format(
                        Locale.ROOT,
                        "%nThe route adds %.3f ms at p50, %.3f ms at p99, %.3f ms at p99.9 over the"
                                + " empty route.%n",
                        a.p50() - e.p50(),
                        a.p99() - e.p99(),
                        a.p999() - e.p999()));
        out.append(
                String.format(
                        Locale.ROOT,
                        "Settings: %d agents (10 events each), %d partitions, 1 stream thread;"
                                + " open loop at %.0f req/s over %d keep-alive connections from its"
                                + " own JVM, %d s warm-up, %d s measured per route; latency from the"
                                + " intended send time (generator send lag p50 %.3f ms, p99 %.3f"
                                + " ms, included); generator CPU %.1f us/request (its own"
                                + " JVM, on the same cores).%n",
                        agents,
                        partitions,
                        a.targetRate(),
                        connections,
                        warmUp.toSeconds(),
                        measured.toSeconds(),
                        a.sendLagP50(),
                        a.sendLagP99(),
                        a.generatorCpuMicrosPerRequest()));
        System.out.println(out); // the benchmark's report is its output, not a log line
    }
}
