package ams.export.format;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * What a UTF-8 text needs to become a JSON string as Jackson writes it: nothing ({@link #PLAIN}:
 * printable ASCII without {@code "} or {@code \}, copied as it is), escaping ({@link #ASCII}:
 * control characters, quotes, backslashes) or more ({@link #OTHER}: characters outside ASCII). One
 * scan, eight bytes at a time.
 */
enum TextKind {
    PLAIN,
    ASCII,
    OTHER;

    /** Reads eight bytes of an array as one long (any byte order: each byte is tested alone). */
    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
    private static final long SPACES = 0x2020202020202020L;

    static TextKind of(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            long x = (long) LONGS.get(bytes, i);
            if ((x & HIGHS) != 0) {
                return OTHER;
            }
            // With no high bit set: a byte below 0x20, or one equal to '"' or '\' (zero after the
            // xor), borrows into its high bit (the classic "has less than" / "has zero" tests;
            // exact for whether any byte matches, not for which).
            long control = (x - SPACES) & ~x;
            long quote = ((x ^ QUOTES) - ONES) & ~(x ^ QUOTES);
            long backslash = ((x ^ BACKSLASHES) - ONES) & ~(x ^ BACKSLASHES);
            if (((control | quote | backslash) & HIGHS) != 0) {
                return asciiFrom(bytes, i, end);
            }
        }
        for (; i < end; i++) {
            byte b = bytes[i];
            if (b < 0) {
                return OTHER;
            }
            if (b < 0x20 || b == '"' || b == '\\') {
                return asciiFrom(bytes, i, end);
            }
        }
        return PLAIN;
    }

    /** {@link #ASCII} or {@link #OTHER}: the text needs escaping from {@code i} on. */
    private static TextKind asciiFrom(byte[] bytes, int i, int end) {
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            if (((long) LONGS.get(bytes, i) & HIGHS) != 0) {
                return OTHER;
            }
        }
        for (; i < end; i++) {
            if (bytes[i] < 0) {
                return OTHER;
            }
        }
        return ASCII;
    }
}
