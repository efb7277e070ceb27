package ams.conversations.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.KnowledgeSearch;
import ams.conversations.llm.PromptBuilder;
import ams.conversations.llm.Providers;
import ams.conversations.llm.ScriptedProvider;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.RateLimitException;
import org.junit.jupiter.api.Test;

class FailuresTest {

    @Test
    void shouldRetryRateLimitsServerErrorsAndTimeoutsOnly() {
        assertTrue(Failures.classify(new RateLimitException("slow down")).retriable());
        assertTrue(Failures.classify(new InternalServerException("boom")).retriable());
        assertTrue(Failures.classify(new HttpException(503, "unavailable")).retriable());
        assertTrue(
                Failures.classify(new RuntimeException(new java.net.http.HttpTimeoutException("t")))
                        .retriable());
        assertTrue(
                Failures.classify(
                                new java.io.UncheckedIOException(
                                        new java.io.IOException("refused")))
                        .retriable());
        assertFalse(Failures.classify(new HttpException(400, "bad request")).retriable());
        assertFalse(Failures.classify(new IllegalArgumentException("bug")).retriable());
    }

    @Test
    void shouldBackOffExponentiallyWithJitterUpToTheCap() {
        TurnRunner runner =
                new TurnRunner(
                        id -> java.util.Optional.empty(),
                        KnowledgeSearch.none(),
                        new Providers("scripted", 1, name -> new ScriptedProvider()),
                        new PromptBuilder(1, 1),
                        0,
                        5,
                        100,
                        1000);
        for (int i = 0; i < 50; i++) {
            long first = runner.backoffMillis(1);
            long third = runner.backoffMillis(3);
            long tenth = runner.backoffMillis(10);
            assertTrue(first >= 50 && first <= 100, "attempt 1: " + first);
            assertTrue(third >= 200 && third <= 400, "attempt 3: " + third);
            assertTrue(tenth >= 500 && tenth <= 1000, "capped: " + tenth);
        }
    }
}
