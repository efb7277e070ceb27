package ams.service.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads one connection's requests off its blocking socket and hands them to Jetty ({@link
 * BlockingEndPoint}), as the client sent them. This class only frames requests (Content-Length,
 * chunked, {@code Expect: 100-continue}); Jetty parses and judges them.
 *
 * <p>A request with a body of up to {@link #INLINE_BODY_BYTES} is handed over whole and runs on the
 * connection's thread: Jetty runs what it is given on the thread that gives it, and a route that
 * reads its body must never wait for bytes only that same thread could fetch. A larger body (media,
 * JSON Lines jobs) is streamed instead: the head and the first bytes start the request on the
 * server's pool, and this thread passes the rest on as it arrives, no faster than the route reads
 * it ({@link BlockingEndPoint#give}).
 *
 * <p>What it cannot frame (conflicting lengths, an unknown transfer coding, a head longer than
 * {@link #MAX_HEAD_BYTES}) is handed on as it is, as the connection's last request, for Jetty to
 * refuse in its own words.
 */
final class WholeRequests {

    /** Longer heads are handed on unframed: Jetty refuses them (its limit is lower). */
    static final int MAX_HEAD_BYTES = 64 * 1024;

    /** Bodies up to this size are read whole and run on the connection's thread. */
    static final int INLINE_BODY_BYTES = 64 * 1024;

    /** A chunk-size or trailer line longer than this is not one. */
    private static final int MAX_CHUNK_LINE = 4096;

    /** A connection that read a large request does not keep its buffer while it waits. */
    private static final int BUFFER_BYTES = 8 * 1024;

    private static final byte[] CONTINUE =
            "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** Where a connection's requests go: Jetty, through the connection's endpoint. */
    interface Jetty {

        /** A whole request: Jetty runs it on this thread. */
        void whole(byte[] request);

        /** The start of a request whose body follows: Jetty runs it on its pool. */
        void start(byte[] headAndFirstBytes);

        /** More of the body just started, once Jetty has room for it. */
        void more(byte[] bytes) throws IOException;
    }

    /** What became of the next bytes of a connection. */
    enum Next {
        /** A request was handed to Jetty: read the next one. */
        HANDED,
        /**
         * Bytes that cannot be framed were handed to Jetty: it answers them; read no more from the
         * connection.
         */
        LAST,
        /** The client closed the connection (between requests, or in the middle of one). */
        CLOSED
    }

    private final SocketChannel channel;
    private final Runnable receiving;
    private byte[] buffer = new byte[BUFFER_BYTES];
    // Bytes read and not handed on yet are buffer[start, end).
    private int start;
    private int end;

    /**
     * {@code receiving} runs whenever bytes arrive (the connection is busy, not idle, while a large
     * body comes in).
     */
    WholeRequests(SocketChannel channel, Runnable receiving) {
        this.channel = channel;
        this.receiving = receiving;
    }

    /** Reads the next request and hands it to {@code jetty}. */
    Next next(Jetty jetty) throws IOException {
        if (end == start && buffer.length > BUFFER_BYTES) {
            buffer = new byte[BUFFER_BYTES];
            start = 0;
            end = 0;
        }
        int headEnd;
        int scanned = 0;
        while (true) {
            // Line breaks between requests (allowed, and sent by some clients after a body).
            while (start < end && (buffer[start] == '\r' || buffer[start] == '\n')) {
                start++;
            }
            headEnd = headEnd(scanned);
            if (headEnd >= 0) {
                break;
            }
            scanned = Math.max(0, end - start - 3);
            if (end - start >= MAX_HEAD_BYTES) {
                jetty.whole(take(end - start));
                return Next.LAST;
            }
            if (!fill(1)) {
                return Next.CLOSED;
            }
        }
        Fields fields = Fields.of(buffer, start, headEnd);
        int headLength = headEnd - start;
        if (fields.unframeable()) {
            jetty.whole(take(headLength));
            return Next.LAST;
        }
        byte[] head = fields.headWithoutExpect(buffer, start, headEnd);
        if (fields.expectsContinue() && end == headEnd) {
            // The client waits for this before it sends the body; Jetty does not see the Expect.
            write(CONTINUE);
        }
        if (fields.chunked()) {
            start = headEnd;
            return chunked(head, jetty);
        }
        long length = Math.max(0, fields.contentLength());
        if (length <= INLINE_BODY_BYTES) {
            int needed = headLength + (int) length;
            while (end - start < needed) {
                if (!fill(needed - (end - start))) {
                    return Next.CLOSED;
                }
            }
            start += headLength;
            jetty.whole(concat(head, take((int) length)));
            return Next.HANDED;
        }
        // A large body: started with what is here, the rest passed on as it comes.
        start += headLength;
        int here = (int) Math.min(length, end - start);
        jetty.start(concat(head, take(here)));
        long left = length - here;
        while (left > 0) {
            if (!fill((int) Math.min(left, INLINE_BODY_BYTES))) {
                return Next.CLOSED;
            }
            int piece = (int) Math.min(left, end - start);
            jetty.more(take(piece));
            left -= piece;
        }
        return Next.HANDED;
    }

    /**
     * A chunked body: read whole if it ends within {@link #INLINE_BODY_BYTES}, else started with
     * what is here and passed on piece by piece to its last chunk and trailer; every byte as sent.
     */
    private Next chunked(byte[] head, Jetty jetty) throws IOException {
        boolean started = false;
        int at = 0; // offset from start of the next unparsed byte of the body
        while (true) {
            if (!started && at > INLINE_BODY_BYTES) {
                jetty.start(concat(head, take(at)));
                at = 0;
                started = true;
            } else if (started && at > 0) {
                jetty.more(take(at));
                at = 0;
            }
            int lineEnd = lineEnd(at);
            if (lineEnd == CLOSED) {
                return Next.CLOSED;
            }
            long size = lineEnd == TOO_LONG ? -1 : chunkSize(at, lineEnd);
            if (size < 0) {
                // Jetty refuses it (400): what it is given ends with the line that broke.
                byte[] rest = take(lineEnd == TOO_LONG ? end - start : lineEnd);
                if (started) {
                    jetty.more(rest);
                } else {
                    jetty.whole(concat(head, rest));
                }
                return Next.LAST;
            }
            at = lineEnd;
            if (size == 0) {
                // Trailer fields, up to an empty line.
                while (true) {
                    int trailerEnd = lineEnd(at);
                    if (trailerEnd == CLOSED) {
                        return Next.CLOSED;
                    }
                    if (trailerEnd == TOO_LONG) {
                        trailerEnd = end - start;
                    }
                    boolean empty = trailerEnd - at <= 2;
                    at = trailerEnd;
                    if (empty) {
                        break;
                    }
                }
                byte[] rest = take(at);
                if (started) {
                    jetty.more(rest);
                } else {
                    jetty.whole(concat(head, rest));
                }
                return Next.HANDED;
            }
            // The chunk's data and its CRLF, passed on in pieces when it is large.
            long left = size + 2;
            while (left > 0) {
                if (end - start == at && !fill(1)) {
                    return Next.CLOSED;
                }
                int here = (int) Math.min(left, end - start - at);
                at += here;
                left -= here;
                if (left > 0 && at > INLINE_BODY_BYTES) {
                    if (!started) {
                        jetty.start(concat(head, take(at)));
                        started = true;
                    } else {
                        jetty.more(take(at));
                    }
                    at = 0;
                }
            }
        }
    }

    private static final int CLOSED = -1;
    private static final int TOO_LONG = -2;

    /**
     * Where the line starting at {@code at} (offset from start) ends, after its LF, reading more as
     * needed; {@link #CLOSED} if the connection closed first, {@link #TOO_LONG} past {@link
     * #MAX_CHUNK_LINE} bytes.
     */
    private int lineEnd(int at) throws IOException {
        int scanned = at;
        while (true) {
            for (int i = start + scanned; i < end; i++) {
                if (buffer[i] == '\n') {
                    return i + 1 - start;
                }
            }
            scanned = end - start;
            if (scanned - at > MAX_CHUNK_LINE) {
                return TOO_LONG;
            }
            if (!fill(1)) {
                return CLOSED;
            }
        }
    }

    /** The chunk size on the line [at, lineEnd) (offsets from start); -1 if it is not one. */
    private long chunkSize(int at, int lineEnd) {
        long size = 0;
        int digits = 0;
        for (int i = start + at; i < start + lineEnd; i++) {
            int digit = Character.digit(buffer[i], 16);
            if (digit < 0) {
                byte b = buffer[i];
                if (b == ';' || b == '\r' || b == '\n' || b == ' ' || b == '\t') {
                    break;
                }
                return -1;
            }
            if (++digits > 15) {
                return -1;
            }
            size = size * 16 + digit;
        }
        return digits == 0 ? -1 : size;
    }

    /** The index after the empty line that ends the head at start, or -1 if not all here. */
    private int headEnd(int scanned) {
        for (int i = start + Math.max(0, scanned); i < end; i++) {
            if (buffer[i] == '\n') {
                if (i + 1 < end && buffer[i + 1] == '\n') {
                    return i + 2;
                }
                if (i + 2 < end && buffer[i + 1] == '\r' && buffer[i + 2] == '\n') {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    /** The next {@code length} unread bytes, now read. */
    private byte[] take(int length) {
        byte[] bytes = Arrays.copyOfRange(buffer, start, start + length);
        start += length;
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /**
     * Reads at least one more byte, with room for up to {@code wanted} more (at most what a request
     * handed over whole can hold); false at the end of the stream. Unread bytes keep their offsets
     * from {@code start}.
     */
    private boolean fill(int wanted) throws IOException {
        if (start == end) {
            start = 0;
            end = 0;
        }
        int unread = end - start;
        int room = Math.max(1, Math.min(wanted, MAX_HEAD_BYTES + INLINE_BODY_BYTES));
        if (buffer.length - end < room) {
            byte[] target =
                    unread + room > buffer.length
                            ? new byte[Math.max(buffer.length * 2, unread + room)]
                            : buffer;
            System.arraycopy(buffer, start, target, 0, unread);
            buffer = target;
            end = unread;
            start = 0;
        }
        int read = channel.read(ByteBuffer.wrap(buffer, end, buffer.length - end));
        if (read < 0) {
            return false;
        }
        end += read;
        receiving.run();
        return true;
    }

    private void write(byte[] bytes) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    /** The fields of a head this class needs to find the end of its request. */
    private record Fields(
            long contentLength,
            boolean chunked,
            boolean expectsContinue,
            boolean unframeable,
            int expectFrom,
            int expectTo) {

        static Fields of(byte[] b, int from, int to) {
            long length = -1;
            boolean chunked = false;
            boolean transferEncoding = false;
            boolean expects = false;
            boolean unframeable = false;
            int expectFrom = -1;
            int expectTo = -1;
            int line = nextLine(b, from, to); // after the request line
            while (line < to) {
                int lineEnd = nextLine(b, line, to);
                int colon = indexOf(b, line, lineEnd, (byte) ':');
                // Names compared in place: no String per field of every request, only for the
                // value of one of the three fields this class reads.
                if (colon > line) {
                    if (named(b, line, colon, "Content-Length")) {
                        long parsed = parseLength(value(b, colon, lineEnd));
                        if (parsed < 0 || length >= 0) {
                            // Jetty refuses a second Content-Length, equal or not.
                            unframeable = true;
                        }
                        length = parsed;
                    } else if (named(b, line, colon, "Transfer-Encoding")) {
                        transferEncoding = true;
                        String value = value(b, colon, lineEnd);
                        int comma = value.lastIndexOf(',');
                        chunked = value.substring(comma + 1).trim().equalsIgnoreCase("chunked");
                    } else if (named(b, line, colon, "Expect")
                            && value(b, colon, lineEnd).equalsIgnoreCase("100-continue")) {
                        // Answered here; Jetty would send a second 100 when the route reads.
                        expects = true;
                        expectFrom = line;
                        expectTo = lineEnd;
                    }
                }
                line = lineEnd;
            }
            if (transferEncoding && (!chunked || length >= 0)) {
                // Only Jetty knows how to refuse these (400, 501).
                unframeable = true;
            }
            return new Fields(length, chunked, expects, unframeable, expectFrom, expectTo);
        }

        /** The head as handed to Jetty: without the Expect field this class answered. */
        byte[] headWithoutExpect(byte[] b, int from, int to) {
            if (expectFrom < 0) {
                return Arrays.copyOfRange(b, from, to);
            }
            byte[] head = new byte[(to - from) - (expectTo - expectFrom)];
            System.arraycopy(b, from, head, 0, expectFrom - from);
            System.arraycopy(b, expectTo, head, expectFrom - from, to - expectTo);
            return head;
        }

        /** Whether the field name in [from, colon), spaces around it ignored, is {@code name}. */
        private static boolean named(byte[] b, int from, int colon, String name) {
            while (from < colon && (b[from] == ' ' || b[from] == '\t')) {
                from++;
            }
            while (colon > from && (b[colon - 1] == ' ' || b[colon - 1] == '\t')) {
                colon--;
            }
            if (colon - from != name.length()) {
                return false;
            }
            for (int i = 0; i < name.length(); i++) {
                if (Character.toLowerCase((char) (b[from + i] & 0xff))
                        != Character.toLowerCase(name.charAt(i))) {
                    return false;
                }
            }
            return true;
        }

        /** The value of the field whose colon is at {@code colon}, trimmed. */
        private static String value(byte[] b, int colon, int lineEnd) {
            return new String(b, colon + 1, lineEnd - colon - 1, StandardCharsets.ISO_8859_1)
                    .trim();
        }

        private static long parseLength(String value) {
            if (value.isEmpty() || value.length() > 18) {
                return -1;
            }
            long length = 0;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                length = length * 10 + (c - '0');
            }
            return length;
        }

        private static int nextLine(byte[] b, int from, int to) {
            int lf = indexOf(b, from, to, (byte) '\n');
            return lf < 0 ? to : lf + 1;
        }

        private static int indexOf(byte[] b, int from, int to, byte wanted) {
            for (int i = from; i < to; i++) {
                if (b[i] == wanted) {
                    return i;
                }
            }
            return -1;
        }
    }
}
