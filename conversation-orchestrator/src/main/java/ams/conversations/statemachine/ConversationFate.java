package ams.conversations.statemachine;

import ams.service.fate.Fate;

/**
 * What became of one conversation write (a generate, a person's message, a cancel, a resume): the
 * state machine applied it, leaving the conversation in {@code conversationStatus} ({@code changed}
 * false: it changed nothing, e.g. a cancel of an ended conversation or a resume of a turn that is
 * no longer pending), or rejected it with the dead letter's reason.
 */
record ConversationFate(
        String conversationId,
        Status conversationStatus,
        boolean changed,
        String reason,
        String detail)
        implements Fate {

    static ConversationFate applied(String conversationId, Status status, boolean changed) {
        return new ConversationFate(conversationId, status, changed, null, null);
    }

    static ConversationFate rejected(String conversationId, String reason, String detail) {
        return new ConversationFate(conversationId, null, false, reason, detail);
    }

    @Override
    public String json(String eventId) {
        String head =
                Fate.head(eventId, "conversation", reason == null ? "applied" : "rejected")
                        + ",\"conversation_id\":"
                        + Fate.quote(conversationId);
        if (reason != null) {
            return head + Fate.rejection(reason, detail);
        }
        return head
                + ",\"conversation_status\":"
                + Fate.quote(conversationStatus == null ? null : conversationStatus.name())
                + ",\"changed\":"
                + changed
                + "}";
    }
}
