package ams.agents.bench;

import ams.agents.AgentProcessorMain;
import ams.testkit.ChildJvm;
import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * An agent-processor instance in its own JVM ({@link AgentProcessorMain} with a properties file),
 * as a second instance runs in production: its own heap, collector and threads. In the same JVM as
 * the instance that forwards to it, one collector paused both ends of a forwarded request at once
 * and the two instances' garbage added up in one young generation.
 */
final class OwnJvmInstance implements AutoCloseable {

    private final Process process;
    private final Path log;

    private OwnJvmInstance(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code AgentProcessorMain} with {@code config} (every key as the processor's config
     * takes it), this JVM's heap and collector flags and its class path; output goes to {@code
     * log}. No {@code AMS_*} variable of this environment reaches it: the file is its whole config.
     */
    static OwnJvmInstance start(Map<String, Object> config, Path log) throws IOException {
        Properties properties = new Properties();
        config.forEach((key, value) -> properties.setProperty(key, String.valueOf(value)));
        Path file = Files.createTempFile("ams-query-bench-instance-", ".properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            properties.store(out, "agent-processor instance of the query benchmark");
        }
        List<String> command =
                ChildJvm.command(
                        jvmFlags(), AgentProcessorMain.class.getName(), List.of(file.toString()));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("AMS_"));
        return new OwnJvmInstance(builder.start(), log);
    }

    /** This JVM's flags (heap, collector, modules), without a recording, agent or debugger. */
    private static List<String> jvmFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(flag -> !flag.startsWith("-XX:StartFlightRecording"))
                .filter(flag -> !flag.startsWith("-agentlib") && !flag.startsWith("-javaagent"))
                .toList();
    }

    /** The CPU time the instance's process has used so far (10 ms resolution on Linux). */
    long cpuNanos() {
        if (!process.isAlive()) {
            throw new IllegalStateException(
                    "the instance in its own JVM exited with "
                            + process.exitValue()
                            + "; see "
                            + log);
        }
        return process.toHandle()
                .info()
                .totalCpuDuration()
                .map(Duration::toNanos)
                .orElseThrow(() -> new IllegalStateException("no CPU time for " + process.pid()));
    }

    /**
     * Context switches of the instance's threads so far (voluntary and not, summed over its live
     * threads from /proc; 0 where there is no /proc): a thread hand-off is one of each side's
     * voluntary switches, which is what a request costs the kernel beside its CPU.
     */
    long contextSwitches() {
        Path tasks = Path.of("/proc", String.valueOf(process.pid()), "task");
        long switches = 0;
        try (var threads = Files.list(tasks)) {
            for (Path thread : threads.toList()) {
                try {
                    for (String line : Files.readAllLines(thread.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")
                                || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            switches +=
                                    Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException threadEnded) {
                    // gone meanwhile: its switches are lost either way
                }
            }
        } catch (IOException noProc) {
            return 0;
        }
        return switches;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** Stops it as an operator would (SIGTERM: it leaves the group and closes its stores). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
