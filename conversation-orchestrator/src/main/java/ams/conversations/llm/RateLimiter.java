package ams.conversations.llm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The requests and tokens one model endpoint accepts per window (a minute unless configured),
 * shared by every turn worker of the process. A sliding log of the recent calls decides: a call
 * waits until both the request count and the token sum leave room for it. A call holds its place in
 * the log from when it is let through until a window after it <em>ended</em>: the server saw it
 * somewhere in between, so however long the request took to arrive, no window of that length at the
 * server ever holds more calls than the limit. A 429's Retry-After pauses the endpoint: no call
 * starts before it has passed. Waiting rather than failing keeps a turn's retry budget for real
 * failures; the waits are counted for the metrics.
 *
 * <p>Tokens are booked at the call's estimate (prompt plus {@code max_tokens}) and corrected to
 * what the provider reported when the call ends. A call larger than the whole token limit still
 * runs once the window is empty, else it would wait forever.
 */
public final class RateLimiter {

    /** The limits of one endpoint; 0 means unlimited. */
    public record Limits(int requestsPerWindow, long tokensPerWindow, Duration window) {

        public static final Duration MINUTE = Duration.ofMinutes(1);

        public Limits {
            if (requestsPerWindow < 0 || tokensPerWindow < 0) {
                throw new IllegalArgumentException("rate limits must be 0 (none) or positive");
            }
            if (window.isZero() || window.isNegative()) {
                throw new IllegalArgumentException("the rate-limit window must be positive");
            }
        }

        public static Limits none() {
            return new Limits(0, 0, MINUTE);
        }

        public boolean unlimited() {
            return requestsPerWindow == 0 && tokensPerWindow == 0;
        }
    }

    /** What the metrics show of one endpoint's limiter. */
    public record Stats(
            long calls,
            long waits,
            long waitNanos,
            long retryAfterPauses,
            long tokensBooked,
            int requestsInWindow,
            long tokensInWindow) {}

    /**
     * One booked call. {@link #settle} (it succeeded: the tokens it really used) or {@link #finish}
     * (it failed: the estimate stays) ends it; its window starts then.
     */
    public final class Permit {
        private final Entry entry;

        private Permit(Entry entry) {
            this.entry = entry;
        }

        public void settle(long usedTokens) {
            synchronized (RateLimiter.this) {
                long delta = Math.max(0, usedTokens) - entry.tokens;
                entry.tokens += delta;
                windowTokens += delta;
                tokensBooked.addAndGet(delta);
                close();
            }
        }

        public void finish() {
            synchronized (RateLimiter.this) {
                close();
            }
        }

        private void close() {
            if (entry.open) {
                entry.open = false;
                entry.nanos = clock.getAsLong();
                RateLimiter.this.notifyAll();
            }
        }
    }

    /** A call in the log: in flight ({@code open}) or ended at {@code nanos}. */
    private static final class Entry {
        long nanos;
        long tokens;
        boolean open = true;

        Entry(long nanos, long tokens) {
            this.nanos = nanos;
            this.tokens = tokens;
        }
    }

    private final Limits limits;
    private final LongSupplier clock;
    private final List<Entry> window = new ArrayList<>();
    private long windowTokens;
    private long pausedUntilNanos;
    private boolean paused;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong waits = new AtomicLong();
    private final AtomicLong waitNanos = new AtomicLong();
    private final AtomicLong retryAfterPauses = new AtomicLong();
    private final AtomicLong tokensBooked = new AtomicLong();

    public RateLimiter(Limits limits) {
        this(limits, System::nanoTime);
    }

    RateLimiter(Limits limits, LongSupplier clock) {
        this.limits = limits;
        this.clock = clock;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Waits until a call of about {@code tokens} tokens fits the limits and any Retry-After pause
     * has passed, then books it.
     */
    public Permit acquire(long tokens) throws InterruptedException {
        long estimate = Math.max(0, tokens);
        long waitedFrom = -1;
        synchronized (this) {
            while (true) {
                long now = clock.getAsLong();
                long delay = delayNanos(now, estimate);
                if (delay <= 0) {
                    Entry entry = new Entry(now, estimate);
                    if (!limits.unlimited()) {
                        window.add(entry);
                        windowTokens += estimate;
                    }
                    calls.incrementAndGet();
                    tokensBooked.addAndGet(estimate);
                    if (waitedFrom >= 0) {
                        waits.incrementAndGet();
                        waitNanos.addAndGet(now - waitedFrom);
                    }
                    return new Permit(entry);
                }
                if (waitedFrom < 0) {
                    waitedFrom = now;
                }
                // Long.MAX_VALUE: only calls in flight fill the window; their end wakes us.
                TimeUnit.NANOSECONDS.timedWait(this, Math.max(delay, 1_000_000L));
            }
        }
    }

    /** How long until a call of {@code tokens} may start; 0 or less = now. Holds the lock. */
    private long delayNanos(long now, long tokens) {
        if (paused && now - pausedUntilNanos < 0) {
            return pausedUntilNanos - now;
        }
        paused = false;
        if (limits.unlimited()) {
            return 0;
        }
        long windowNanos = limits.window().toNanos();
        long soonest = Long.MAX_VALUE;
        for (Iterator<Entry> it = window.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.open) {
                continue;
            }
            long left = e.nanos + windowNanos - now;
            if (left <= 0) {
                windowTokens -= e.tokens;
                it.remove();
            } else {
                soonest = Math.min(soonest, left);
            }
        }
        if (window.isEmpty()) {
            return 0;
        }
        boolean requestsFull =
                limits.requestsPerWindow() > 0 && window.size() >= limits.requestsPerWindow();
        boolean tokensFull =
                limits.tokensPerWindow() > 0 && windowTokens + tokens > limits.tokensPerWindow();
        if (!requestsFull && !tokensFull) {
            return 0;
        }
        // The first ended call to leave the window is the earliest moment anything can change; a
        // call ending (or freeing tokens) wakes the waiters sooner.
        return soonest;
    }

    /** The endpoint answered 429 with Retry-After: no call starts before it has passed. */
    public void pause(Duration retryAfter) {
        if (retryAfter.isNegative() || retryAfter.isZero()) {
            return;
        }
        synchronized (this) {
            long until = clock.getAsLong() + retryAfter.toNanos();
            if (!paused || until - pausedUntilNanos > 0) {
                pausedUntilNanos = until;
                paused = true;
            }
            retryAfterPauses.incrementAndGet();
            notifyAll();
        }
    }

    public synchronized Stats stats() {
        return new Stats(
                calls.get(),
                waits.get(),
                waitNanos.get(),
                retryAfterPauses.get(),
                tokensBooked.get(),
                window.size(),
                windowTokens);
    }
}
