package ams.conversations.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.conversations.statemachine.StoredMessage;
import ams.service.http.ServiceJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConversationJsonTest {

    private final ConversationJson json = new ConversationJson();

    private static StoredMessage message(
            int seq, StoredMessage.Usage usage, Long latency, String metadata, String content) {
        return new StoredMessage(
                "c1",
                seq,
                "m" + seq,
                seq,
                "ada",
                "assistant",
                content,
                "chat",
                1_700_000_000_123L + seq,
                seq % 2 == 0 ? "scripted" : null,
                usage,
                latency,
                seq % 2 == 0 ? List.of("d1", "d2") : List.of(),
                metadata,
                seq % 3 == 0 ? null : "s1");
    }

    @Test
    void shouldWriteTheMessagesAsTheTreeWouldByteForByte() {
        List<StoredMessage> messages =
                List.of(
                        message(0, null, null, null, "plain"),
                        message(1, new StoredMessage.Usage(3, 4, 7, true), 12L, "{}", null),
                        message(2, new StoredMessage.Usage(1, 2, 3, false), 5L, "", "é \"q\" \n"),
                        message(
                                3,
                                null,
                                0L,
                                "{\"retrieval\":{\"hits\":[1,2.5,\"x\"]},\"n\":null}",
                                "x"),
                        message(4, null, null, "not json {", "y"),
                        message(5, null, null, "  ", "z"));

        String streamed = new String(json.messagesBytes("c1", messages), StandardCharsets.UTF_8);
        String tree = ServiceJson.write(json.messages("c1", messages));

        assertEquals(tree, streamed);
    }

    @Test
    void shouldWriteAConversationWithoutMessages() {
        assertEquals(
                "{\"conversation_id\":\"c1\",\"messages\":[]}",
                new String(json.messagesBytes("c1", List.of()), StandardCharsets.UTF_8));
    }
}
