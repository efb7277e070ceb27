package ams.app.bench;

import ams.app.system.Replay;
import ams.testkit.bench.ResultRows;
import ams.testkit.bench.ThreadCpu;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time of a rebuild from its start until every processor has caught up, per event: the stream
 * threads of each processor (which load does not change, unlike throughput) and the whole process
 * (stream threads, Kafka clients, RocksDB, the JIT and the collector). Created before the rebuild
 * starts, when no stream thread is alive; sampled once caught up, before the threads stop, on the
 * thread that waits for that; read after that thread's result is taken, which orders the two.
 */
final class RebuildCpu {

    private final long processBefore = ThreadCpu.processNanos();
    private final long streamBefore = ThreadCpu.streamThreadNanos();
    private long process = -1;
    private long streams = -1;
    private final Map<String, Long> perProcessor = new LinkedHashMap<>();

    void caughtUp() {
        streams = ThreadCpu.streamThreadNanos() - streamBefore;
        process = ThreadCpu.processNanos() - processBefore;
        for (String app : Replay.STREAMS_APPS) {
            perProcessor.put(
                    app,
                    ThreadCpu.nanos(
                            name ->
                                    name.contains("." + app + "-")
                                            && name.contains("-StreamThread-")));
        }
    }

    void report(StringBuilder report, long events) {
        if (streams < 0) {
            return;
        }
        double streamMicros = streams / 1e3 / events;
        double processMicros = process / 1e3 / events;
        StringBuilder split = new StringBuilder();
        perProcessor.forEach(
                (app, nanos) ->
                        split.append(String.format(Locale.ROOT, ", %s %.1f s", app, nanos / 1e9)));
        report.append(
                String.format(
                        Locale.ROOT,
                        "| CPU of the rebuild, start to caught up | stream threads %.1f s (%.1f us/event%s);"
                                + " whole process %.1f s (%.1f us/event) |%n",
                        streams / 1e9,
                        streamMicros,
                        split,
                        process / 1e9,
                        processMicros));
        ResultRows.add(
                "replay: rebuild, stream-thread CPU per event (every processor)",
                streamMicros,
                "us/event");
        ResultRows.add(
                "replay: rebuild, process CPU per event (stream threads, clients, RocksDB, JIT, GC)",
                processMicros,
                "us/event");
    }
}
