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
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/** Parquet through parquet-avro on the local file system, without a Hadoop FileSystem. */
public final class ParquetSegmentWriter implements SegmentWriter<GenericRecord> {

    private final Path path;
    private final ParquetWriter<GenericRecord> writer;
    private long rows;

    public ParquetSegmentWriter(Path path, Schema schema, String codec, Set<String> noDictionary)
            throws IOException {
        this.path = path;
        this.writer = open(path, schema, codec, noDictionary);
    }

    /** A writer with the settings every Parquet file of this module uses. */
    public static ParquetWriter<GenericRecord> open(Path path, Schema schema, String codec)
            throws IOException {
        return open(path, schema, codec, Set.of());
    }

    /**
     * Opens a Parquet writer on the local file system.
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
    public void write(GenericRecord row) throws IOException {
        writer.write(row);
        rows++;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public long bytes() {
        return writer.getDataSize();
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
}
