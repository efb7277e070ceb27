package ams.conversations.retrieval;

import ams.conversations.statemachine.ConversationQueries;
import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.StoredMessage;
import ams.events.streams.StoreUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@link ConversationMemory} over this orchestrator's {@code conversations} and {@code messages}
 * stores.
 *
 * <p>The {@code conversations} store is keyed by conversation id, so "an agent's conversations,
 * most recent first" has no key order to scan. Scanning the whole store at every lookup would make
 * a job of N conversations cost N² reads, so this keeps an index in memory: agent → its
 * conversations ordered by request time, built by one scan at the first lookup, extended by every
 * lookup with the conversation asking (each conversation's turns ask, so the index learns every
 * conversation that runs here), and rebuilt by a full scan every {@value #RESCAN_MILLIS} ms to take
 * in what it did not see (another instance's conversations, restored state). A lookup is then a
 * walk down one agent's entries and the prefix scans of the {@code limit} conversations' messages.
 * The index is a cache: the stores are the truth, and messages are always read from them.
 *
 * <p>With several orchestrator instances it sees the conversations this instance hosts.
 */
public final class StoreConversationMemory implements ConversationMemory {

    static final long RESCAN_MILLIS = 60_000;

    /**
     * Candidates read beyond {@code limit}, for conversations without messages yet (just
     * requested), which are skipped.
     */
    private static final int SPARE = 8;

    /** One conversation of an agent, as the index keeps it. */
    private record Entry(String conversationId, long requestedAt, String topic, String sessionId) {}

    private static final Comparator<Entry> NEWEST_FIRST =
            Comparator.comparingLong(Entry::requestedAt)
                    .reversed()
                    .thenComparing(Entry::conversationId);

    private final ConversationQueries queries;
    private final Object lock = new Object();
    private Map<String, NavigableSet<Entry>> byAgent;
    private long scannedAt;

    public StoreConversationMemory(ConversationQueries queries) {
        this.queries = queries;
    }

    @Override
    public List<PastConversation> earlier(
            String agentId, String conversationId, String sessionId, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        try {
            return lookUp(agentId, conversationId, sessionId, limit);
        } catch (StoreUnavailableException e) {
            // The stores are restoring or rebalancing (a restart): the turn waits it out like an
            // unavailable agent directory, instead of counting a failed model attempt.
            throw new UncheckedIOException(new IOException(e.getMessage(), e));
        }
    }

    private List<PastConversation> lookUp(
            String agentId, String conversationId, String sessionId, int limit) {
        Optional<ConversationState> current = queries.conversation(conversationId);
        // Earlier = requested before the current conversation (envelope times, as the store keeps
        // them); when the current one is not in this instance's store, every other one.
        long before = current.map(ConversationState::requestedAt).orElse(Long.MAX_VALUE);
        List<PastConversation> out = new ArrayList<>();
        for (Entry entry :
                candidates(agentId, current, conversationId, before, sessionId, limit + SPARE)) {
            if (out.size() >= limit) {
                break;
            }
            List<PastMessage> messages = new ArrayList<>();
            for (StoredMessage m : queries.messages(entry.conversationId())) {
                messages.add(new PastMessage(m.agentId(), m.role(), m.content()));
            }
            if (messages.isEmpty()) {
                continue;
            }
            out.add(
                    new PastConversation(
                            entry.conversationId(),
                            entry.topic(),
                            entry.sessionId(),
                            entry.requestedAt(),
                            messages));
        }
        return out;
    }

    /**
     * The agent's conversations requested before the current one (and in {@code sessionId} when not
     * null), newest first, at most {@code max}, from the index (scanned or extended as needed).
     */
    private List<Entry> candidates(
            String agentId,
            Optional<ConversationState> current,
            String conversationId,
            long before,
            String sessionId,
            int max) {
        long now = System.currentTimeMillis();
        synchronized (lock) {
            if (byAgent == null || now - scannedAt >= RESCAN_MILLIS) {
                Map<String, NavigableSet<Entry>> scanned = new HashMap<>();
                queries.forEachConversation(state -> index(scanned, state));
                byAgent = scanned;
                scannedAt = now;
            }
            current.ifPresent(state -> index(byAgent, state));
            NavigableSet<Entry> entries = byAgent.get(agentId);
            if (entries == null) {
                return List.of();
            }
            List<Entry> found = new ArrayList<>();
            for (Entry entry : entries) {
                if (found.size() >= max) {
                    break;
                }
                if (entry.conversationId().equals(conversationId)
                        || entry.requestedAt() > before
                        || (sessionId != null && !Objects.equals(sessionId, entry.sessionId()))) {
                    continue;
                }
                found.add(entry);
            }
            return found;
        }
    }

    private static void index(Map<String, NavigableSet<Entry>> into, ConversationState state) {
        Entry entry =
                new Entry(
                        state.conversationId(),
                        state.requestedAt(),
                        state.topic(),
                        state.sessionId());
        for (String participant : state.participants()) {
            into.computeIfAbsent(participant, p -> new TreeSet<>(NEWEST_FIRST)).add(entry);
        }
    }
}
