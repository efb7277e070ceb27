package ams.agents;

import ams.agents.state.ActivityDelta;
import ams.agents.state.AgentActivity;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/**
 * Per-agent activity from conversation events: each participant of a requested conversation has
 * joined it; each non-user message counts for the agent that wrote it. Humans' messages (role USER,
 * whose agentId is a person's name) are not agent activity.
 */
final class ActivityFold {

    private ActivityFold() {}

    /** The contributions of one conversation event, keyed by agentId. */
    public static List<KeyValue<String, ActivityDelta>> deltas(ConversationEvent event) {
        Instant at = event.getEnvelope().getOccurredAt();
        if (event.getPayload() instanceof ConversationRequested requested) {
            return new LinkedHashSet<>(requested.getParticipants())
                    .stream().map(agentId -> KeyValue.pair(agentId, delta(0, 1, at))).toList();
        }
        if (event.getPayload() instanceof MessageAppended message
                && message.getRole() != MessageRole.USER) {
            return List.of(KeyValue.pair(message.getAgentId(), delta(1, 0, at)));
        }
        return List.of();
    }

    public static AgentActivity empty() {
        return AgentActivity.newBuilder()
                .setAgentId("")
                .setMessagesWritten(0)
                .setConversationsJoined(0)
                .setLastActiveAt(null)
                .build();
    }

    public static AgentActivity add(String agentId, ActivityDelta delta, AgentActivity activity) {
        Instant last = activity.getLastActiveAt();
        return AgentActivity.newBuilder()
                .setAgentId(agentId)
                .setMessagesWritten(activity.getMessagesWritten() + delta.getMessages())
                .setConversationsJoined(
                        activity.getConversationsJoined() + delta.getConversations())
                .setLastActiveAt(last == null || delta.getAt().isAfter(last) ? delta.getAt() : last)
                .build();
    }

    private static ActivityDelta delta(long messages, long conversations, Instant at) {
        return ActivityDelta.newBuilder()
                .setMessages(messages)
                .setConversations(conversations)
                .setAt(at)
                .build();
    }
}
