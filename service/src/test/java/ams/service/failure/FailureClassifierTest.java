package ams.service.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.service.failure.FailureClassifier.Verdict;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.RetriableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {

    private final FailureClassifier jdk = new FailureClassifier();
    private final FailureClassifier lc4j = new LangChain4jFailures();

    @Test
    void shouldRetryTimeoutsAndConnectionErrorsAnywhereInTheCauseChain() {
        for (FailureClassifier rules : new FailureClassifier[] {jdk, lc4j}) {
            assertTrue(rules.verdict(new HttpTimeoutException("slow")).retriable());
            assertTrue(rules.verdict(new SocketTimeoutException("read")).retriable());
            assertTrue(rules.verdict(new TimeoutException("future")).retriable());
            assertTrue(
                    rules.verdict(new RuntimeException(new ConnectException("refused")))
                            .retriable());
            assertTrue(
                    rules.verdict(
                                    new IllegalStateException(
                                            new UncheckedIOException(new IOException("reset"))))
                            .retriable());
            assertEquals(
                    "timeout: HttpTimeoutException: slow",
                    rules.verdict(new RuntimeException(new HttpTimeoutException("slow"))).reason());
        }
    }

    @Test
    void shouldFailWhatNoRuleKnowsWithItsOwnDescription() {
        Verdict verdict = jdk.verdict(new IllegalArgumentException("bug"));
        assertFalse(verdict.retriable());
        assertEquals("IllegalArgumentException: bug", verdict.reason());
        assertFalse(lc4j.verdict(new RuntimeException(new IllegalStateException())).retriable());
    }

    @Test
    void shouldRetryOnlyHttp408And429And5xx() {
        assertTrue(lc4j.verdict(new HttpException(408, "request timeout")).retriable());
        assertTrue(lc4j.verdict(new HttpException(429, "slow down")).retriable());
        assertTrue(lc4j.verdict(new HttpException(500, "boom")).retriable());
        assertTrue(lc4j.verdict(new HttpException(503, "unavailable")).retriable());
        assertFalse(lc4j.verdict(new HttpException(400, "bad request")).retriable());
        assertFalse(lc4j.verdict(new HttpException(401, "who")).retriable());
        assertFalse(lc4j.verdict(new HttpException(404, "no model")).retriable());
        assertEquals(
                "HTTP 503: HttpException: unavailable",
                lc4j.verdict(new HttpException(503, "unavailable")).reason());
    }

    @Test
    void shouldFollowLangChain4jsRetriableSplit() {
        assertEquals(
                "rate limited (429): RateLimitException: slow",
                lc4j.verdict(new RateLimitException("slow")).reason());
        assertTrue(lc4j.verdict(new InternalServerException("boom")).retriable());
        assertTrue(lc4j.verdict(new dev.langchain4j.exception.TimeoutException("t")).retriable());
        assertTrue(lc4j.verdict(new RetriableException("try again")).retriable());
        assertFalse(lc4j.verdict(new InvalidRequestException("bad")).retriable());
        assertFalse(lc4j.verdict(new AuthenticationException("key")).retriable());
        // The first link a rule knows decides: a client's permanent verdict is not second-guessed
        // by the I/O error underneath it.
        assertFalse(
                lc4j.verdict(new InvalidRequestException("bad", new IOException("x"))).retriable());
    }

    @Test
    void shouldLetASubclassAddItsOwnRulesFirst() {
        FailureClassifier quota =
                new LangChain4jFailures() {
                    @Override
                    protected Verdict rule(Throwable link) {
                        if (link instanceof IllegalStateException) {
                            return retriable("quota: ", link);
                        }
                        return super.rule(link);
                    }
                };
        assertTrue(quota.verdict(new RuntimeException(new IllegalStateException("q"))).retriable());
        assertEquals(
                "quota: IllegalStateException: q",
                quota.verdict(new IllegalStateException("q")).reason());
        assertFalse(quota.verdict(new HttpException(400, "bad")).retriable());
    }

    @Test
    void shouldCutLongReasons() {
        String reason = jdk.verdict(new IllegalArgumentException("x".repeat(2000))).reason();
        assertEquals(500, reason.length());
        assertTrue(reason.endsWith("..."));
    }
}
