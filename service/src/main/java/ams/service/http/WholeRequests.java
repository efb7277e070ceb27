package ams.service.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads one connection's requests off its blocking socket, each whole: head and body, as the client
 * sent them. A request is handed to Jetty only once all of it is here, because Jetty runs it on the
 * thread that hands it in ({@link BlockingEndPoint}): a route that reads its body must never wait
 * for bytes only that same thread could fetch.
 *
 * <p>This class only frames requests (Content-Length, chunked, {@code Expect: 100-continue}); Jetty
 * parses and judges them. What it cannot frame it hands on as it is, as the connection's last
 * request, for Jetty to refuse in its own words.
 */
final class WholeRequests {

    /** Longer heads are handed on unframed: Jetty refuses them (its limit is lower). */
    static final int MAX_HEAD_BYTES = 64 * 1024;

    /** A chunk-size line longer than this is not one. */
    private static final int MAX_CHUNK_LINE = 1024;

    /** A connection that read a large body does not keep its buffer while it waits. */
    private static final int BUFFER_BYTES = 8 * 1024;

    private static final byte[] CONTINUE =
            "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** What to do with the next bytes of a connection. */
    sealed interface Next permits Whole, Last, Refused {}

    /** A whole request: hand it to Jetty, then read the next one. */
    @SuppressWarnings("ArrayRecordComponent") // handed on to Jetty, never compared
    record Whole(byte[] bytes) implements Next {}

    /**
     * Bytes this class cannot frame (a head too long, a length that is not one, a body larger than
     * allowed): hand them to Jetty, which answers them, and read no more from the connection.
     */
    @SuppressWarnings("ArrayRecordComponent") // handed on to Jetty, never compared
    record Last(byte[] bytes) implements Next {}

    /** A request refused here, before Jetty saw it; the connection is closed after the answer. */
    record Refused(int status, String message) implements Next {}

    private final SocketChannel channel;
    private final long maxBodyBytes;
    private final Runnable receiving;
    private byte[] buffer = new byte[BUFFER_BYTES];
    // Bytes read and not handed on yet are buffer[start, end).
    private int start;
    private int end;

    /**
     * {@code receiving} runs whenever bytes arrive (the connection is busy, not idle, while a large
     * body comes in).
     */
    WholeRequests(SocketChannel channel, long maxBodyBytes, Runnable receiving) {
        this.channel = channel;
        this.maxBodyBytes = maxBodyBytes;
        this.receiving = receiving;
    }

