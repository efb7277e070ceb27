package ams.conversations.http;

import ams.events.InvalidRequestException;
import java.util.List;

/**
 * The body of {@code POST /conversations/{id}/messages}: a human's message into a conversation,
 * with the media it carries named by the hashes {@code POST /media} answered.
 */
public record HumanMessageRequest(String author, String content, List<String> media) {

    /** Most media objects one message may carry. */
    public static final int MAX_MEDIA = 16;

    public HumanMessageRequest {
        if (author == null || author.isBlank() || content == null || content.isBlank()) {
            throw new InvalidRequestException("Both 'author' and 'content' are required");
        }
        media = media == null ? List.of() : List.copyOf(media);
        if (media.size() > MAX_MEDIA) {
            throw new InvalidRequestException(
                    "'media' names "
                            + media.size()
                            + " objects; a message carries at most "
                            + MAX_MEDIA);
        }
    }

    public HumanMessageRequest(String author, String content) {
        this(author, content, List.of());
    }
}
