package ams.conversations.worker;

import ams.service.failure.FailureClassifier.Verdict;
import ams.service.failure.LangChain4jFailures;

/**
 * The one place that decides whether a failed turn attempt is worth retrying: 429, 5xx, timeouts
 * and connection errors are; anything else (bad request, auth, unknown agent) fails the turn now.
 * The rules are the shared ones ({@link LangChain4jFailures} over {@code FailureClassifier}): a
 * model call has no failure of its own to add; the verdict's reason goes into the TurnFailed event.
 */
final class Failures extends LangChain4jFailures {

    private static final Failures RULES = new Failures();

    private Failures() {}

    public static Verdict classify(Throwable error) {
        return RULES.verdict(error);
    }
}
