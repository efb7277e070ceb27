package ams.service.failure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;

/**
 * Decides whether a failed call to an outside service (a model, an embedding service) is worth
 * retrying: the service is unwell for now (timeouts, connection errors, HTTP 408, 429 and 5xx), or
 * this request will never succeed (anything else). It walks the cause chain, and the first link a
 * rule recognises decides, since clients wrap the transport's exception in their own.
 *
 * <p>The rules here know only the JDK; {@link LangChain4jFailures} adds LangChain4j's exceptions,
 * and each caller extends that with its own (see {@link #rule}).
 */
public class FailureClassifier {

    /** The verdict on one failure, with a reason fit for an event or a dead letter. */
    public record Verdict(boolean retriable, String reason) {}

    private static final int MAX_REASON = 500;

    /** The verdict on {@code failure}: the first link of its cause chain a rule recognises. */
    public final Verdict verdict(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Verdict verdict = rule(t);
            if (verdict != null) {
                return verdict;
            }
        }
        // Unknown means permanent: retrying a bug or a bad request only delays the answer.
        return permanent("", failure);
    }

    /**
     * The verdict on one link of the cause chain, or null to look at its cause. A subclass checks
     * its own exceptions first and then returns {@code super.rule(link)}.
     */
    protected Verdict rule(Throwable link) {
        if (link instanceof HttpTimeoutException
                || link instanceof SocketTimeoutException
                || link instanceof TimeoutException) {
            return retriable("timeout: ", link);
        }
        if (link instanceof IOException || link instanceof UncheckedIOException) {
            return retriable("", link);
        }
        return null;
    }

    /** An HTTP status: 408 (request timeout), 429 (rate limit) and 5xx are worth retrying. */
    protected static Verdict httpStatus(int status, Throwable link) {
        boolean retriable = status == 408 || status == 429 || status >= 500;
        return new Verdict(retriable, "HTTP " + status + ": " + describe(link));
    }

    protected static Verdict retriable(String prefix, Throwable link) {
        return new Verdict(true, prefix + describe(link));
    }

    protected static Verdict permanent(String prefix, Throwable link) {
        return new Verdict(false, prefix + describe(link));
    }

    /** The exception's type and message, cut to a size fit for an event. */
    public static String describe(Throwable t) {
        String m =
                t.getClass().getSimpleName()
                        + (t.getMessage() == null ? "" : ": " + t.getMessage());
        return m.length() > MAX_REASON ? m.substring(0, MAX_REASON - 3) + "..." : m;
    }
}
