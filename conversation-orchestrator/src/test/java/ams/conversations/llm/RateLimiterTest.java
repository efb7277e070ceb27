package ams.conversations.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private static final Duration WINDOW = Duration.ofMillis(300);

    @Test
    void shouldNeverStartMoreCallsThanTheLimitInAnyWindowAcrossThreads() throws Exception {
        RateLimiter limiter = new RateLimiter(new RateLimiter.Limits(3, 0, WINDOW));
        List<Long> starts = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(10);
        CountDownLatch ready = new CountDownLatch(10);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(
                        pool.submit(
                                () -> {
                                    ready.countDown();
                                    ready.await();
                                    RateLimiter.Permit p = limiter.acquire(1);
                                    starts.add(System.nanoTime());
                                    p.settle(1);
                                    return null;
                                }));
            }
            for (Future<?> f : calls) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Long> sorted = new ArrayList<>(starts);
        Collections.sort(sorted);
        for (int i = 0; i + 3 < sorted.size(); i++) {
            long span = sorted.get(i + 3) - sorted.get(i);
            assertTrue(span >= WINDOW.toNanos() - 5_000_000, "4 calls within " + span + " ns");
        }
        RateLimiter.Stats stats = limiter.stats();
        assertEquals(10, stats.calls());
        // All ten ask at once: at least the ones past the first window's three had to wait.
        assertTrue(stats.waits() >= 4, stats.toString());
        assertTrue(stats.waitNanos() > 0, stats.toString());
    }

    @Test
    void shouldWaitForTokensAndCountWhatACallReallyUsed() throws Exception {
        RateLimiter limiter = new RateLimiter(new RateLimiter.Limits(0, 100, WINDOW));
        limiter.acquire(60).settle(10);
        long before = System.nanoTime();
        limiter.acquire(60).settle(60); // 10 + 60 fits: no wait
        assertTrue(System.nanoTime() - before < WINDOW.toNanos() / 2);
        assertEquals(0, limiter.stats().waits());
        before = System.nanoTime();
        limiter.acquire(60); // 70 + 60 does not: waits for the calls to leave the window
        assertTrue(System.nanoTime() - before >= WINDOW.toNanos() - 5_000_000);
        assertEquals(1, limiter.stats().waits());
    }

    @Test
    void shouldHoldACallsPlaceUntilAWindowAfterItEnded() throws Exception {
        RateLimiter limiter = new RateLimiter(new RateLimiter.Limits(1, 0, WINDOW));
        RateLimiter.Permit slow = limiter.acquire(1);
        Thread.sleep(WINDOW.toMillis() + 100); // in flight longer than a window
        slow.finish();
        long ended = System.nanoTime();
        limiter.acquire(1);
        assertTrue(System.nanoTime() - ended >= WINDOW.toNanos() - 5_000_000);
    }

    @Test
    void shouldLetACallLargerThanTheWholeBudgetRunAloneRatherThanWaitForever() throws Exception {
        RateLimiter limiter = new RateLimiter(new RateLimiter.Limits(0, 100, WINDOW));
        long before = System.nanoTime();
        limiter.acquire(1_000);
        assertTrue(System.nanoTime() - before < WINDOW.toNanos() / 2);
    }

    @Test
    void shouldStartNothingBeforeRetryAfterHasPassed() throws Exception {
        RateLimiter limiter = new RateLimiter(RateLimiter.Limits.none());
        limiter.pause(Duration.ofMillis(250));
        long before = System.nanoTime();
        limiter.acquire(1);
        assertTrue(System.nanoTime() - before >= 240_000_000L);
        assertEquals(1, limiter.stats().retryAfterPauses());
        assertEquals(1, limiter.stats().waits());
    }

    @Test
    void shouldRefuseNegativeLimits() {
        assertThrows(IllegalArgumentException.class, () -> new RateLimiter.Limits(-1, 0, WINDOW));
        assertThrows(
                IllegalArgumentException.class, () -> new RateLimiter.Limits(1, 0, Duration.ZERO));
    }
}
