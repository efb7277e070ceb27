package ams.export.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The sink's writing thread: builds the rows of decoded batches and writes, rotates and publishes
 * the files, while the consumer thread polls and decodes the next batches. Batches run one at a
 * time in the order given; at most {@link #MAX_IN_FLIGHT} wait, so a slow disk slows the consumer
 * down instead of filling the heap.
 *
 * <p>The partition pipelines belong to this thread while batches are in flight; the consumer thread
 * touches them (rebalance, recovery, shutdown) only after {@link #drain()}. A batch that fails to
 * write makes every later batch a no-op until {@link #drain()} reports the failure: the sink then
 * drops the open files and resumes from what is on disk, so nothing after the failure is written on
 * top of a broken file.
 */
final class SinkWriter implements AutoCloseable {

    /** A unit of work on the writer thread. */
    @FunctionalInterface
    interface Batch {
        void write() throws IOException;
    }

    /**
     * Room for the writer's pauses: publishing a file fsyncs up to rotate.max.bytes, and the kernel
     * throttles write() while it writes dirty pages back (in the JSONL profile the writer spent
     * ~0.9 s of a run in those two natively); with two batches of room the consumer thread waits
     * through them. Eight batches of max.poll.records decoded events are a few MiB.
     */
    static final int MAX_IN_FLIGHT = 8;

    private final ExecutorService thread;
    private final ArrayDeque<Future<?>> inFlight = new ArrayDeque<>();

    /** Set on the writer thread by the first failed batch; cleared by {@link #drain()}. */
    private volatile IOException failure;

    /** A batch threw something other than a write failure: the sink stops; nothing runs after. */
    private volatile boolean halted;

    SinkWriter(String name) {
        this.thread = SinkThreads.start(name);
    }

    /**
     * Queues a batch; waits while {@link #MAX_IN_FLIGHT} are queued.
     *
     * @throws IOException a write failure of an earlier batch (the writer is drained then)
     */
    void submit(Batch batch) throws IOException {
        inFlight.addLast(thread.submit(() -> run(batch)));
        while (inFlight.size() > MAX_IN_FLIGHT) {
            await(inFlight.removeFirst());
        }
        if (failure != null) {
            drain();
        }
    }

    /**
     * Waits until every queued batch has run; the writer thread is idle afterwards.
     *
     * @throws IOException the first write failure since the last drain (later batches did nothing)
     */
    void drain() throws IOException {
        while (!inFlight.isEmpty()) {
            await(inFlight.removeFirst());
        }
        IOException failed = failure;
        if (failed != null) {
            failure = null;
            throw failed;
        }
    }

    private Void run(Batch batch) {
        if (failure != null || halted) {
            return null; // the sink is about to resume from the files; write nothing after it
        }
        try {
            batch.write();
        } catch (IOException e) {
            failure = e;
        } catch (UncheckedIOException e) {
            failure = e.getCause();
        } catch (RuntimeException | Error e) {
            halted = true;
            throw e;
        }
        return null;
    }

    private static void await(Future<?> batch) {
        SinkThreads.await(batch);
    }

    /** Stops the thread after the batch it is running, if any. */
    @Override
    public void close() {
        SinkThreads.stop(thread, "writer thread");
    }
}
