package ams.testkit.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 keep-alive connection that sends GETs and reads their answers, for the load
 * generator: status, headers and a Content-Length or chunked body, which it skips. Reconnects when
 * the server closes.
 */
final class HttpConnection implements AutoCloseable {

    private final String host;
    private final int port;
    private static final byte[] GET = "GET ".getBytes(StandardCharsets.US_ASCII);

    private final StringBuilder line = new StringBuilder(128);
    private final byte[] requestTail;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    HttpConnection(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.requestTail =
                (" HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
        connect();
    }

    /** Sends {@code GET path} and returns the answer's status once its body is read. */
    int get(String path) throws IOException {
        if (socket == null) {
            connect();
        }
        out.write(GET);
        for (int i = 0; i < path.length(); i++) {
            out.write(path.charAt(i)); // a path is ASCII (percent-encoded)
        }
        out.write(requestTail);
        out.flush();
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.1 answer: '" + statusLine + "'");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String header = readLine(); !header.isEmpty(); header = readLine()) {
            int colon = header.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.equalsIgnoreCase("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> {}
            }
        }
        if (chunked) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                skip(size);
                readLine();
            }
            while (!readLine().isEmpty()) {
                // trailers
            }
        } else if (length >= 0) {
            skip(length);
        } else {
            close = true; // the body runs to the end of the connection
        }
        if (close) {
            close();
        }
        return status;
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing a connection we give up on: nothing to do
            }
            socket = null;
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(60_000);
        s.connect(new InetSocketAddress(host, port), 10_000);
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = new BufferedOutputStream(s.getOutputStream(), 1024);
    }

    private long chunkSize() throws IOException {
        String size = readLine();
        int ext = size.indexOf(';');
        return Long.parseLong((ext < 0 ? size : size.substring(0, ext)).trim(), 16);
    }

    private void skip(long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("connection closed inside a body");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    private String readLine() throws IOException {
        line.setLength(0);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed by the server");
            }
            if (b == '\n') {
                int last = line.length() - 1;
                if (last >= 0 && line.charAt(last) == '\r') {
                    line.setLength(last);
                }
                return line.toString();
            }
            line.append((char) b);
        }
    }
}
