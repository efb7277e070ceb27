package ams.app.chaos;

import ams.testkit.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs each service of the system as its own JVM on the test classpath, restarts one after a
 * SIGKILL on the same port, state directory and ids (as a container restart policy would), and
 * counts kills per service. Every incarnation appends to the service's one log file.
 */
final class ProcessSupervisor implements AutoCloseable {

    /**
     * One service: main class, arguments, environment, extra JVM options, HTTP port and a path that
     * answers when it is up.
     */
    record Service(
            String name,
            String mainClass,
            List<String> args,
            Map<String, String> env,
            List<String> jvmArgs,
            int port,
            String readyPath) {
        String readyUrl() {
            return "http://127.0.0.1:" + port + readyPath;
        }
    }

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path logs;
    private final Map<String, Service> services = new LinkedHashMap<>();
    private final Map<String, Process> running = new LinkedHashMap<>();
    private final Map<String, Integer> kills = new TreeMap<>();
    private final Map<String, Integer> unexpectedExits = new TreeMap<>();

    ProcessSupervisor(Path logs) throws IOException {
        this.logs = Files.createDirectories(logs);
        // Also when the run is stopped with Ctrl-C or SIGTERM: no child JVM outlives it.
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "chaos-supervisor-shutdown"));
    }

    synchronized void start(Service service) {
        services.put(service.name(), service);
        launch(service);
    }

    private void launch(Service service) {
        List<String> flags = new ArrayList<>();
        // Small heaps and the C1 compiler only: five of these share two cores with the broker.
        flags.addAll(
                List.of(
                        "-Xmx384m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-Xss512k",
                        "-XX:+ExitOnOutOfMemoryError"));
        flags.addAll(service.jvmArgs());
        // For diagnosing a run: e.g. -Dchaos.child.jvm.args=-Dlogback.configurationFile=/tmp/x.xml
        String extra = System.getProperty("chaos.child.jvm.args", "").strip();
        if (!extra.isEmpty()) {
            flags.addAll(List.of(extra.split("\\s+")));
        }
        ProcessBuilder builder =
                new ProcessBuilder(ChildJvm.command(flags, service.mainClass(), service.args()));
        builder.environment()
                .keySet()
                .removeIf(k -> k.startsWith("AMS_") || k.equals("JAVA_TOOL_OPTIONS"));
        builder.environment().putAll(service.env());
        Path log = logs.resolve(service.name() + ".log");
        builder.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            running.put(service.name(), builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + service.name(), e);
        }
    }

    List<String> names() {
        return List.copyOf(services.keySet());
    }

    /** SIGKILL (destroyForcibly is SIGKILL on Linux), wait until it is gone, start it again. */
    synchronized void killAndRestart(String name) throws InterruptedException {
        Process process = running.get(name);
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " survived SIGKILL for 30 s");
        }
        kills.merge(name, 1, Integer::sum);
        launch(services.get(name));
    }

    /**
     * A service that died on its own is restarted too (a restart policy would), but counted: that
     * is a finding.
     */
    synchronized List<String> restartExited() {
        List<String> exited = new ArrayList<>();
        running.forEach(
                (name, process) -> {
                    if (!process.isAlive()) {
                        exited.add(name + " (exit " + process.exitValue() + ")");
                        unexpectedExits.merge(name, 1, Integer::sum);
                    }
                });
        for (String entry : exited) {
            launch(services.get(entry.substring(0, entry.indexOf(' '))));
        }
        return exited;
    }

    synchronized Map<String, Integer> kills() {
        return new TreeMap<>(kills);
    }

    synchronized Map<String, Integer> unexpectedExits() {
        return new TreeMap<>(unexpectedExits);
    }

    synchronized int totalKills() {
        return kills.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** True once the service's HTTP route answers anything but a 5xx. */
    boolean answers(String name) {
        int status = status(name);
        return status > 0 && status < 500;
    }

    /** The HTTP status of the service's ready route, -1 when nothing answers. */
    int status(String name) {
        try {
            HttpResponse<Void> response =
                    HTTP.send(
                            HttpRequest.newBuilder(URI.create(services.get(name).readyUrl()))
                                    .timeout(Duration.ofSeconds(5))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            return response.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * Waits until the restarted process serves HTTP at all: a 503 counts (its stores still move,
     * e.g. while the group waits out the dead member's session), since that wait is the system's
     * own.
     */
    void awaitListening(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (status(name) < 0) {
            restartExited();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        name
                                + " does not listen on "
                                + services.get(name).readyUrl()
                                + " after "
                                + timeout
                                + "\n"
                                + tail(name));
            }
            Thread.sleep(250);
        }
    }

    void awaitAllAnswer(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String name : names()) {
            awaitAnswer(name, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    void awaitAnswer(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!answers(name)) {
            restartExited();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        name
                                + " does not answer "
                                + services.get(name).readyUrl()
                                + " after "
                                + timeout
                                + "\n"
                                + tail(name));
            }
            Thread.sleep(250);
        }
    }

    /**
     * SIGTERM to all, so each shuts down in order (the exporter publishes its open files); SIGKILL
     * after 60 s.
     */
    synchronized Map<String, Integer> stopAll() throws InterruptedException {
        Map<String, Integer> exitCodes = new TreeMap<>();
        running.values().forEach(Process::destroy);
        for (Map.Entry<String, Process> entry : running.entrySet()) {
            Process process = entry.getValue();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            exitCodes.put(entry.getKey(), process.exitValue());
        }
        return exitCodes;
    }

    String tail(String name) {
        Path log = logs.resolve(name + ".log");
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "---- "
                    + name
                    + " ("
                    + log.toAbsolutePath()
                    + "), last lines ----\n"
                    + String.join(
                            "\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "---- " + name + ": no log (" + e.getMessage() + ")";
        }
    }

    @Override
    public synchronized void close() {
        // Whatever happened, no child JVM outlives the run.
        running.values().forEach(Process::destroyForcibly);
        for (Process process : running.values()) {
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
