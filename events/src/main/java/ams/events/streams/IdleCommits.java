package ams.events.streams;

import java.time.Duration;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Asks for a commit as soon as a task's input runs dry, so that a long commit interval does not
 * hold back the moment a caught-up processor says so. A rebuild ({@link RebuildProfile}) commits
 * rarely: every commit flushes the record cache, and between two commits an agent's events reach
 * RocksDB and the changelog once. But "caught up" is read from the committed offsets ({@code ams
 * replay} waits for them), and at the end of the log nothing else would commit before the interval
 * ran out.
 *
 * <p>Each source node of the topology gets one more child, {@value #NODE_PREFIX}{@code <source>}:
 * it counts the records its source forwards and, every {@code idle} of wall-clock time, requests a
 * commit when none arrived since the last look and some arrived since its last request. Kafka
 * Streams then commits every task of that stream thread at its next loop. Only processors are
 * added: sub-topology ids, stores and internal topics stay those of the topology without them, so a
 * rebuild's state directory and changelogs are the live processor's.
 */
public final class IdleCommits {

    /**
     * The processors' setting that turns this on (milliseconds of idle input before a commit), one
     * of the keys every Streams module shares.
     */
    public static final String CONFIG_KEY = "commit.when.idle.ms";

    /** Names of the added nodes: this prefix and the source's name. */
    public static final String NODE_PREFIX = "idle-commit-";

    private IdleCommits() {}

    /**
     * Adds the idle watchers to {@code topology} (returned for chaining).
     *
     * @param idle how long a source must have forwarded nothing before a commit is requested
     */
    public static Topology addTo(Topology topology, Duration idle) {
        if (idle.isNegative() || idle.isZero()) {
            throw new IllegalArgumentException("idle must be positive, was " + idle);
        }
        for (TopologyDescription.Subtopology subtopology : topology.describe().subtopologies()) {
            for (TopologyDescription.Node node : subtopology.nodes()) {
                if (node instanceof TopologyDescription.Source source) {
                    topology.addProcessor(
                            NODE_PREFIX + source.name(), () -> new Watch(idle), source.name());
                }
            }
        }
        return topology;
    }

    /** One source's watcher in one task. */
    static final class Watch implements Processor<Object, Object, Void, Void> {

        private final Duration idle;
        private long seen;
        private long seenAtLastLook;
        private long seenAtLastRequest;

        Watch(Duration idle) {
            this.idle = idle;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            context.schedule(
                    idle,
                    PunctuationType.WALL_CLOCK_TIME,
                    now -> {
                        if (seen == seenAtLastLook && seen != seenAtLastRequest) {
                            context.commit();
                            seenAtLastRequest = seen;
                        }
                        seenAtLastLook = seen;
                    });
        }

        @Override
        public void process(Record<Object, Object> record) {
            seen++;
        }
    }
}
