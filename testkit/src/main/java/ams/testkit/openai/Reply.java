package ams.testkit.openai;

import java.time.Duration;

/**
 * What the fake server answers to one request: a completion, or an HTTP error; either after an
 * optional delay. Token usage is reported unless {@code omitUsage} is set; an error may carry a
 * {@code Retry-After} header ({@code retryAfter}, whole seconds, null = none). A streamed answer
 * sends a chunk per word, each after {@code chunkDelay}.
 */
public record Reply(
        int status,
        String content,
        String errorMessage,
        Duration delay,
        boolean omitUsage,
        Duration retryAfter,
        Duration chunkDelay) {

    public Reply(
            int status, String content, String errorMessage, Duration delay, boolean omitUsage) {
        this(status, content, errorMessage, delay, omitUsage, null);
    }

    public Reply(
            int status,
            String content,
            String errorMessage,
            Duration delay,
            boolean omitUsage,
            Duration retryAfter) {
        this(status, content, errorMessage, delay, omitUsage, retryAfter, Duration.ZERO);
    }

    public static Reply text(String content) {
        return new Reply(200, content, null, Duration.ZERO, false);
    }

    public static Reply status(int status, String errorMessage) {
        return new Reply(status, null, errorMessage, Duration.ZERO, false);
    }

    public static Reply rateLimited() {
        return status(429, "Rate limit reached, retry after a moment");
    }

    /**
     * A 429 whose {@code Retry-After} header asks for {@code retryAfter} (rounded up to seconds).
     */
    public static Reply rateLimited(Duration retryAfter) {
        return new Reply(
                429,
                null,
                "Rate limit reached, retry after " + retryAfter.toSeconds() + " s",
                Duration.ZERO,
                false,
                retryAfter);
    }

    public static Reply serverError() {
        return status(500, "The server had an error while processing your request");
    }

    public Reply after(Duration delay) {
        return new Reply(status, content, errorMessage, delay, omitUsage, retryAfter, chunkDelay);
    }

    public Reply withoutUsage() {
        return new Reply(status, content, errorMessage, delay, true, retryAfter, chunkDelay);
    }

    /** Streamed, waits this long before each chunk (a model writing slowly). */
    public Reply chunksEvery(Duration chunkDelay) {
        return new Reply(status, content, errorMessage, delay, omitUsage, retryAfter, chunkDelay);
    }

    public boolean isError() {
        return status != 200;
    }
}
