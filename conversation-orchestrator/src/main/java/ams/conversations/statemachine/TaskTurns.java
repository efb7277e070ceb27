package ams.conversations.statemachine;

import ams.conversations.worker.ConversationSnapshot;
import ams.events.Envelope;
import ams.events.conversation.TurnRequested;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;

/**
 * The turns one state machine task has running (stream thread) and those finished, waiting for the
 * task's punctuator (any thread adds, the stream thread drains). At most one turn per conversation
 * runs; a turn cancelled or replaced is forgotten, and whatever it still answers is dropped. Closed
 * with its task (revoked, or the process closing): every turn is cancelled, nothing more is taken.
 */
final class TaskTurns {

    /** One launch of a turn; its identity tells a current run from a cancelled one. */
    static final class Run {
        final String conversationId;
        final int turn;
        final Envelope cause;
        private volatile Future<?> future;
        private volatile boolean cancelled;

        Run(String conversationId, int turn, Envelope cause) {
            this.conversationId = conversationId;
            this.turn = turn;
            this.cause = cause;
        }

        void cancel() {
            cancelled = true;
            Future<?> f = future;
            if (f != null) {
                f.cancel(true);
            }
        }
    }

    /** A run that ended, with its events (null when interrupted). */
    record Done(Run run, List<Object> payloads) {}

    private final TurnLauncher launcher;
    private final Map<String, Run> running = new HashMap<>();
    private final ConcurrentLinkedQueue<Done> done = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    TaskTurns(TurnLauncher launcher) {
        this.launcher = launcher;
    }

    boolean running(String conversationId, int turn) {
        Run r = running.get(conversationId);
        return r != null && r.turn == turn;
    }

    int size() {
        return running.size();
    }

    void launch(ConversationSnapshot conversation, TurnRequested request, Envelope cause) {
        String id = conversation.conversationId();
        cancel(id);
        Run run = new Run(id, request.getTurnNumber(), cause);
        running.put(id, run);
        run.future =
                launcher.launch(
                        conversation,
                        request,
                        payloads -> {
                            if (!closed && !run.cancelled) {
                                done.add(new Done(run, payloads));
                            }
                        });
        if (run.cancelled) {
            run.cancel();
        }
    }

    void cancel(String conversationId) {
        Run r = running.remove(conversationId);
        if (r != null) {
            r.cancel();
        }
    }

    /** The runs finished since the last call that are still current (no longer running). */
    List<Done> drain() {
        List<Done> out = new ArrayList<>();
        for (Done d; (d = done.poll()) != null; ) {
            if (running.get(d.run().conversationId) == d.run()) {
                running.remove(d.run().conversationId);
                out.add(d);
            }
        }
        return out;
    }

    void close() {
        closed = true;
        running.values().forEach(Run::cancel);
        running.clear();
        done.clear();
    }
}
