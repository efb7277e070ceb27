package ams.conversations.http;

import ams.events.InvalidRequestException;

/** The body of {@code POST /conversations/{id}/messages}: a human's message into a conversation. */
public record HumanMessageRequest(String author, String content) {

    public HumanMessageRequest {
        if (author == null || author.isBlank() || content == null || content.isBlank()) {
            throw new InvalidRequestException("Both 'author' and 'content' are required");
        }
    }
}
