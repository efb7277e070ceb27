package ams.conversations.llm;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A streamed HTTP answer body (a model's server-sent events) as an {@link InputStream} its reader
 * can leave: a read waits at most until the stream's deadline, and an interrupt of the reading
 * thread ends it. Either cancels the exchange, so the model server's slot is freed. (The JDK
 * client's own {@code ofInputStream} body swallows an interrupt and goes on waiting, and closing it
 * does not wake a read already waiting.)
 */
final class StreamedBody extends InputStream implements HttpResponse.BodySubscriber<InputStream> {

    /** The stream was still open at its deadline. */
    static final class PastDeadline extends IOException {
        private static final long serialVersionUID = 1L;

        PastDeadline(String message) {
            super(message);
        }
    }

    private static final Object END = new Object();

    private final long deadlineNanos;
    private final String deadlineText;
    // ByteBuffer lists as they arrive, then END or the failure.
    private final LinkedBlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private ByteBuffer current;
    private java.util.Iterator<ByteBuffer> pending = java.util.Collections.emptyIterator();
    private boolean finished;

    /**
     * @param timeoutMillis how long the whole body may take from now; 0 or less: no limit
     */
    StreamedBody(long timeoutMillis) {
        this.deadlineNanos =
                timeoutMillis > 0
                        ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis)
                        : Long.MAX_VALUE;
        this.deadlineText = timeoutMillis + " ms";
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        return CompletableFuture.completedFuture(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        // A model's answer is small next to memory: take it as fast as it comes.
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        arrived.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
        arrived.add(throwable);
    }

    @Override
    public void onComplete() {
        arrived.add(END);
    }

    @Override
    public int read() throws IOException {
        ByteBuffer buffer = nextBuffer();
        return buffer == null ? -1 : buffer.get() & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        ByteBuffer buffer = nextBuffer();
        if (buffer == null) {
            return -1;
        }
        int n = Math.min(length, buffer.remaining());
        buffer.get(into, offset, n);
        return n;
    }

    /** A buffer with bytes left, waiting for one; null at the end of the body. */
    private ByteBuffer nextBuffer() throws IOException {
        while (current == null || !current.hasRemaining()) {
            if (pending.hasNext()) {
                current = pending.next();
                continue;
            }
            if (finished) {
                return null;
            }
            Object next = take();
            if (next == END) {
                finished = true;
                return null;
            }
            if (next instanceof Throwable failure) {
                finished = true;
                throw failure instanceof IOException io
                        ? io
                        : new IOException(failure.getMessage(), failure);
            }
            @SuppressWarnings("unchecked")
            List<ByteBuffer> buffers = (List<ByteBuffer>) next;
            pending = buffers.iterator();
        }
        return current;
    }

    private Object take() throws IOException {
        try {
            long left = deadlineNanos - System.nanoTime();
            Object next = left > 0 ? arrived.poll(left, TimeUnit.NANOSECONDS) : arrived.poll();
            if (next == null) {
                cancel();
                throw new PastDeadline(
                        "the model's stream did not complete within " + deadlineText);
            }
            return next;
        } catch (InterruptedException e) {
            cancel();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the model's stream");
        }
    }

    @Override
    public void close() {
        if (!finished) {
            cancel();
        }
    }

    private void cancel() {
        finished = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
