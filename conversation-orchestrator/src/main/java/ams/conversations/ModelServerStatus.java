package ams.conversations;

/**
 * What the metrics show of one model server this orchestrator has called: calls started, calls that
 * waited for its rate limit (or a Retry-After) and how long in total, and the 429s with Retry-After
 * that paused it.
 */
public record ModelServerStatus(
        String server, long calls, long waits, double waitSeconds, long retryAfterPauses) {}
