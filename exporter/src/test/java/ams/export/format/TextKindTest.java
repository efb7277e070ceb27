package ams.export.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link TextKind}'s eight-bytes-at-a-time scan against a byte-by-byte reading. */
class TextKindTest {

    @Test
    void oneSpecialByteAtEveryPositionOfPlainText() {
        byte[] specials = {'"', '\\', '\n', 0, 0x1F, (byte) 0x80, (byte) 0xC3, (byte) 0xFF};
        byte[] notSpecial = {' ', '!', '#', '/', '[', ']', '~', 0x7F, 'a', '0'};
        for (int length = 1; length <= 40; length++) {
            for (int at = 0; at < length; at++) {
                for (byte special : specials) {
                    byte[] text = plain(length);
                    text[at] = special;
                    assertKind(text, 0, length);
                }
                for (byte fine : notSpecial) {
                    byte[] text = plain(length);
                    text[at] = fine;
                    assertEquals(TextKind.PLAIN, TextKind.of(text, 0, length));
                }
            }
        }
    }

    @Test
    void randomSlicesOfRandomBytes() {
        SplittableRandom random = new SplittableRandom(18);
        for (int i = 0; i < 200_000; i++) {
            byte[] bytes = new byte[random.nextInt(1, 70)];
            for (int j = 0; j < bytes.length; j++) {
                // Mostly printable ASCII, so that all three kinds come up often.
                int pick = random.nextInt(100);
                bytes[j] =
                        (byte)
                                (pick < 94
                                        ? 0x20 + random.nextInt(0x5F)
                                        : pick < 97 ? random.nextInt(0x20) : random.nextInt(256));
            }
            int offset = random.nextInt(bytes.length);
            int length = random.nextInt(bytes.length - offset + 1);
            assertKind(bytes, offset, length);
        }
    }

    private static void assertKind(byte[] bytes, int offset, int length) {
        assertEquals(
                reference(bytes, offset, length),
                TextKind.of(bytes, offset, length),
                () -> Arrays.toString(Arrays.copyOfRange(bytes, offset, offset + length)));
    }

    /** What Jackson's UTF-8 generator escapes: control characters, quote and backslash. */
    private static TextKind reference(byte[] bytes, int offset, int length) {
        TextKind kind = TextKind.PLAIN;
        for (int i = offset; i < offset + length; i++) {
            int b = bytes[i] & 0xFF;
            if (b >= 0x80) {
                return TextKind.OTHER;
            }
            if (b < 0x20 || b == '"' || b == '\\') {
                kind = TextKind.ASCII;
            }
        }
        return kind;
    }

    private static byte[] plain(int length) {
        byte[] text = new byte[length];
        for (int i = 0; i < length; i++) {
            text[i] = (byte) ('a' + i % 26);
        }
        return text;
    }
}
