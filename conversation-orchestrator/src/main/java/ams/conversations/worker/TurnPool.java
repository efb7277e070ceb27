package ams.conversations.worker;

import ams.conversations.statemachine.TurnLauncher;
import ams.events.conversation.TurnRequested;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads turns run on, off the stream threads, shared by this process's state machine tasks
 * ({@code turns.max.in.flight} of them: a turn mostly waits on a model, so they are many). A turn
 * that throws is answered with a final TurnFailed rather than lost.
 */
public final class TurnPool implements TurnLauncher, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TurnPool.class);

    private final TurnRunner runner;
    private final ExecutorService pool;
    private final AtomicInteger inFlight = new AtomicInteger();

    public TurnPool(TurnRunner runner, int threads, String name) {
        this.runner = runner;
        AtomicInteger n = new AtomicInteger();
        this.pool =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r, name + "-turn-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
    }

    @Override
    public Future<?> launch(
            ConversationSnapshot conversation, TurnRequested request, Consumer<List<Object>> done) {
        inFlight.incrementAndGet();
        return pool.submit(
                () -> {
                    try {
                        done.accept(run(conversation, request));
                    } finally {
                        inFlight.decrementAndGet();
                    }
                });
    }

    private List<Object> run(ConversationSnapshot conversation, TurnRequested request) {
        try {
            return runner.run(conversation, request);
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                return null;
            }
            log.error(
                    "Turn {} of {} failed unexpectedly",
                    request.getTurnNumber(),
                    conversation.conversationId(),
                    e);
            return List.of(
                    TurnRunner.failed(
                            request,
                            request.getSpeakerAgentId(),
                            1,
                            "internal error: " + e,
                            false));
        }
    }

    /** Turns started and not yet answered (running or waiting for a thread). */
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
