package ams.export.sink;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

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
        this.thread = SinkThreads.start(name);
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
        if (thread.isShutdown()) {
            // Closed (and waited for) by the consumer thread, which is the one asking: closing the
            // consumer after this thread revokes the partitions, and a submit would be refused.
            return;
        }
        await(thread.submit(() -> null));
    }

    /** The decoded batch; a failure of the decode is thrown as it was on the decoding thread. */
    static <T> T await(Future<T> batch) {
        return SinkThreads.await(batch);
    }

    /** Stops the thread after the batch it is decoding, if any. */
    @Override
    public void close() {
        SinkThreads.stop(thread, "decoding thread");
    }
}
