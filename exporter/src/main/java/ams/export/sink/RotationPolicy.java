package ams.export.sink;

/** When an open file is closed and published: whichever limit is reached first. */
public record RotationPolicy(long maxRows, long maxBytes, long intervalMs) {

    public RotationPolicy {
        if (maxRows < 1 || maxBytes < 1 || intervalMs < 1) {
            throw new IllegalArgumentException(
                    "rotation limits must be positive: "
                            + maxRows
                            + ", "
                            + maxBytes
                            + ", "
                            + intervalMs);
        }
    }
}
