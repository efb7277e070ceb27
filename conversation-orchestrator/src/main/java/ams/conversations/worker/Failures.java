package ams.conversations.worker;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.NonRetriableException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.exception.TimeoutException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpTimeoutException;

/**
 * The one place that decides whether a failed turn attempt is worth retrying: 429, 5xx, timeouts
 * and connection errors are; anything else (bad request, auth, unknown agent) fails the turn now.
 */
final class Failures {

    /** The verdict for one failure, with a reason fit for a TurnFailed event. */
    public record Failure(boolean retriable, String reason) {}

    private Failures() {}

    public static Failure classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RateLimitException) {
                return new Failure(true, "rate limited (429): " + message(t));
            }
            if (t instanceof InternalServerException) {
                return new Failure(true, "server error (5xx): " + message(t));
            }
            if (t instanceof TimeoutException
                    || t instanceof HttpTimeoutException
                    || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return new Failure(true, "timeout: " + message(t));
            }
            if (t instanceof HttpException http) {
                int status = http.statusCode();
                boolean retriable = status == 429 || status == 408 || status >= 500;
                return new Failure(retriable, "HTTP " + status + ": " + message(t));
            }
            if (t instanceof NonRetriableException) {
                return new Failure(false, message(t));
            }
            if (t instanceof RetriableException
                    || t instanceof IOException
                    || t instanceof UncheckedIOException) {
                return new Failure(true, message(t));
            }
        }
        return new Failure(false, message(error));
    }

    private static String message(Throwable t) {
        String m =
                t.getClass().getSimpleName()
                        + (t.getMessage() == null ? "" : ": " + t.getMessage());
        return m.length() > 500 ? m.substring(0, 497) + "..." : m;
    }
}
