package ams.export.sink;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The sink's decoding thread: Avro-decodes polled batches (and dead-letters what does not decode)
 * while the consumer thread polls the next one and the writer thread writes the one before. In the
 * JSONL profile the consumer thread was the critical path, busy all the time with poll and decode,
 * while the writer was idle a third of the time: moving the decode here lets poll, decode and write
 * overlap. Batches are decoded one at a time in the order given, so dead letters keep their order.
 * How many batches wait is bounded by the writer ({@link SinkWriter#MAX_IN_FLIGHT}): every decoded
 * batch is awaited by a write queued right after it.
 */
final class SinkDecoder implements AutoCloseable {

    private final ExecutorService thread;

    SinkDecoder(String name) {
        this.thread =
                Executors.newSingleThreadExecutor(
                        runnable -> {
                            Thread t = new Thread(runnable, name);
                            t.setDaemon(true);
                            return t;
                        });
    }

    /** Queues the decoding of a batch. */
    <T> Future<T> submit(Callable<T> batch) {
        return thread.submit(batch);
    }

    /**
     * Waits until every batch queued so far is decoded (and its dead letters acked): the consumer
     * thread calls it before it touches the partition pipelines, whose state a decode reads.
     */
    void idle() {
        await(thread.submit(() -> null));
    }

    /**
     * The decoded batch; a failure of the decode (a dead letter that could not be sent) is thrown
     * as it was thrown on the decoding thread.
     */
    static <T> T await(Future<T> batch) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return batch.get();
                } catch (InterruptedException e) {
                    // The decode sends dead letters the files depend on: let it finish.
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

    /** Stops the thread after the batch it is decoding, if any. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("The exporter's decoding thread did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
