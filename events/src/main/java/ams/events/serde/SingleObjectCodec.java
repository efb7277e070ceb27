package ams.events.serde;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;

/**
 * The single-object encoding (marker C3 01, the writer schema's 8-byte CRC-64-AVRO fingerprint,
 * little-endian, then the binary body) read and written on byte arrays.
 *
 * <p>Why not Avro's {@code BinaryMessageEncoder}/{@code BinaryMessageDecoder}, which read and write
 * the same bytes: they go through streams. The decoder wraps the array in a {@code
 * ByteArrayInputStream} and reads it with a direct decoder, one synchronized {@code read()} per
 * byte of every number; the encoder writes through a direct encoder into a synchronized {@code
 * ByteArrayOutputStream} and then the caller copies the result once more. Every processor decodes
 * every event it reads this way and the agent fold encodes every version, so in a profile of the
 * agents benchmark the two took 29 % of the fold's samples. Here the body is decoded straight from
 * the array and encoded into a per-thread buffer that is copied once.
 *
 * <p>Same failures as Avro's classes for the same bytes ({@link BadHeaderException}, {@link
 * MissingSchemaException}, {@link IOException} or Avro's runtime exceptions for a corrupt body), so
 * {@link SingleObjectSerde#decode} maps them as before. Thread-safe: datum readers and writers are,
 * and the decoder and buffer are kept per thread.
 */
final class SingleObjectCodec<D> {

    static final int HEADER_LENGTH = 10;

    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;

    /** A buffer that grew past this for one large record is not kept for the next. */
    private static final int KEPT_BUFFER_BYTES = 1 << 20;

    private static final ThreadLocal<BinaryDecoder> DECODER = new ThreadLocal<>();
    private static final ThreadLocal<Output> OUTPUT = ThreadLocal.withInitial(Output::new);
    private static final ThreadLocal<BinaryEncoder> ENCODER = new ThreadLocal<>();

    private final byte[] header;
    private final DatumWriter<D> writer;
    private final Map<Long, DatumReader<D>> readers;

    /**
     * @param model the data model whose readers and writer build the records
     * @param schema the schema records are written with, and read into
     * @param written the other schemas a body may have been written with (released versions), each
     *     resolved against {@code schema}
     */
    SingleObjectCodec(GenericData model, Schema schema, List<Schema> written) {
        this(model, schema, schema, written);
    }

    /**
     * @param writeSchema the schema records are written with (and whose fingerprint they carry)
     * @param readSchema the schema records are read into (for instance a projection of {@code
     *     writeSchema}); every body is resolved against it
     */
    @SuppressWarnings("unchecked")
    SingleObjectCodec(
            GenericData model, Schema writeSchema, Schema readSchema, List<Schema> written) {
        this.header = header(writeSchema);
        this.writer = (DatumWriter<D>) model.createDatumWriter(writeSchema);
        Map<Long, DatumReader<D>> byFingerprint = new HashMap<>();
        for (Schema w : written) {
            byFingerprint.put(
                    fingerprint(w), (DatumReader<D>) model.createDatumReader(w, readSchema));
        }
        // The current schema last, so it wins should a released copy differ only in what the
        // parsing form leaves out (docs, defaults).
        byFingerprint.put(
                fingerprint(writeSchema),
                (DatumReader<D>) model.createDatumReader(writeSchema, readSchema));
        this.readers = Map.copyOf(byFingerprint);
    }

    /** The record's single-object encoding. */
    byte[] encode(D datum) throws IOException {
        Output out = OUTPUT.get();
        out.count = 0;
        out.write(header, 0, header.length);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, ENCODER.get());
        ENCODER.set(encoder);
        writer.write(datum, encoder);
        encoder.flush();
        byte[] bytes = Arrays.copyOf(out.buffer, out.count);
        if (out.buffer.length > KEPT_BUFFER_BYTES) {
            OUTPUT.remove();
        }
        return bytes;
    }

    /**
     * The record these bytes hold, read with the reader of the fingerprint they carry.
     *
     * @throws BadHeaderException not the single-object marker
     * @throws MissingSchemaException a fingerprint of no schema this codec knows
     * @throws IOException a truncated body
     */
    D decode(byte[] bytes) throws IOException {
        if (bytes.length < HEADER_LENGTH) {
            throw new BadHeaderException("Not enough header bytes: " + bytes.length);
        }
        if (bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
            throw new BadHeaderException(
                    "Unrecognized header bytes: " + HexFormat.of().formatHex(bytes, 0, 2));
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        DatumReader<D> reader = readers.get(fingerprint);
        if (reader == null) {
            throw new MissingSchemaException(
                    "Cannot resolve schema for fingerprint: " + fingerprint);
        }
        BinaryDecoder decoder =
                DecoderFactory.get()
                        .binaryDecoder(
                                bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, DECODER.get());
        DECODER.set(decoder);
        return reader.read(null, decoder);
    }

    private static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    private static byte[] header(Schema schema) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MARKER_0).put(MARKER_1).putLong(fingerprint(schema));
        return header.array();
    }

    /** An unsynchronized growable byte array, reused by one thread for every record it encodes. */
    private static final class Output extends OutputStream {

        private byte[] buffer = new byte[1024];
        private int count;

        @Override
        public void write(int b) {
            if (count == buffer.length) {
                grow(1);
            }
            buffer[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (len > buffer.length - count) {
                grow(len);
            }
            System.arraycopy(b, off, buffer, count, len);
            count += len;
        }

        private void grow(int more) {
            long wanted = Math.max((long) buffer.length * 2, (long) count + more);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("record larger than 2 GiB");
            }
            buffer = Arrays.copyOf(buffer, (int) wanted);
        }
    }
}
