package ams.testkit.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** A chat-completions request as the fake server received it. */
public record ChatRequest(String model, List<Message> messages, boolean stream, JsonNode body) {

    /**
     * One message of the request: role (system, user, assistant), its text (the text parts joined
     * when the content is an array of parts) and the {@code image_url} URLs of its image parts.
     */
    public record Message(String role, String content, List<String> imageUrls) {

        public Message {
            imageUrls = List.copyOf(imageUrls);
        }

        public Message(String role, String content) {
            this(role, content, List.of());
        }
    }

    /** Every image part's URL (a data URL for inline bytes), in message order. */
    public List<String> imageUrls() {
        return messages.stream().flatMap(m -> m.imageUrls().stream()).toList();
    }

    public String systemPrompt() {
        return messages.stream()
                .filter(m -> m.role().equals("system"))
                .map(Message::content)
                .reduce((a, b) -> a + "\n" + b)
                .orElse("");
    }

    /** Every message's content joined, for assertions like "the prompt mentions X". */
    public String allText() {
        return String.join("\n", messages.stream().map(Message::content).toList());
    }

    public String lastUserMessage() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role().equals("user")) {
                return messages.get(i).content();
            }
        }
        return "";
    }
}