    /** The next request; null once the client has closed the connection between requests. */
    Next next() throws IOException {
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
                return last(end);
            }
            if (!fill(1)) {
                // Closed between requests, or in the middle of a head nobody will answer.
                return null;
            }
        }
        Fields fields = Fields.of(buffer, start, headEnd);
        if (fields.unframeable()) {
            return last(headEnd);
        }
        byte[] head = fields.headWithoutExpect(buffer, start, headEnd);
        if (fields.chunked()) {
            return chunked(head, headEnd, fields.expectsContinue());
        }
        long length = fields.contentLength();
        if (length <= 0) {
            start = headEnd;
            return new Whole(head);
        }
        if (length > maxBodyBytes) {
            // Jetty and the routes answer it (413 where a route reads a body) without its body.
            start = headEnd;
            return new Last(head);
        }
        int bodyLength = (int) length;
        // Offsets from start from here on: fill may move the bytes to a larger buffer.
        int needed = headEnd - start + bodyLength;
        if (fields.expectsContinue() && end - start < needed) {
            write(CONTINUE);
        }
        while (end - start < needed) {
            if (!fill(needed - (end - start))) {
                return null;
            }
        }
        byte[] request = Arrays.copyOf(head, head.length + bodyLength);
        System.arraycopy(buffer, start + needed - bodyLength, request, head.length, bodyLength);
        start += needed;
        return new Whole(request);
    }

    /** A chunked body: read to its last chunk and trailer, every byte handed on as sent. */
    private Next chunked(byte[] head, int headEnd, boolean expectsContinue) throws IOException {
        int bodyStart = headEnd - start;
        if (expectsContinue && end == headEnd) {
            write(CONTINUE);
        }
        int at = bodyStart; // relative to start: fill moves the bytes, not their offsets from start
        long payload = 0;
        while (true) {
            int lineEnd = lineEnd(at);
            if (lineEnd == CLOSED) {
                return null;
            }
            long size = lineEnd == TOO_LONG ? -1 : chunkSize(at, lineEnd);
            if (size < 0) {
                return new Refused(400, "the chunked request body is malformed (chunk size)");
            }
            at = lineEnd;
            if (size == 0) {
                // Trailer fields, up to an empty line.
                while (true) {
                    int trailerEnd = lineEnd(at);
                    if (trailerEnd == CLOSED) {
                        return null;
                    }
                    if (trailerEnd == TOO_LONG) {
                        return new Refused(
                                400,
                                "the chunked request body is malformed (a trailer field longer"
                                        + " than "
                                        + MAX_CHUNK_LINE
                                        + " bytes)");
                    }
                    boolean empty = trailerEnd - at <= 2;
                    at = trailerEnd;
                    if (empty) {
                        break;
                    }
                }
                break;
            }
            payload += size;
            if (payload > maxBodyBytes) {
                return new Refused(413, "request body too large");
            }
            int needed = at + (int) size + 2;
            while (end - start < needed) {
                if (!fill(needed - (end - start))) {
                    return null;
                }
            }
            at = needed;
        }
        int bodyLength = at - bodyStart;
        byte[] request = Arrays.copyOf(head, head.length + bodyLength);
        System.arraycopy(buffer, start + bodyStart, request, head.length, bodyLength);
        start += at;
        return new Whole(request);
    }

    private static final int CLOSED = -1;
    private static final int TOO_LONG = -2;

    /**
     * Where the line starting at {@code at} (relative to start) ends, after its LF, reading more as
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

    /** The chunk size on the line [at, lineEnd) (relative to start); -1 if it is not one. */
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

    private Last last(int upTo) {
        byte[] bytes = Arrays.copyOfRange(buffer, start, upTo);
        start = upTo;
        return new Last(bytes);
    }

    /**
     * Reads at least one more byte, with room for {@code wanted} more; false at the end of the
     * stream. Keeps the unread bytes at the same offsets from {@code start}.
     */
    private boolean fill(int wanted) throws IOException {
        int unread = end - start;
        if (buffer.length - end < Math.max(1, Math.min(wanted, 64 * 1024))) {
            long size = Math.max((long) buffer.length, (long) unread + Math.max(wanted, 1));
            byte[] target =
                    size > buffer.length ? new byte[(int) Math.min(size, 1L << 30)] : buffer;
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
                if (colon > line) {
                    String name =
                            new String(b, line, colon - line, StandardCharsets.ISO_8859_1).trim();
                    String value =
                            new String(
                                            b,
                                            colon + 1,
                                            lineEnd - colon - 1,
                                            StandardCharsets.ISO_8859_1)
                                    .trim();
                    if (name.equalsIgnoreCase("Content-Length")) {
                        long parsed = parseLength(value);
                        if (parsed < 0 || (length >= 0 && parsed != length)) {
                            unframeable = true;
                        }
                        length = parsed;
                    } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                        transferEncoding = true;
                        int comma = value.lastIndexOf(',');
                        chunked = value.substring(comma + 1).trim().equalsIgnoreCase("chunked");
                    } else if (name.equalsIgnoreCase("Expect")) {
                        expects = value.equalsIgnoreCase("100-continue");
                        // Answered here; Jetty would send a second 100 when the route reads.
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
            return new Fields(
                    length, chunked, expects, unframeable, expects ? expectFrom : -1, expectTo);
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
