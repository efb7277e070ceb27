package ams.knowledge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where the machine's CPU went during one phase of a benchmark, read from {@code /proc}: busy and
 * idle time of all cores, then every process that used a share of it, each with its threads by name
 * (Linux keeps a thread's first 15 characters; digits are folded so a pool shows as one line). JIT
 * compiler, GC and RocksDB threads are native threads, invisible to {@code ThreadMXBean}, so the
 * split is taken from the kernel's counts. Taken around the raw model and around the worker, it
 * tells "the model needed more CPU per text" apart from "the model got fewer cores, and who took
 * them". Without {@code /proc} (not Linux) every figure is zero.
 */
final class CpuPhase {

    /**
     * The name (first 15 characters) of the in-process model's threads ({@code InProcessModel}).
     */
    private static final String MODEL_THREADS = "embedding-model";

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    /** The phase's figures, in cores (CPU seconds per wall second), and a readable breakdown. */
    record Split(
            double wallSeconds,
            double busy,
            double idle,
            double modelThreads,
            double thisProcess,
            double otherProcesses,
            double compilerThreads,
            String breakdown) {

        /** Of this process, everything but the model's threads. */
        double restOfThisProcess() {
            return thisProcess - modelThreads;
        }
    }

    private final String name;
    private final long startedAt = System.nanoTime();
    private final long[] machineAtStart = machineTicks();
    private final Map<String, Long> tasksAtStart = byThreadId(taskTicks());

    private CpuPhase(String name) {
        this.name = name;
    }

    static CpuPhase start(String name) {
        return new CpuPhase(name);
    }

    Split end() {
        double wall = (System.nanoTime() - startedAt) / 1e9;
        long[] machine = machineTicks();
        double busy = (machine[0] - machineAtStart[0]) / TICKS_PER_SECOND / wall;
        double idle = (machine[1] - machineAtStart[1]) / TICKS_PER_SECOND / wall;
        // pid -> thread name -> cores
        Map<Long, Map<String, Double>> byProcess = new HashMap<>();
        for (Map.Entry<String, Long> e : taskTicks().entrySet()) {
            String key = e.getKey();
            // By pid/tid alone: kernel workers change their names as they take other work.
            String id = key.substring(0, key.indexOf(' '));
            double cores =
                    (e.getValue() - tasksAtStart.getOrDefault(id, 0L)) / TICKS_PER_SECOND / wall;
            if (cores > 0) {
                long pid = Long.parseLong(key.substring(0, key.indexOf('/')));
                String thread = threadGroup(key.substring(key.indexOf(' ') + 1));
                byProcess
                        .computeIfAbsent(pid, p -> new HashMap<>())
                        .merge(thread, cores, Double::sum);
            }
        }
        long self = ProcessHandle.current().pid();
        double compilers =
                byProcess.values().stream()
                        .flatMap(threads -> threads.entrySet().stream())
                        .filter(t -> t.getKey().startsWith("C1 ") || t.getKey().startsWith("C2 "))
                        .mapToDouble(Map.Entry::getValue)
                        .sum();
        Map<String, Double> mine = byProcess.getOrDefault(self, Map.of());
        double thisProcess = sum(mine);
        double model = mine.getOrDefault(MODEL_THREADS, 0.0);
        double others =
                byProcess.entrySet().stream()
                        .filter(e -> e.getKey() != self)
                        .mapToDouble(e -> sum(e.getValue()))
                        .sum();
        StringBuilder text =
                new StringBuilder(
                        String.format(
                                Locale.ROOT,
                                "cpu of phase \"%s\": %.2f s; machine busy %.2f cores (model"
                                        + " threads %.2f, rest of this JVM %.2f, other processes"
                                        + " %.2f), idle %.2f; JIT compilers of all processes %.2f",
                                name,
                                wall,
                                busy,
                                model,
                                thisProcess - model,
                                others,
                                idle,
                                compilers));
        byProcess.entrySet().stream()
                .sorted((a, b) -> Double.compare(sum(b.getValue()), sum(a.getValue())))
                .filter(e -> sum(e.getValue()) >= 0.02)
                .limit(4)
                .forEach(
                        e -> {
                            long pid = e.getKey();
                            text.append(
                                    String.format(
                                            Locale.ROOT,
                                            "%n  %.3f cores: process %d %s",
                                            sum(e.getValue()),
                                            pid,
                                            pid == self ? "(this JVM)" : command(pid)));
                            e.getValue().entrySet().stream()
                                    .filter(t -> t.getValue() >= 0.005)
                                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                                    .limit(10)
                                    .forEach(
                                            t ->
                                                    text.append(
                                                            String.format(
                                                                    Locale.ROOT,
                                                                    "%n      %.3f %s",
                                                                    t.getValue(),
                                                                    t.getKey())));
                        });
        return new Split(wall, busy, idle, model, thisProcess, others, compilers, text.toString());
    }

    /**
     * A thread's name with its digits folded, so a pool shows as one line; but the JIT's C1 and C2
     * compiler threads stay apart (C2's share is what long-lived per-record code still costs).
     */
    static String threadGroup(String name) {
        if (name.startsWith("C1 ") || name.startsWith("C2 ")) {
            return name.substring(0, 3) + name.substring(3).replaceAll("[0-9]+", "#");
        }
        return name.replaceAll("[0-9]+", "#");
    }

    private static double sum(Map<String, Double> threads) {
        return threads.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** A process's command line without its long arguments (class paths), for the breakdown. */
    private static String command(long pid) {
        return ProcessHandle.of(pid)
                .flatMap(p -> p.info().arguments())
                .map(
                        args ->
                                Stream.of(args)
                                        .filter(a -> a.length() < 100)
                                        .collect(Collectors.joining(" ")))
                .orElse("");
    }

    /**
     * User + system ticks of every thread of every process, keyed "pid/tid name"; the threads of
     * processes that end during the phase are missed.
     */
    private static Map<String, Long> taskTicks() {
        Map<String, Long> ticks = new HashMap<>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            processes
                    .filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit))
                    .forEach(
                            d -> {
                                try (Stream<Path> tasks = Files.list(d.resolve("task"))) {
                                    tasks.forEach(t -> readTask(d, t, ticks));
                                } catch (IOException | RuntimeException e) {
                                    // The process ended meanwhile.
                                }
                            });
        } catch (IOException | RuntimeException e) {
            // Not Linux.
        }
        return ticks;
    }

    private static void readTask(Path process, Path task, Map<String, Long> ticks) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            // The fields after the name (which may hold spaces): utime and stime are 14 and 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks.put(
                    process.getFileName() + "/" + task.getFileName() + " " + name,
                    Long.parseLong(f[11]) + Long.parseLong(f[12]));
        } catch (IOException | RuntimeException e) {
            // The thread ended meanwhile.
        }
    }

    /** The same ticks keyed "pid/tid" only. */
    private static Map<String, Long> byThreadId(Map<String, Long> ticks) {
        Map<String, Long> byId = new HashMap<>();
        ticks.forEach((key, value) -> byId.put(key.substring(0, key.indexOf(' ')), value));
        return byId;
    }

    /** Busy and idle ticks of all cores (busy: user, nice, system, irq, softirq, steal). */
    private static long[] machineTicks() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    long busy = 0;
                    for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                        busy += Long.parseLong(f[i]);
                    }
                    return new long[] {busy, Long.parseLong(f[4]) + Long.parseLong(f[5])};
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux.
        }
        return new long[] {0, 0};
    }
}
