package ams.testkit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One route of a query benchmark under an open-loop load ({@link OpenLoopLoad}, its own JVM), with
 * what the server side saw meanwhile: its process CPU per request (less what the idle process burns
 * in the same time), the route's time inside the server (a {@link Recorder} the benchmark's before
 * and after handlers fill) and the load average. Shared by the query benchmarks of the knowledge
 * indexer and the conversation orchestrator, which also share the rows they report: the empty route
 * of the same server as the raw limit, then each measured route against it.
 */
public final class RouteLoad {

    /** Longest time one request is recorded at in the server (longer ones are clipped to it). */
    public static final long HIGHEST_SERVER_NANOS = TimeUnit.MINUTES.toNanos(2);

    private static final long IDLE_SAMPLE_MILLIS = 3_000;
    private static final int IDLE_WINDOWS = 6;

    private RouteLoad() {}

    /** A recorder for the route's time inside the server, from the before to the after handler. */
    public static Recorder serverTimeRecorder() {
        return new Recorder(HIGHEST_SERVER_NANOS, 3);
    }

    /** Records one request's time in the server, {@code startedNanos} from the before handler. */
    public static void recordServerTime(Recorder serverTime, long startedNanos) {
        serverTime.recordValue(Math.min(System.nanoTime() - startedNanos, HIGHEST_SERVER_NANOS));
    }

    /**
     * One route under load: the generator's view, the server's CPU and its own timing, and how many
     * requests a second the server answered by its own count (from the generator's warm-up end to
     * its last answer: the one rate still known when the generator gave up on a server too slow).
     */
    public record Phase(
            String route,
            OpenLoopLoad.Result load,
            double cpuMicrosPerRequest,
            Histogram serverTime,
            String loadAverage,
            double serverAnsweredRate) {

        public double serverMillis(double percentile) {
            return serverTime.getValueAtPercentile(percentile) / 1e6;
        }

        /** Whether the server kept up with the schedule (within 5 %) and answered every request. */
        public boolean sustained() {
            return load.sustained();
        }
    }

    /** Runs the load against one route and measures the server meanwhile. */
    public static Phase measure(
            String route, OpenLoopLoad.Options options, Recorder serverTime, double idleCpuPerNano)
            throws IOException, InterruptedException {
        return measure(route, options, serverTime, idleCpuPerNano, ThreadCpu::processNanos);
    }

    /**
     * {@link #measure(String, OpenLoopLoad.Options, Recorder, double)} with the server's CPU read
     * from {@code serverCpuNanos}: when the server is more than this process (e.g. this process and
     * another instance it forwards to, in its own JVM), their sum.
     */
    public static Phase measure(
            String route,
            OpenLoopLoad.Options options,
            Recorder serverTime,
            double idleCpuPerNano,
            LongSupplier serverCpuNanos)
            throws IOException, InterruptedException {
        long[] cpu = new long[2];
        long[] wall = new long[2];
        AtomicReference<Histogram> server = new AtomicReference<>();
        AtomicReference<String> load = new AtomicReference<>();
        OpenLoopLoad.Result result =
                OpenLoopLoad.runInOwnJvm(
                        options,
                        () -> {
                            serverTime.reset();
                            wall[0] = System.nanoTime();
                            cpu[0] = serverCpuNanos.getAsLong();
                        },
                        () -> {
                            cpu[1] = serverCpuNanos.getAsLong();
                            wall[1] = System.nanoTime();
                            server.set(serverTime.getIntervalHistogram());
                            load.set(loadAverage());
                        });
        double busy = (cpu[1] - cpu[0]) - idleCpuPerNano * (wall[1] - wall[0]);
        // Charged to the requests the server answered: when the generator gave up it counted none.
        long answered = Math.max(result.requests() + result.errors(), server.get().getTotalCount());
        double perRequest = busy / 1e3 / Math.max(1, answered);
        double answeredRate = server.get().getTotalCount() / ((wall[1] - wall[0]) / 1e9);
        Phase phase = new Phase(route, result, perRequest, server.get(), load.get(), answeredRate);
        System.out.printf(
                Locale.ROOT,
                "%s: %s; server CPU %.1f us/request; route time in the server p50 %.3f ms, p99"
                        + " %.3f ms, p99.9 %.3f ms; load average %s%n",
                route,
                result,
                perRequest,
                phase.serverMillis(50),
                phase.serverMillis(99),
                phase.serverMillis(99.9),
                phase.loadAverage());
        return phase;
    }

