package ams.export.sink;

import ams.export.format.AtomicFiles;
import ams.export.format.SegmentWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of one dataset for one topic partition. Files form a chain of offset ranges: each
 * starts where the previous one ended, and the next offset to write is derived from the file names
 * on disk, so a crash loses only the unpublished {@code *.inprogress} file, which is re-written
 * from the log after restart. Records below {@link #next()} are already on disk and are skipped.
 */
final class PartitionSink<R> {

    private static final Logger log = LoggerFactory.getLogger(PartitionSink.class);

    /** A row and the sub-directory it belongs in ("" or e.g. {@code date=2026-11-25}). */
    public record Row<R>(R value, String subdirectory) {}

    private final Dataset<R> dataset;
    private final Path root;
    private final String topic;
    private final int partition;
    private final RotationPolicy rotation;

    /**
     * First offset not yet in a published file; -1 when no file was ever published. Written by the
     * sink's writer thread, read by its consumer thread (status, dead letters).
     */
    private volatile long next = -1;

    /**
     * Where a restart has to begin reading for this sink (conversation-level: may be before next).
     */
    private long resume = -1;

    /** Last offset handed to this sink at or after next; -1 when none yet. */
    private long lastOffset = -1;

    private long publishedFiles;

    private SegmentWriter<R> open;
    private Path openTemp;
    private String openSubdirectory;
    private long openStart;
    private long openFirstRecordTime;
    private long openedAtWallClock;

    public PartitionSink(
            Dataset<R> dataset,
            Path datasetRoot,
            String topic,
            int partition,
            RotationPolicy rotation) {
        this.dataset = dataset;
        this.root = datasetRoot.resolve(dataset.directory());
        this.topic = topic;
        this.partition = partition;
        this.rotation = rotation;
    }

    public Dataset<R> dataset() {
        return dataset;
    }

    /** Deletes this partition's stale temporary files and finds the chain's end on disk. */
    public void recover() throws IOException {
        String prefix = topic + "+" + partition + "+";
        for (Path stale :
                AtomicFiles.find(
                        root, n -> n.startsWith(prefix) && n.endsWith(SegmentName.IN_PROGRESS))) {
            Files.deleteIfExists(stale);
            log.info("Deleted unpublished file {} left by an earlier run", stale);
        }
        SegmentName last = null;
        for (Path file : AtomicFiles.find(root, n -> n.startsWith(prefix))) {
            SegmentName name = SegmentName.parse(file.getFileName().toString()).orElse(null);
            if (name != null
                    && name.topic().equals(topic)
                    && name.partition() == partition
                    && name.extension().equals(dataset.extension())
                    && (last == null || name.end() > last.end())) {
                last = name;
            }
        }
        next = last == null ? -1 : last.end() + 1;
        resume = last == null ? -1 : last.resume();
        lastOffset = -1;
    }

    public long next() {
        return next;
    }

    /**
     * Where reading must start so that this sink sees everything it still needs; -1 = from the
     * beginning.
     */
    public long resume() {
        return resume;
    }

    public long publishedFiles() {
        return publishedFiles;
    }

    /** True when the record at {@code offset} is already in this sink's published files. */
    public boolean alreadyWritten(long offset) {
        return offset < next;
    }

    /**
     * Writes the rows a record produced (possibly none). {@code resumeAfter} maps the last offset
     * of a file to the offset a restart must re-read from (identity + 1 for row-level datasets).
     */
    public void accept(
            long offset, long recordTime, List<Row<R>> rows, LongUnaryOperator resumeAfter)
            throws IOException {
        if (offset < next) {
            return;
        }
        for (Row<R> row : rows) {
            if (open != null && !Objects.equals(openSubdirectory, row.subdirectory())) {
                // A file holds one date partition: close it at the offset before this record.
                publish(offset - 1, resumeAfter);
            }
            if (open == null) {
                openFile(firstOffsetOfNextFile(offset), row.subdirectory(), recordTime);
            }
            open.write(row.value());
        }
        lastOffset = offset;
        if (open != null
                && (open.rows() >= rotation.maxRows()
                        || open.bytes() >= rotation.maxBytes()
                        || recordTime - openFirstRecordTime >= rotation.intervalMs())) {
            publish(offset, resumeAfter);
        }
    }

    /**
     * Publishes the open file when it has been open longer than the rotation interval by the wall
     * clock.
     */
    public boolean rotateIfIdle(long nowMillis, LongUnaryOperator resumeAfter) throws IOException {
        if (open != null && nowMillis - openedAtWallClock >= rotation.intervalMs()) {
            publish(lastOffset, resumeAfter);
            return true;
        }
        return false;
    }

    /** Publishes the open file, if any (orderly shutdown or partition revoked). */
    public void flush(LongUnaryOperator resumeAfter) throws IOException {
        if (open != null) {
            publish(lastOffset, resumeAfter);
        }
    }

    /** Drops the open file unpublished; the next run writes it again from the log. */
    public void abort() {
        if (open != null) {
            open.abort();
            open = null;
        }
    }

    /**
     * The offset up to which everything this sink has consumed is on disk (for the committed
     * offset).
     */
    public long safeOffset(LongUnaryOperator resumeAfter) {
        if (open != null) {
            return openStart;
        }
        if (lastOffset >= 0) {
            return resumeAfter.applyAsLong(lastOffset);
        }
        return resume;
    }

    private long firstOffsetOfNextFile(long offset) {
        // Files chain from the previous end; the very first file starts at the first record seen.
        return next >= 0 ? next : offset;
    }

    private void openFile(long start, String subdirectory, long recordTime) throws IOException {
        Path dir = subdirectory.isEmpty() ? root : root.resolve(subdirectory);
        Files.createDirectories(dir);
        openTemp =
                dir.resolve(
                        SegmentName.inProgressName(topic, partition, start, dataset.extension()));
        open = dataset.opener().open(openTemp);
        openSubdirectory = subdirectory;
        openStart = start;
        openFirstRecordTime = recordTime;
        openedAtWallClock = System.currentTimeMillis();
    }

    private void publish(long end, LongUnaryOperator resumeAfter) throws IOException {
        long resumeOffset = dataset.conversationLevel() ? resumeAfter.applyAsLong(end) : end + 1;
        SegmentName name =
                new SegmentName(
                        topic, partition, openStart, end, resumeOffset, dataset.extension());
        Path target = openTemp.resolveSibling(name.fileName());
        long rows = open.rows();
        try {
            open.finish();
            AtomicFiles.publish(openTemp, target);
        } catch (IOException | RuntimeException e) {
            open.abort();
            open = null;
            throw e;
        }
        open = null;
        next = end + 1;
        resume = resumeOffset;
        publishedFiles++;
        log.debug("Published {} ({} rows)", target, rows);
    }
}
