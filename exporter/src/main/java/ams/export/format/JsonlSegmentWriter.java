package ams.export.format;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One JSON document per line, UTF-8; rows arrive already serialized. */
public final class JsonlSegmentWriter implements SegmentWriter<byte[]> {

    private final Path path;
    private final FileOutputStream file;
    private final BufferedOutputStream out;
    private long rows;
    private long bytes;

    public JsonlSegmentWriter(Path path) throws IOException {
        this.path = path;
        this.file = new FileOutputStream(path.toFile());
        this.out = new BufferedOutputStream(file, 1 << 16);
    }

    @Override
    public void write(byte[] line) throws IOException {
        out.write(line);
        out.write('\n');
        rows++;
        bytes += line.length + 1;
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
        out.flush();
        file.getFD().sync();
        out.close();
    }

    @Override
    public void abort() {
        try {
            out.close();
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
