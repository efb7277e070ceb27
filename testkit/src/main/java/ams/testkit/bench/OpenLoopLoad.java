package ams.testkit.bench;

import ams.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * An open-loop HTTP GET load at a fixed rate, wrk2-style, meant to run in its own JVM ({@link
 * #runInOwnJvm}) so that its threads, allocation and pauses are not the server's.
 *
 * <p>Each of a few keep-alive HTTP/1.1 connections sends on its own schedule (rate / connections
 * per second, the connections offset so the sends interleave), one request at a time. A request's
 * latency runs from the time the schedule meant it to be sent, not from when it went out: when the
 * server stalls, the requests that should have gone meanwhile count their wait (coordinated
 * omission corrected), as an open-loop client population would see it. Latencies go into an
 * HdrHistogram; the warm-up's are dropped. How late the sends themselves left (the generator's own
 * lag: timer wake-up, a busy core) is recorded apart.
 *
 * <p>Plain sockets rather than an HTTP client library: a GET and a Content-Length or chunked answer
 * need a few lines, and a library's futures and selector threads would add their own latency and
 * CPU to every request on a machine the server shares.
 */
public final class OpenLoopLoad {

    /** Printed when the warm-up ends and the measured part begins. */
    public static final String MEASURING = "OPEN_LOOP_MEASURING";

    /** Prefix of the one result line: {@code key=value} pairs separated by spaces. */
    public static final String RESULT = "OPEN_LOOP_RESULT";

    private static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(2);

    /**
     * What to send. {@code pathTemplate} may hold one {@code %d} (or {@code %06d} etc.), replaced
     * by a uniform random number below {@code ids} for each request; or it is {@code @file}: a file
     * of paths, one a line, each request taking one at random ({@code ids} unused).
     *
     * <p>With an {@code alternatePath} (same forms), the schedule alternates between the two in
     * slices of {@code sliceMillis}, warm-up included, and each path gets its own result: two
     * routes measured in the same minute on the same machine, so a difference between their
     * percentiles is the routes', not a drift of the machine between two runs one after the other.
     */
    public record Options(
            String host,
            int port,
            String pathTemplate,
            int ids,
            double rate,
            Duration warmUp,
            Duration measured,
            int connections,
            String alternatePath,
            long sliceMillis) {

        /** One path for the whole schedule. */
        public Options(
                String host,
                int port,
                String pathTemplate,
                int ids,
                double rate,
                Duration warmUp,
                Duration measured,
                int connections) {
            this(host, port, pathTemplate, ids, rate, warmUp, measured, connections, null, 0);
        }

        public Options {
            if (alternatePath != null && sliceMillis <= 0) {
                throw new IllegalArgumentException("alternating paths need a slice length");
            }
        }

        /** These options with {@code path} alternating with {@link #pathTemplate} every slice. */
        public Options alternatingWith(String path, Duration slice) {
            return new Options(
                    host,
                    port,
                    pathTemplate,
                    ids,
                    rate,
                    warmUp,
                    measured,
                    connections,
                    path,
                    slice.toMillis());
        }

        /**
         * The same schedule (host, rate, warm-up, measured time, connections) against {@code port}
         * and {@code pathTemplate} over {@code ids} ids.
         */
        public Options at(int port, String pathTemplate, int ids) {
            return new Options(
                    host,
                    port,
                    pathTemplate,
                    ids,
                    rate,
                    warmUp,
                    measured,
                    connections,
                    alternatePath,
                    sliceMillis);
        }

        /** Whether two paths share the schedule. */
        public boolean alternates() {
            return alternatePath != null;
        }

        List<String> args() {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    host,
                                    Integer.toString(port),
                                    pathTemplate,
                                    Integer.toString(ids),
                                    Double.toString(rate),
                                    Long.toString(warmUp.toMillis()),
                                    Long.toString(measured.toMillis()),
                                    Integer.toString(connections)));
            if (alternates()) {
                args.add(alternatePath);
                args.add(Long.toString(sliceMillis));
            }
            return args;
        }

        static Options parse(String[] args) {
            if (args.length != 8 && args.length != 10) {
                throw new IllegalArgumentException(
                        "usage: OpenLoopLoad host port pathTemplate ids rate warmUpMs measuredMs"
                                + " connections [alternatePath sliceMs]");
            }
            return new Options(
                    args[0],
                    Integer.parseInt(args[1]),
                    args[2],
                    Integer.parseInt(args[3]),
                    Double.parseDouble(args[4]),
                    Duration.ofMillis(Long.parseLong(args[5])),
                    Duration.ofMillis(Long.parseLong(args[6])),
                    Integer.parseInt(args[7]),
                    args.length == 10 ? args[8] : null,
                    args.length == 10 ? Long.parseLong(args[9]) : 0);
        }
    }

    /**
     * The measured part: latencies (ms, from the intended send time), the rate achieved, errors
     * (non-200 answers and failed connections), the generator's send lag and its own CPU time per
     * request in the measured part (all its threads: what it takes from a core the server shares).
     */
    public record Result(
            double targetRate,
            double achievedRate,
            long requests,
            long errors,
            double p50,
            double p90,
            double p99,
            double p999,
            double max,
            double sendLagP50,
            double sendLagP99,
            double generatorCpuMicrosPerRequest) {

        /** Whether every request was answered and the rate kept within 5 % of the schedule's. */
        public boolean sustained() {
            return errors == 0 && achievedRate >= 0.95 * targetRate;
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "%s target_rate=%.1f achieved_rate=%.1f requests=%d errors=%d p50_ms=%.4f"
                            + " p90_ms=%.4f p99_ms=%.4f p999_ms=%.4f max_ms=%.4f"
                            + " send_lag_p50_ms=%.4f send_lag_p99_ms=%.4f generator_cpu_us_per_request=%.1f",
                    RESULT,
                    targetRate,
                    achievedRate,
                    requests,
                    errors,
                    p50,
                    p90,
                    p99,
                    p999,
                    max,
                    sendLagP50,
                    sendLagP99,
                    generatorCpuMicrosPerRequest);
        }

        /** Reads a line {@link #line} wrote. */
        public static Result parse(String line) {
            Map<String, Double> values = new HashMap<>();
            java.util.Scanner pairs = new java.util.Scanner(line.substring(RESULT.length()));
            while (pairs.hasNext()) {
                String pair = pairs.next();
                int eq = pair.indexOf('=');
                values.put(pair.substring(0, eq), Double.parseDouble(pair.substring(eq + 1)));
            }
            return new Result(
                    values.get("target_rate"),
                    values.get("achieved_rate"),
                    values.get("requests").longValue(),
                    values.get("errors").longValue(),
                    values.get("p50_ms"),
                    values.get("p90_ms"),
                    values.get("p99_ms"),
                    values.get("p999_ms"),
                    values.get("max_ms"),
                    values.get("send_lag_p50_ms"),
                    values.get("send_lag_p99_ms"),
                    values.get("generator_cpu_us_per_request"));
        }
    }

    private OpenLoopLoad() {}

    public static void main(String[] args) throws Exception {
        for (Result result : runAll(Options.parse(args))) {
            System.out.println(result.line());
        }
        System.out.flush();
    }

    /**
     * Runs the load in a new JVM on this JVM's class path and returns its result. Its output is
     * copied to this JVM's standard output, prefixed; {@code onMeasuring} runs when its warm-up
     * ends (to start the server-side counters), {@code onDone} when its last request is answered.
     */
    public static Result runInOwnJvm(Options options, Runnable onMeasuring, Runnable onDone)
            throws IOException, InterruptedException {
        return runAllInOwnJvm(options, onMeasuring, onDone).get(0);
    }

    /**
     * {@link #runInOwnJvm}, with one result per path: two when the options alternate two paths
     * ({@code onDone} runs once, when the first result arrives).
     */
    public static List<Result> runAllInOwnJvm(
            Options options, Runnable onMeasuring, Runnable onDone)
            throws IOException, InterruptedException {
        // No collection while it measures: a young generation that the generator's ~1 MB/s does
        // not fill in a run. With -Xmx256m it collected about once a run, and that one collection
        // took 32-43 ms on this VM: ~70 requests of its schedule waited for it and were charged to
        // the server (a trivial server alone: p99.9 13.3 ms with it, 4.9-5.4 without, 2026-12-05).
        // Not pre-touched: touching it all at start cost more CPU outside the benchmark than it
        // saved. The serial collector: no collector threads competing for the server's cores.
        List<String> command =
                ChildJvm.command(
                        List.of("-Xmx640m", "-Xmn512m", "-XX:+UseSerialGC"),
                        OpenLoopLoad.class.getName(),
                        options.args());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<Result> results = new ArrayList<>();
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                System.out.println("[load] " + line);
                if (line.equals(MEASURING)) {
                    onMeasuring.run();
                } else if (line.startsWith(RESULT)) {
                    if (results.isEmpty()) {
                        onDone.run();
                    }
                    results.add(Result.parse(line));
                }
            }
        } finally {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        int expected = options.alternates() ? 2 : 1;
        if (process.exitValue() != 0 || results.size() != expected) {
            throw new IllegalStateException(
                    "The load generator failed (exit " + process.exitValue() + "); see its output");
        }
        return results;
    }

    /**
     * Runs the load in this JVM (what {@link #main} does in its own): one result per path, two when
     * the options alternate.
     */
    public static List<Result> runAll(Options options) throws InterruptedException {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long measureFrom = start + options.warmUp().toNanos();
        long end = measureFrom + options.measured().toNanos();
        List<Connection> connections = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < options.connections(); c++) {
            Connection connection = new Connection(options, c, start, measureFrom, end);
            connections.add(connection);
            Thread thread = new Thread(connection, "open-loop-" + c);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        long untilMeasuring = measureFrom - System.nanoTime();
        if (untilMeasuring > 0) {
            TimeUnit.NANOSECONDS.sleep(untilMeasuring);
        }
        long cpuAtMeasuring = ThreadCpu.processNanos();
        long[] gcAtMeasuring = collections();
        System.out.println(MEASURING);
        System.out.flush();
        for (Thread thread : threads) {
            thread.join();
        }
        int routes = options.alternates() ? 2 : 1;
        Histogram lag = new Histogram(HIGHEST_NANOS, 3);
        long lastDone = measureFrom;
        for (Connection connection : connections) {
            lag.add(connection.sendLag);
            lastDone = Math.max(lastDone, connection.lastDone);
            if (connection.firstError != null) {
                System.err.println("open-loop-" + connection.index + ": " + connection.firstError);
            }
        }
        long[] gcAtEnd = collections();
        // Said apart from the result: a pause of the generator is latency it charges the server.
        System.out.printf(
                Locale.ROOT,
                "generator collections while measuring: %d, %d ms%n",
                gcAtEnd[0] - gcAtMeasuring[0],
                gcAtEnd[1] - gcAtMeasuring[1]);
        double nanos = Math.max(end, lastDone) - measureFrom;
        long allRequests = 0;
        for (Connection connection : connections) {
            for (int route = 0; route < routes; route++) {
                allRequests += connection.latency[route].getTotalCount() + connection.errors[route];
            }
        }
        double generatorCpu =
                (ThreadCpu.processNanos() - cpuAtMeasuring) / 1e3 / Math.max(1, allRequests);
        List<Result> results = new ArrayList<>(routes);
        for (int route = 0; route < routes; route++) {
            Histogram latency = new Histogram(HIGHEST_NANOS, 3);
            long errors = 0;
            for (Connection connection : connections) {
                latency.add(connection.latency[route]);
                errors += connection.errors[route];
            }
            long requests = latency.getTotalCount() + errors;
            // Each of two alternating paths has the schedule in its own slices only: its rate is
            // the rate during those (a late tail after the end shared in proportion).
            double share =
                    routes == 1
                            ? 1.0
                            : (double)
                                            sliceNanos(
                                                    route,
                                                    measureFrom,
                                                    end,
                                                    start,
                                                    TimeUnit.MILLISECONDS.toNanos(
                                                            options.sliceMillis()))
                                    / (end - measureFrom);
            results.add(
                    new Result(
                            options.rate(),
                            requests / (nanos * share / 1e9),
                            latency.getTotalCount(),
                            errors,
                            millis(latency.getValueAtPercentile(50)),
                            millis(latency.getValueAtPercentile(90)),
                            millis(latency.getValueAtPercentile(99)),
                            millis(latency.getValueAtPercentile(99.9)),
                            millis(latency.getMaxValue()),
                            millis(lag.getValueAtPercentile(50)),
                            millis(lag.getValueAtPercentile(99)),
                            generatorCpu));
        }
        return results;
    }

    /**
     * How much of {@code [from, to)} belongs to alternating path {@code route}: slices of {@code
     * slice} nanoseconds counted from {@code origin}, the even ones the first path's.
     */
    static long sliceNanos(int route, long from, long to, long origin, long slice) {
        long total = 0;
        for (long n = Math.floorDiv(from - origin, slice); origin + n * slice < to; n++) {
            if ((n & 1) != route) {
                continue;
            }
            long a = Math.max(from, origin + n * slice);
            long b = Math.min(to, origin + (n + 1) * slice);
            total += Math.max(0, b - a);
        }
        return total;
    }

    /** Collections of this JVM so far: count and milliseconds. */
    private static long[] collections() {
        long count = 0;
        long millis = 0;
        for (java.lang.management.GarbageCollectorMXBean gc :
                java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    /** Where each request's path comes from. */
    private interface PathSource {

        String path(java.util.SplittableRandom random, int ids);

        static PathSource of(String template) {
            if (!template.startsWith("@")) {
                return IdPath.of(template);
            }
            List<String> paths;
            try {
                paths =
                        java.nio.file.Files.readAllLines(
                                Path.of(template.substring(1)), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("Cannot read the paths in " + template, e);
            }
            List<String> list = paths.stream().filter(p -> !p.isBlank()).toList();
            if (list.isEmpty()) {
                throw new IllegalArgumentException("No paths in " + template);
            }
            return (random, ids) -> list.get(random.nextInt(list.size()));
        }
    }

    /**
     * A path template with at most one {@code %d} / {@code %0Nd}, filled without {@link
     * String#format} (whose parsing would cost the generator more than the server's empty route).
     */
    private record IdPath(String prefix, int width, String suffix) implements PathSource {

        @Override
        public String path(java.util.SplittableRandom random, int ids) {
            return path(random.nextInt(ids));
        }

        static IdPath of(String template) {
            int at = template.indexOf('%');
            if (at < 0) {
                return new IdPath(template, -1, "");
            }
            int d = template.indexOf('d', at);
            String spec = d < 0 ? "?" : template.substring(at + 1, d);
            if (!spec.isEmpty() && !spec.matches("0[1-9][0-9]*")) {
                throw new IllegalArgumentException(
                        "path template supports %d and %0Nd only: " + template);
            }
            return new IdPath(
                    template.substring(0, at),
                    spec.isEmpty() ? 0 : Integer.parseInt(spec.substring(1)),
                    template.substring(d + 1));
        }

        String path(int id) {
            if (width < 0) {
                return prefix;
            }
            String digits = Integer.toString(id);
            StringBuilder path = new StringBuilder(prefix.length() + width + suffix.length() + 8);
            path.append(prefix);
            for (int pad = digits.length(); pad < width; pad++) {
                path.append('0');
            }
            return path.append(digits).append(suffix).toString();
        }
    }

    /** One keep-alive connection and its share of the schedule. */
    private static final class Connection implements Runnable {

        /** A request still unsent this long after its end of schedule gives up: overload. */
        private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(30);

        final int index;

        /** Per path: the first, and the alternate one when the options alternate. */
        final Histogram[] latency = {
            new Histogram(HIGHEST_NANOS, 3), new Histogram(HIGHEST_NANOS, 3)
        };

        final long[] errors = new long[2];
        final Histogram sendLag = new Histogram(HIGHEST_NANOS, 3);
        long lastDone;
        String firstError;

        private final Options options;
        private final long start;
        private final long measureFrom;
        private final long end;
        private final long interval;
        private final java.util.SplittableRandom random;
        private final PathSource[] paths;

        /** Where the slices of alternating paths are counted from: the same for all connections. */
        private final long sliceOrigin;

        private final long sliceNanos;
        private HttpConnection http;

        Connection(Options options, int index, long start, long measureFrom, long end) {
            this.options = options;
            this.index = index;
            this.interval = Math.round(options.connections() * 1e9 / options.rate());
            this.start = start + Math.round(index * 1e9 / options.rate());
            this.measureFrom = measureFrom;
            this.end = end;
            this.random = new java.util.SplittableRandom(index * 7919L + 17);
            this.paths =
                    options.alternates()
                            ? new PathSource[] {
                                PathSource.of(options.pathTemplate()),
                                PathSource.of(options.alternatePath())
                            }
                            : new PathSource[] {PathSource.of(options.pathTemplate())};
            this.sliceOrigin = start;
            this.sliceNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, options.sliceMillis()));
        }

        @Override
        public void run() {
            try {
                send();
            } finally {
                if (http != null) {
                    http.close();
                }
            }
        }

        private void send() {
            for (long n = 0; ; n++) {
                long intended = start + n * interval;
                if (intended >= end) {
                    return;
                }
                long wait = intended - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    while (System.nanoTime() < intended) {
                        LockSupport.parkNanos(intended - System.nanoTime());
                    }
                }
                long sent = System.nanoTime();
                if (sent - end > GIVE_UP_NANOS) {
                    fail("gave up: " + (sent - end) / 1_000_000 + " ms behind schedule");
                    return;
                }
                int route =
                        paths.length == 1 ? 0 : (int) (((intended - sliceOrigin) / sliceNanos) & 1);
                String path = paths[route].path(random, options.ids());
                boolean ok;
                try {
                    if (http == null) {
                        http = new HttpConnection(options.host(), options.port());
                    }
                    int status = http.get(path);
                    ok = status == 200;
                    if (!ok) {
                        fail(path + " answered " + status);
                    }
                } catch (IOException e) {
                    ok = false;
                    fail(path + ": " + e);
                    if (http != null) {
                        http.close();
                        http = null;
                    }
                }
                long done = System.nanoTime();
                if (intended >= measureFrom) {
                    lastDone = done;
                    sendLag.recordValue(Math.min(sent - intended, HIGHEST_NANOS));
                    if (ok) {
                        latency[route].recordValue(Math.min(done - intended, HIGHEST_NANOS));
                    } else {
                        errors[route]++;
                    }
                }
            }
        }

        private void fail(String message) {
            if (firstError == null) {
                firstError = message;
            }
        }
    }
}
