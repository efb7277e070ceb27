package ams.export.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One JSON document per line, UTF-8; rows arrive already serialized. Lines are gathered in a direct
 * buffer and written from it: a {@code FileOutputStream} copies every write of more than 8 KiB into
 * a native buffer it allocates for the call, one more copy of every byte of the file.
 */
public final class JsonlSegmentWriter implements SegmentWriter<byte[]> {

    private static final int BUFFER_BYTES = 1 << 18;

    private final Path path;
    private final FileChannel file;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private long rows;
    private long bytes;

    public JsonlSegmentWriter(Path path) throws IOException {
        this.path = path;
        this.file =
                FileChannel.open(
                        path,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
    }

    @Override
    public void write(byte[] line) throws IOException {
        if (buffer.remaining() < line.length + 1) {
            drain();
            if (line.length + 1 > buffer.capacity()) {
                writeFully(ByteBuffer.wrap(line));
                writeFully(ByteBuffer.wrap(new byte[] {'\n'}));
                count(line);
                return;
            }
        }
        buffer.put(line).put((byte) '\n');
        count(line);
    }

    private void count(byte[] line) {
        rows++;
        bytes += line.length + 1;
    }

    private void drain() throws IOException {
        buffer.flip();
        writeFully(buffer);
        buffer.clear();
    }

    private void writeFully(ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            file.write(data);
        }
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void finish() throws IOException {
        drain();
        file.force(true);
        file.close();
    }

    @Override
    public void abort() {
        try {
            file.close();
        } catch (IOException ignored) {
            // The file is deleted next; a failed close changes nothing.
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Left behind as *.inprogress, which the next start deletes.
        }
    }
}
