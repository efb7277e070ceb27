package ams.export.format;

import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;

/**
 * One row of the messages table as the decoded event itself: {@link MessageWriteSupport} writes the
 * columns straight from it, so no intermediate record is built per row.
 */
public record MessageRow(
        ConversationEvent event, MessageAppended message, int partition, long offset) {}
