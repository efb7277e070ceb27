package ams.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits on a condition with a deadline: the alternative to sleeping in tests. */
public final class Wait {

    private Wait() {}

    public static void until(String description, Duration timeout, BooleanSupplier condition) {
        untilValue(description, timeout, () -> condition.getAsBoolean() ? Boolean.TRUE : null);
    }

    /** Polls until the supplier returns a non-null value, and returns it. */
    public static <T> T untilValue(String description, Duration timeout, Supplier<T> supplier) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMs = 5;
        RuntimeException last = null;
        while (true) {
            try {
                T value = supplier.get();
                if (value != null) {
                    return value;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError error =
                        new AssertionError(
                                "Timed out after "
                                        + timeout.toMillis()
                                        + " ms waiting for: "
                                        + description);
                if (last != null) {
                    error.initCause(last);
                }
                throw error;
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for: " + description, e);
            }
            pauseMs = Math.min(pauseMs * 2, 100);
        }
    }
}
