package ams.service.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Jetty's view of one connection of a {@link ThreadPerConnectionConnector}: whole requests are
 * handed in by the connection's own thread ({@link #addInput}), which then runs them (Jetty reads
 * them on the thread that adds them); answers are written straight to the blocking socket by the
 * thread that writes them. No selector is involved either way.
 */
final class BlockingEndPoint extends ByteArrayEndPoint {

    private final SocketChannel channel;
    private final Executor executor;
    private final Consumer<BlockingEndPoint> closed;

    BlockingEndPoint(
            Scheduler scheduler,
            long idleTimeoutMillis,
            SocketChannel channel,
            Executor executor,
            Consumer<BlockingEndPoint> closed) {
        super(scheduler, idleTimeoutMillis);
        this.channel = channel;
        this.executor = executor;
        this.closed = closed;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return channel.socket().getLocalSocketAddress();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return channel.socket().getRemoteSocketAddress();
    }

    @Override
    public Object getTransport() {
        return channel;
    }

    /** Bytes of the next request are arriving: the connection is not idle while they do. */
    void receiving() {
        notIdle();
    }

    /** Bytes of a streamed body handed in and not yet read by Jetty, at most. */
    private static final long MAX_QUEUED_BYTES = 256 * 1024;

    private final Object queue = new Object();
    private long given;
    private long taken;

    /**
     * Hands in more of a body whose request runs on another thread, waiting while Jetty has more
     * than {@link #MAX_QUEUED_BYTES} of it unread: a slow route slows its client down, and nothing
     * piles up here. Once Jetty has answered and will close (output shut) or has closed, the bytes
     * are dropped: the rest of the body is read off the socket only to reach its end.
     */
    void give(ByteBuffer bytes) throws InterruptedIOException {
        synchronized (queue) {
            while (given - taken > MAX_QUEUED_BYTES && isOpen() && !isOutputShutdown()) {
                try {
                    queue.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted handing in a request body");
                }
            }
            if (!isOpen() || isOutputShutdown()) {
                return;
            }
            given += bytes.remaining();
        }
        // Whatever Jetty runs on this input runs on its pool, never here: Jetty may have put off
        // the request until its body arrived (delayDispatchUntilContent), and this thread must
        // go on reading the body the route will wait for.
        addInputAndExecute(bytes);
    }

    /**
     * Hands in a request, or its start: run here, on the calling thread ({@code runHere}), or on
     * the server's pool while the calling thread goes on reading its body.
     */
    void hand(ByteBuffer bytes, boolean runHere) {
        synchronized (queue) {
            given += bytes.remaining();
        }
        if (runHere) {
            addInput(bytes);
        } else {
            addInputAndExecute(bytes);
        }
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        int filled = super.fill(buffer);
        if (filled > 0) {
            synchronized (queue) {
                taken += filled;
                queue.notifyAll();
            }
        }
        return filled;
    }

    /**
     * Writes everything, blocking until the socket took it: a slow reader slows its own writer
     * down, and nothing is buffered here. Jetty's {@code WriteFlusher} calls this one write at a
     * time; one gathering write sends a response's head and body together.
     */
    @Override
    public boolean flush(ByteBuffer... buffers) throws IOException {
        if (!isOpen()) {
            throw new IOException("connection closed");
        }
        if (isOutputShutdown()) {
            throw new IOException("connection output shut down");
        }
        long remaining = 0;
        for (ByteBuffer buffer : buffers) {
            remaining += buffer.remaining();
        }
        while (remaining > 0) {
            remaining -= channel.write(buffers);
        }
        notIdle();
        return true;
    }

    @Override
    public void doShutdownOutput() {
        super.doShutdownOutput();
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            // Closed already: nothing left to shut.
        }
    }

    @Override
    public void doClose() {
        super.doClose();
        try {
            channel.close();
        } catch (IOException e) {
            // Being dropped.
        }
    }

    @Override
    public void onClose(Throwable cause) {
        // What a selector does when it destroys an endpoint.
        Connection connection = getConnection();
        if (connection != null) {
            connection.onClose(cause);
        }
        closed.accept(this);
        super.onClose(cause);
    }

    /**
     * Runs Jetty's follow-up work (input that arrived while a request was still being answered
     * asynchronously) on the server's pool, not on a new thread as the base class would.
     */
    @Override
    protected void execute(Runnable task) {
        executor.execute(task);
    }
}
