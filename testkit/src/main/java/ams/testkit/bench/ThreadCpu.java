package ams.testkit.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.function.Predicate;

/**
 * CPU time of the threads that do a benchmark's work (stream threads, workers), from {@link
 * ThreadMXBean}. Unlike throughput it does not move with the load of the machine: a thread that
 * waits for a core is not charged for the wait. Sample before the threads end (a finished thread's
 * time is gone) and divide by the events they handled.
 */
public final class ThreadCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ThreadCpu() {}

    /** Summed CPU nanoseconds of the live threads whose name the predicate accepts. */
    public static long nanos(Predicate<String> threadName) {
        long total = 0;
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null || !threadName.test(info.getThreadName())) {
                continue;
            }
            long cpu = THREADS.getThreadCpuTime(info.getThreadId());
            if (cpu > 0) {
                total += cpu;
            }
        }
        return total;
    }

    /**
     * CPU nanoseconds of the live threads by name with digits blanked (the threads of one pool
     * summed): where a process's CPU goes, without a profiler.
     */
    public static java.util.Map<String, Long> byThreadGroup() {
        java.util.Map<String, Long> groups = new java.util.TreeMap<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = THREADS.getThreadCpuTime(info.getThreadId());
            if (cpu > 0) {
                groups.merge(info.getThreadName().replaceAll("[0-9]+", "#"), cpu, Long::sum);
            }
        }
        return groups;
    }

    /** Kafka Streams' stream threads ({@code <client.id>-StreamThread-<n>}). */
    public static long streamThreadNanos() {
        return nanos(name -> name.contains("-StreamThread-"));
    }

    /**
     * CPU nanoseconds of the whole process, every thread (a server's request threads, its stream
     * threads, the JIT and the collector), or -1 where the JVM does not tell.
     */
    public static long processNanos() {
        return ManagementFactory.getOperatingSystemMXBean()
                        instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime()
                : -1;
    }

    /** Microseconds per event from two samples. */
    public static double microsPerEvent(long nanosBefore, long nanosAfter, long events) {
        return events <= 0 ? Double.NaN : (nanosAfter - nanosBefore) / 1e3 / events;
    }
}
