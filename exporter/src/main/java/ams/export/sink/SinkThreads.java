package ams.export.sink;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** What the sink's decoding and writer threads share: starting, waiting for a batch, stopping. */
final class SinkThreads {

    private SinkThreads() {}

    /** One daemon thread named {@code name} that runs batches in the order they are queued. */
    static ExecutorService start(String name) {
        return Executors.newSingleThreadExecutor(
                runnable -> {
                    Thread t = new Thread(runnable, name);
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * The batch's result, waited for even through an interrupt (a batch sends dead letters or
     * touches files whose state the sink must know: it is let finish, and the interrupt is kept); a
     * failure of the batch is thrown as it was thrown on its thread.
     */
    static <T> T await(Future<T> batch) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return batch.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops {@code thread} after the batch it is running, if any. */
    static void stop(ExecutorService thread, String what) {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("The exporter's " + what + " did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
