package ams.export.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;

/** Parquet on the local file system, without a Hadoop FileSystem. */
public final class ParquetSegmentWriter<R> implements SegmentWriter<R> {

    /**
     * Rows between two looks at the buffered size for rotation by bytes: the size sums every
     * column's buffers, too dear to ask per row, and rotation by bytes is approximate anyway.
     */
    static final int ROWS_PER_SIZE_CHECK = 1024;

    private final Path path;
    private final ParquetWriter<R> writer;
    private long rows;
    private long bytes;
    private long rowsAtSizeCheck;

    private ParquetSegmentWriter(Path path, ParquetWriter<R> writer) {
        this.path = path;
        this.writer = writer;
    }

    /**
     * A file of the {@code messages} table written straight from the decoded events ({@link
     * MessageWriteSupport}).
     *
     * @param longText columns of long, nearly distinct text (message content, metadata): written
     *     without min/max statistics, which nobody filters text by and which cost a comparison of
     *     the whole value per row
     * @param noDictionary columns whose values are (nearly) all distinct: trying a dictionary for
     *     them first costs time and the writer falls back to plain encoding anyway
     */
    public static ParquetSegmentWriter<MessageRow> messages(
            Path path, String codec, Set<String> longText, Set<String> noDictionary)
            throws IOException {
        Builder<MessageRow> builder =
                new Builder<>(new LocalOutputFile(path), new MessageWriteSupport())
                        .withCompressionCodec(
                                CompressionCodecName.valueOf(codec.toUpperCase(Locale.ROOT)))
                        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                        // Page size statistics (parquet 1.15) measure every value again; no
                        // reader of these files uses them.
                        .withSizeStatisticsEnabled(false);
        for (String column : longText) {
            builder = builder.withStatisticsEnabled(column, false);
        }
        for (String column : noDictionary) {
            builder = builder.withDictionaryEncoding(column, false);
        }
        return new ParquetSegmentWriter<>(path, builder.build());
    }

    /** A writer with the settings every Parquet file of this module uses. */
    public static ParquetWriter<GenericRecord> open(Path path, Schema schema, String codec)
            throws IOException {
        return open(path, schema, codec, Set.of());
    }

    /**
     * Opens a parquet-avro writer on the local file system (snapshots, one-shot exports, training
     * datasets).
     *
     * @param noDictionary columns whose values are (nearly) all distinct, such as message text and
     *     ids: trying a dictionary for them first costs about a fifth of the write time (measured)
     *     and the writer falls back to plain encoding anyway
     */
    public static ParquetWriter<GenericRecord> open(
            Path path, Schema schema, String codec, Set<String> noDictionary) throws IOException {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        // Three-level lists: what DuckDB, pyarrow and Spark expect.
        conf.set(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false");
        AvroParquetWriter.Builder<GenericRecord> builder =
                AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(path))
                        .withConf(conf)
                        .withSchema(schema)
                        .withCompressionCodec(
                                CompressionCodecName.valueOf(codec.toUpperCase(Locale.ROOT)))
                        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE);
        for (String column : noDictionary) {
            builder = builder.withDictionaryEncoding(column, false);
        }
        return builder.build();
    }

    @Override
    public void write(R row) throws IOException {
        writer.write(row);
        rows++;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public long bytes() {
        if (rows - rowsAtSizeCheck >= ROWS_PER_SIZE_CHECK || rowsAtSizeCheck == 0) {
            bytes = writer.getDataSize();
            rowsAtSizeCheck = rows;
        }
        return bytes;
    }

    @Override
    public void finish() throws IOException {
        writer.close();
        AtomicFiles.fsync(path);
    }

    @Override
    public void abort() {
        try {
            writer.close();
        } catch (IOException | RuntimeException ignored) {
            // The file is deleted next.
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Left behind as *.inprogress, which the next start deletes.
        }
    }

    /** parquet's builder over a given write support, with a configuration free of Hadoop. */
    private static final class Builder<T> extends ParquetWriter.Builder<T, Builder<T>> {

        private final WriteSupport<T> writeSupport;

        Builder(OutputFile file, WriteSupport<T> writeSupport) {
            super(file);
            this.writeSupport = writeSupport;
            withConf(new PlainParquetConfiguration());
        }

        @Override
        protected Builder<T> self() {
            return this;
        }

        @Override
        @SuppressWarnings("deprecation") // abstract in ParquetWriter.Builder: must be implemented
        protected WriteSupport<T> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
            return writeSupport;
        }

        @Override
        protected WriteSupport<T> getWriteSupport(ParquetConfiguration conf) {
            return writeSupport;
        }
    }
}
