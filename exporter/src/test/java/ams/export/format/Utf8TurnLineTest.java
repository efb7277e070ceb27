package ams.export.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.serde.EventSerdes;
import ams.events.serde.SingleObjectSerde;
import ams.events.serde.Utf8Decoder;
import ams.testkit.TestEvents;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The turns-only sink writes its lines from events decoded with UTF-8 strings ({@link Utf8Turns});
 * every line must be byte for byte the line of the generated classes' path.
 */
class Utf8TurnLineTest {

    private final SingleObjectSerde<ConversationEvent> serde = EventSerdes.conversationEvents();
    private final Utf8Decoder utf8 = serde.utf8Decoder(Utf8Turns.FIELDS);
    private final Utf8Turns turns = new Utf8Turns(utf8.schema());
    private final JsonFormats generatedPath = new JsonFormats();
    private final JsonFormats utf8Path = new JsonFormats();
    private final TurnBytes turnBytes = new TurnBytes();
    private final JsonFormats bytesPath = new JsonFormats();

    @Test
    void everyLineIsTheGeneratedClassesLine() {
        List<String> texts =
                new ArrayList<>(
                        List.of(
                                "plain ascii words",
                                "",
                                " ",
                                "quotes \" and backslash \\ and slash /",
                                "control \u0000\u0001\b\t\n\f\r\u001f and DEL \u007f",
                                "Grüße, café, naïve, Ελληνικά, русский, 日本語, 한국어",
                                "emoji 😀👩‍👩‍👧 and 𝄞 outside the BMP",
                                "line separators \u2028\u2029 and BOM \ufeff",
                                "mixed ascii then é at the end é",
                                "\u00ff\u0100\u07ff\u0800\uffff"));
        // Plain ASCII with one character that needs escaping, or is not ASCII, at every position
        // (the scan reads eight bytes at a time), and the same without it.
        String plain = "The quick brown fox jumps over the lazy dog 0123456789 /[]~";
        for (String special : List.of("\"", "\\", "\n", "\u001f", "\u007f", "é", "😀")) {
            for (int at = 0; at <= plain.length(); at += 3) {
                texts.add(plain.substring(0, at) + special + plain.substring(at));
            }
        }
        texts.add(plain);
        texts.add(plain.repeat(40));
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(40);
            for (int j = 0; j < length; j++) {
                int kind = random.nextInt(6);
                text.append(
                        switch (kind) {
                            case 0 -> (char) random.nextInt(0x20);
                            case 1 -> (char) (0x20 + random.nextInt(0x60));
                            case 2 -> (char) (0x80 + random.nextInt(0x780));
                            case 3 -> (char) (0x800 + random.nextInt(0xD000));
                            case 4 ->
                                    new String(Character.toChars(0x10000 + random.nextInt(0x1000)));
                            default -> "\"\\";
                        });
            }
            texts.add(text.toString());
        }
        List<String> metadata =
                List.of(
                        "{}",
                        "",
                        "   ",
                        "{\"topic\":\"x\",\"n\":[1,2.5,true,null]}",
                        "not json at all",
                        "[1,2]",
                        "\"a string\"",
                        "{\"unicode\":\"é😀\\u0001\"}",
                        "{\"broken\":",
                        "{ }");
        // Event times: whole seconds, milliseconds, before 1970, a leap day, a year past 9999.
        long[] times = {
            Instant.parse("2026-12-05T05:00:00Z").toEpochMilli(),
            Instant.parse("2026-12-05T05:00:00.999Z").toEpochMilli(),
            Instant.parse("1969-12-31T23:59:59.001Z").toEpochMilli(),
            Instant.parse("2024-02-29T23:59:59.990Z").toEpochMilli(),
            Instant.parse("+10000-01-01T00:00:00Z").toEpochMilli(),
            0L
        };
        int lines = 0;
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            MessageRole role = MessageRole.values()[i % MessageRole.values().length];
            ConversationEvent event =
                    withMessage(
                            TestEvents.messageAppended(
                                    i % 3 == 0 ? "conv-" + text : "conv-" + i,
                                    i,
                                    i % 4 == 0 ? "agent " + text : "agent-" + i,
                                    text),
                            role,
                            metadata.get(i % metadata.size()),
                            i % 5 == 0 ? "msg-" + text : "msg-" + i);
            event = at(event, times[i % times.length] + i * 37L);
            byte[] bytes = serde.encode(event);
            byte[] expected = generatedLine(bytes);
            Utf8Turns.Turn turn = turns.read(utf8.decode(bytes));
            assertTrue(turn.message());
            byte[] actual = utf8Path.turnLine(turn);
            assertEquals(
                    new String(expected, StandardCharsets.UTF_8),
                    new String(actual, StandardCharsets.UTF_8),
                    "text #" + i);
            assertEquals(
                    java.util.HexFormat.of().formatHex(expected),
                    java.util.HexFormat.of().formatHex(actual),
                    "bytes of text #" + i);
            Utf8Turns.Turn fast = turnBytes.read(bytes);
            assertTrue(fast != null, "the common case is read from the bytes, text #" + i);
            assertEquals(
                    java.util.HexFormat.of().formatHex(expected),
                    java.util.HexFormat.of().formatHex(bytesPath.turnLine(fast)),
                    "bytes of text #" + i + " read straight from the value");
            lines++;
        }
        assertEquals(texts.size(), lines);
    }

    @Test
    void eventsThatAreNotMessagesGiveNoLineButTheirTime() {
        ConversationEvent completed = TestEvents.completed("conv-1", 3);
        Utf8Turns.Turn turn = turns.read(utf8.decode(serde.encode(completed)));
        assertFalse(turn.message());
        assertEquals("conv-1", turn.conversationId().toString());
        assertEquals(
                completed.getEnvelope().getOccurredAt().toEpochMilli(), turn.occurredAtMillis());
    }

    private byte[] generatedLine(byte[] bytes) {
        ConversationEvent decoded = serde.decode(bytes);
        MessageAppended m = (MessageAppended) decoded.getPayload();
        Instant at = decoded.getEnvelope().getOccurredAt();
        return generatedPath.turnLine(decoded.getConversationId(), m, at);
    }

    private static ConversationEvent at(ConversationEvent event, long epochMillis) {
        return ConversationEvent.newBuilder(event)
                .setEnvelope(
                        ams.events.Envelope.newBuilder(event.getEnvelope())
                                .setOccurredAt(Instant.ofEpochMilli(epochMillis))
                                .build())
                .build();
    }

    private static ConversationEvent withMessage(
            ConversationEvent event, MessageRole role, String metadata, String messageId) {
        MessageAppended m = (MessageAppended) event.getPayload();
        return ConversationEvent.newBuilder(event)
                .setPayload(
                        MessageAppended.newBuilder(m)
                                .setRole(role)
                                .setMetadataJson(metadata)
                                .setMessageId(messageId)
                                .build())
                .build();
    }
}
