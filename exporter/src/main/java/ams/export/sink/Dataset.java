package ams.export.sink;

import ams.export.format.JsonlSegmentWriter;
import ams.export.format.MessageRow;
import ams.export.format.MessageRows;
import ams.export.format.ParquetSegmentWriter;
import ams.export.format.SegmentWriter;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One continuously written dataset: where its files go, their format, and whether a restart must
 * re-read earlier records to rebuild open conversations (conversation-level datasets).
 */
record Dataset<R>(
        String name,
        String directory,
        String extension,
        boolean conversationLevel,
        Opener<R> opener) {

    /** Opens a file of this dataset under its temporary name. */
    @FunctionalInterface
    public interface Opener<R> {
        SegmentWriter<R> open(Path temp) throws IOException;
    }

    public static Dataset<MessageRow> messages(String codec) {
        return new Dataset<>(
                "messages",
                "messages",
                "parquet",
                false,
                temp ->
                        ParquetSegmentWriter.messages(
                                temp,
                                codec,
                                MessageRows.LONG_TEXT_COLUMNS,
                                MessageRows.DISTINCT_COLUMNS));
    }

    public static Dataset<byte[]> turns() {
        return new Dataset<>("turns", "jsonl/turns", "jsonl", false, JsonlSegmentWriter::new);
    }

    public static Dataset<byte[]> chat() {
        return new Dataset<>("chat", "jsonl/chat", "jsonl", true, JsonlSegmentWriter::new);
    }

    public static Dataset<byte[]> shareGpt() {
        return new Dataset<>("sharegpt", "jsonl/sharegpt", "jsonl", true, JsonlSegmentWriter::new);
    }
}
