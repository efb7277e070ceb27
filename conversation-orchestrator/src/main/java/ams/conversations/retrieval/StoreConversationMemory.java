package ams.conversations.retrieval;

import ams.conversations.statemachine.ConversationQueries;
import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.StoredMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link ConversationMemory} over this orchestrator's {@code conversations} and {@code messages}
 * stores. The conversations of an agent are found by a scan of the local {@code conversations}
 * store ({@link ConversationQueries#conversationsOfAgent}): fine for thousands of conversations,
 * and a turn asks once per speaker and conversation ({@link TurnRetrieval} keeps the answer). With
 * several orchestrator instances it sees the conversations this instance hosts.
 */
public final class StoreConversationMemory implements ConversationMemory {

    private final ConversationQueries queries;

    public StoreConversationMemory(ConversationQueries queries) {
        this.queries = queries;
    }

    @Override
    public List<PastConversation> earlier(
            String agentId, String conversationId, String sessionId, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        // Earlier = requested before the current conversation (by envelope time, as the store
        // keeps it); when the current one is not in this instance's store, every other one.
        long before =
                queries.conversation(conversationId)
                        .map(ConversationState::requestedAt)
                        .orElse(Long.MAX_VALUE);
        List<ConversationState> candidates = new ArrayList<>();
        for (String id : queries.conversationsOfAgent(agentId)) {
            if (id.equals(conversationId)) {
                continue;
            }
            Optional<ConversationState> state = queries.conversation(id);
            if (state.isEmpty() || state.get().requestedAt() > before) {
                continue;
            }
            if (sessionId != null && !Objects.equals(sessionId, state.get().sessionId())) {
                continue;
            }
            if (state.get().messageCount() == 0) {
                continue;
            }
            candidates.add(state.get());
        }
        candidates.sort(
                Comparator.comparingLong(ConversationState::requestedAt)
                        .reversed()
                        .thenComparing(ConversationState::conversationId));
        List<PastConversation> out = new ArrayList<>();
        for (ConversationState state : candidates.subList(0, Math.min(limit, candidates.size()))) {
            List<PastMessage> messages = new ArrayList<>();
            for (StoredMessage m : queries.messages(state.conversationId())) {
                messages.add(new PastMessage(m.agentId(), m.role(), m.content()));
            }
            out.add(
                    new PastConversation(
                            state.conversationId(),
                            state.topic(),
                            state.sessionId(),
                            state.requestedAt(),
                            messages));
        }
        return out;
    }
}
