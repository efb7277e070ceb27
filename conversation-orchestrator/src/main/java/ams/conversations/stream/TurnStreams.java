package ams.conversations.stream;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The replies being written by this process's turn workers, as a live view: each turn attempt is a
 * {@link Run} that feeds its tokens here, and the stream route subscribes per conversation. Not an
 * event log: nothing here is stored or replayed, the turn's one {@code MessageAppended} is the
 * record. Tokens of turns that run in another process are not seen here.
 *
 * <p>A run keeps the text it has streamed so far (one reply, bounded by {@link #MAX_PARTIAL_CHARS})
 * so that a subscriber who arrives mid-turn first gets it as one token. Listeners are called on the
 * worker's thread, under the conversation's lock, and must not block (the stream sessions queue and
 * drop, never wait).
 */
public final class TurnStreams {

    /** How much of a reply in progress is kept for late subscribers. */
    static final int MAX_PARTIAL_CHARS = 1 << 20;

    /**
     * How long a finished run that clients were watching stays (until its message is stored): a
     * redo of the turn then voids what they saw, and a client joining meanwhile gets the text.
     */
    static final long FINISHED_RETENTION_MS = 30_000;

    /**
     * A run silent this long is forgotten (its worker went away without saying so); the model call
     * times out long before.
     */
    static final long SILENT_RETENTION_MS = 600_000;

    private static final long SWEEP_INTERVAL_MS = 1_000;

    /** A piece of a reply ({@code reset} false) or the end of an attempt whose tokens are void. */
    public record TurnEvent(
            String conversationId, int turn, String agentId, String text, boolean reset) {}

    /** Receives a conversation's turn events; called on the worker's thread, must not block. */
    @FunctionalInterface
    public interface Listener {
        void onTurnEvent(TurnEvent event);
    }

    /** What a run had streamed when a subscriber arrived. */
    public record Partial(int turn, String agentId, String text) {}

    /** A subscription: the partial replies at the moment it began, and how to end it. */
    public interface Subscription extends AutoCloseable {
        List<Partial> partials();

        @Override
        void close();
    }

    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private volatile long lastSweep;

    /** One conversation: its listeners and its runs (at most one current run per turn). */
    private static final class Channel {
        final List<Listener> listeners = new CopyOnWriteArrayList<>();
        final Map<Integer, Run> runs = new HashMap<>();
    }

    /**
     * One attempt at a turn. Tokens of a run that has been replaced (a later attempt of the same
     * turn began: a retry, or another worker redoing the turn of one that stopped) are dropped.
     */
    public final class Run {
        private final Channel channel;
        private final String conversationId;
        private final int turn;
        private final String agentId;
        private final StringBuilder text = new StringBuilder();
        private boolean streamed;
        private boolean finished;
        private long touchedAt = System.currentTimeMillis();

        private Run(Channel channel, String conversationId, int turn, String agentId) {
            this.channel = channel;
            this.conversationId = conversationId;
            this.turn = turn;
            this.agentId = agentId;
        }

        /** A piece of the reply. */
        public void token(String piece) {
            if (piece.isEmpty()) {
                return;
            }
            synchronized (channel) {
                if (channel.runs.get(turn) != this || finished) {
                    return;
                }
                streamed = true;
                touchedAt = System.currentTimeMillis();
                if (text.length() + piece.length() <= MAX_PARTIAL_CHARS) {
                    text.append(piece);
                }
                publish(channel, new TurnEvent(conversationId, turn, agentId, piece, false));
            }
        }

        /**
         * This attempt failed or was abandoned: subscribers discard its tokens (when it streamed
         * any). A later attempt starts a new run.
         */
        public void reset(String reason) {
            synchronized (channel) {
                if (channel.runs.get(turn) != this) {
                    return;
                }
                channel.runs.remove(turn);
                if (streamed) {
                    publish(channel, new TurnEvent(conversationId, turn, agentId, reason, true));
                }
                forgetIfIdle(conversationId, channel);
            }
        }

        /**
         * The reply is complete; its message is on its way to the store. Kept a while for the
         * clients watching (a redo of the turn must void what they saw); with nobody watching it is
         * dropped at once, so a busy process keeps no text of finished turns.
         */
        public void finish() {
            synchronized (channel) {
                finished = true;
                touchedAt = System.currentTimeMillis();
                if (channel.listeners.isEmpty() && channel.runs.get(turn) == this) {
                    channel.runs.remove(turn);
                    forgetIfIdle(conversationId, channel);
                }
            }
        }
    }

    /**
     * A new attempt at {@code turn}. If an earlier attempt of the same turn streamed tokens and did
     * not finish (its worker stopped, or it is a retry), subscribers are told to discard them
     * first.
     */
    public Run begin(String conversationId, int turn, String agentId) {
        sweep();
        return withChannel(
                conversationId,
                channel -> {
                    Run previous = channel.runs.get(turn);
                    if (previous != null && previous.streamed) {
                        publish(
                                channel,
                                new TurnEvent(
                                        conversationId,
                                        turn,
                                        previous.agentId,
                                        "the turn started again",
                                        true));
                    }
                    Run run = new Run(channel, conversationId, turn, agentId);
                    channel.runs.put(turn, run);
                    return run;
                });
    }

    /** Subscribes to a conversation's turn events from now on, with what is streaming already. */
    public Subscription subscribe(String conversationId, Listener listener) {
        List<Partial> partials = new ArrayList<>();
        Channel channel =
                withChannel(
                        conversationId,
                        c -> {
                            c.listeners.add(listener);
                            c.runs.values().stream()
                                    .filter(r -> r.streamed)
                                    .sorted(Comparator.comparingInt(r -> r.turn))
                                    .forEach(
                                            r ->
                                                    partials.add(
                                                            new Partial(
                                                                    r.turn,
                                                                    r.agentId,
                                                                    r.text.toString())));
                            return c;
                        });
        List<Partial> snapshot = List.copyOf(partials);
        return new Subscription() {
            @Override
            public List<Partial> partials() {
                return snapshot;
            }

            @Override
            public void close() {
                synchronized (channel) {
                    channel.listeners.remove(listener);
                    forgetIfIdle(conversationId, channel);
                }
            }
        };
    }

    /** Conversations with runs or listeners: for tests of cleanup. */
    int channels() {
        return channels.size();
    }

    /**
     * Runs {@code action} under the lock of the conversation's registered channel (one dropped as
     * idle between the lookup and the lock is not used).
     */
    private <T> T withChannel(String conversationId, Function<Channel, T> action) {
        while (true) {
            Channel channel = channels.computeIfAbsent(conversationId, id -> new Channel());
            synchronized (channel) {
                if (channels.get(conversationId) == channel) {
                    prune(channel);
                    return action.apply(channel);
                }
            }
        }
    }

    private static void publish(Channel channel, TurnEvent event) {
        for (Listener listener : channel.listeners) {
            listener.onTurnEvent(event);
        }
    }

    private static void prune(Channel channel) {
        long now = System.currentTimeMillis();
        channel.runs
                .values()
                .removeIf(
                        r ->
                                now - r.touchedAt
                                        > (r.finished
                                                ? FINISHED_RETENTION_MS
                                                : SILENT_RETENTION_MS));
    }

    /** Forgets what no one can still want, across conversations, at most once a second. */
    private void sweep() {
        long now = System.currentTimeMillis();
        if (now - lastSweep < SWEEP_INTERVAL_MS) {
            return;
        }
        lastSweep = now;
        channels.forEach(
                (id, channel) -> {
                    synchronized (channel) {
                        forgetIfIdle(id, channel);
                    }
                });
    }

    private void forgetIfIdle(String conversationId, Channel channel) {
        prune(channel);
        if (channel.listeners.isEmpty() && channel.runs.isEmpty()) {
            channels.remove(conversationId, channel);
        }
    }
}
