package ams.export.sink;

import java.util.Map;

/**
 * What the continuous sink is doing, for the status route and for tests: its state, the last error
 * (e.g. the disk is full), and per partition and dataset the next offset on disk.
 */
public record SinkStatus(
        State state,
        String error,
        long recordsConsumed,
        long deadLettered,
        long failures,
        Map<Integer, Map<String, Long>> nextOffsets) {

    /** STARTING until the first poll; FAILED while waiting to retry after a write error. */
    public enum State {
        STARTING,
        RUNNING,
        FAILED,
        STOPPED
    }

    public SinkStatus {
        nextOffsets = Map.copyOf(nextOffsets);
    }
}