    /**
     * Two routes of the same server measured together: the schedule alternates between them in
     * short slices, so both see the same machine, the same collections and the same neighbours.
     * Measured one after the other, a route's p99 and the empty route's moved by 0.3 ms between
     * runs on a quiet machine (2026-12-05), as much as the difference a goal bounds.
     */
    public record Interleaved(
            String first,
            String second,
            OpenLoopLoad.Result firstLoad,
            OpenLoopLoad.Result secondLoad,
            Duration slice,
            String loadAverage) {

        /** The second route's p99 minus the first's. */
        public double addedP99() {
            return secondLoad.p99() - firstLoad.p99();
        }

        /** Whether both answered every request at (within 5 % of) the schedule's rate. */
        public boolean sustained() {
            return firstLoad.sustained() && secondLoad.sustained();
        }
    }

    /**
     * Runs {@code options} (the first route's path) alternating with {@code secondPath} every
     * {@code slice}, in the generator's own JVM.
     */
    public static Interleaved interleaved(
            String first,
            String second,
            OpenLoopLoad.Options options,
            String secondPath,
            Duration slice)
            throws IOException, InterruptedException {
        AtomicReference<String> load = new AtomicReference<>();
        List<OpenLoopLoad.Result> results =
                OpenLoopLoad.runAllInOwnJvm(
                        options.alternatingWith(secondPath, slice),
                        () -> {},
                        () -> load.set(loadAverage()));
        Interleaved together =
                new Interleaved(first, second, results.get(0), results.get(1), slice, load.get());
        System.out.printf(
                Locale.ROOT,
                "interleaved every %d ms: %s: %s%n  %s: %s%n  p99 difference %.3f ms; load"
                        + " average %s%n",
                slice.toMillis(),
                first,
                together.firstLoad(),
                second,
                together.secondLoad(),
                together.addedP99(),
                together.loadAverage());
        return together;
    }

    /**
     * What the idle process burns per wall nanosecond (stream threads polling, the JIT, the
     * collector), so the requests are charged only for theirs: the least of several short windows,
     * because one burst of background work (the JIT finishing the set-up's code, a collection, a
     * RocksDB compaction) in a single 3 s window once made the correction larger than the loaded
     * phase's whole CPU (an empty route charged -87 us a request, 2026-12-05).
     */
    public static double idleCpuPerNano() throws InterruptedException {
        return idleCpuPerNano(ThreadCpu::processNanos);
    }

    /** {@link #idleCpuPerNano()} of the server whose CPU {@code serverCpuNanos} reads. */
    public static double idleCpuPerNano(LongSupplier serverCpuNanos) throws InterruptedException {
        double least = Double.MAX_VALUE;
        for (int window = 0; window < IDLE_WINDOWS; window++) {
            long cpu = serverCpuNanos.getAsLong();
            long wall = System.nanoTime();
            Thread.sleep(IDLE_SAMPLE_MILLIS / IDLE_WINDOWS);
            least =
                    Math.min(
                            least,
                            (double) (serverCpuNanos.getAsLong() - cpu)
                                    / (System.nanoTime() - wall));
        }
        return least;
    }

    public static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4);
            return fields[0] + ", " + fields[1] + ", " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    /**
     * The rows of one measured route against the empty route: p50/p99/p99.9 with the empty route's
     * as raw limit, the goal on p99, the rate achieved, errors, server CPU and in-server time. A
     * p99 measured while the server fell behind the schedule is still judged: the goal is stated at
     * that rate, and the rate row says the server could not keep it. A NaN goal: none (a size the
     * goal is not stated for).
     */
    public static void addRows(String suite, Phase empty, Phase route, double p99GoalMillis) {
        OpenLoopLoad.Result e = empty.load();
        OpenLoopLoad.Result r = route.load();
        String at = " (open loop " + ResultRows.number(r.targetRate()).replace(",", "") + " req/s)";
        String name = suite + ": " + route.route();
        String emptyRoute = "empty route, same server and load";
        ResultRows.beside(name + " p50" + at, r.p50(), "ms", e.p50(), emptyRoute);
        // A generator that gave up measured nothing: its zeros must not pass the goal.
        boolean measured = r.requests() > 0;
        ResultRows.add(
                name + " p99" + at + (measured ? "" : " (NOTHING MEASURED: the generator gave up)"),
                r.p99(),
                "ms",
                ResultRows.number(e.p99()) + " ms (" + emptyRoute + ")",
                r.p99() / e.p99(),
                Double.isNaN(p99GoalMillis) ? "" : "< " + ResultRows.number(p99GoalMillis) + " ms",
                Double.isNaN(p99GoalMillis) ? null : measured && r.p99() < p99GoalMillis);
        ResultRows.beside(name + " p99.9" + at, r.p999(), "ms", e.p999(), emptyRoute);
        ResultRows.beside(
                name + " rate achieved", r.achievedRate(), "req/s", r.targetRate(), "the schedule");
        ResultRows.beside(
                name + " answered per second (the server's own count)",
                route.serverAnsweredRate(),
                "req/s",
                r.targetRate(),
                "the schedule");
        if (r.errors() > 0) {
            ResultRows.add(
                    name + " requests failed or given up (overload: 30 s behind the schedule)",
                    (double) r.errors(),
                    "requests");
        }
        ResultRows.beside(
                name + " server process CPU per request",
                route.cpuMicrosPerRequest(),
                "us/request",
                empty.cpuMicrosPerRequest(),
                emptyRoute);
        ResultRows.beside(
                name + " time in the server (before to after handler) p99",
                route.serverMillis(99),
                "ms",
                empty.serverMillis(99),
                emptyRoute);
    }

    /** The empty route's own rows: the raw limit of every route of the same server. */
    public static void addEmptyRows(String suite, Phase empty) {
        OpenLoopLoad.Result e = empty.load();
        String at = ", open loop " + ResultRows.number(e.targetRate()).replace(",", "") + " req/s";
        ResultRows.add(suite + ": empty route p50" + at, e.p50(), "ms");
        ResultRows.add(suite + ": empty route p99" + at, e.p99(), "ms");
        ResultRows.add(suite + ": empty route p99.9" + at, e.p999(), "ms");
    }

    /** A markdown table of the phases, for the benchmark's printed report. */
    public static String table(List<Phase> phases) {
        StringBuilder out = new StringBuilder();
        out.append(
                "\n| route | target req/s | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms |"
                        + " max ms | errors | server CPU us/req | in-server p50 / p99 / p99.9 ms"
                        + " | generator send lag p99 ms | load average at the end |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|\n");
        for (Phase phase : phases) {
            OpenLoopLoad.Result r = phase.load();
            out.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %.0f | %.0f | %.3f | %.3f | %.3f | %.3f | %.3f | %d | %.1f |"
                                    + " %.3f / %.3f / %.3f | %.3f | %s |%n",
                            phase.route(),
                            r.targetRate(),
                            r.achievedRate(),
                            r.p50(),
                            r.p90(),
                            r.p99(),
                            r.p999(),
                            r.max(),
                            r.errors(),
                            phase.cpuMicrosPerRequest(),
                            phase.serverMillis(50),
                            phase.serverMillis(99),
                            phase.serverMillis(99.9),
                            r.sendLagP99(),
                            phase.loadAverage()));
        }
        return out.toString();
    }
}
