package ams.events.serde;

import java.io.IOException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka Serde for one generated Avro record type in the Avro specification's single-object
 * encoding (marker C3 01, 8-byte CRC-64-AVRO fingerprint, binary body). Writes with the current
 * schema; reads any released version of it, resolved against the current one ({@link
 * SingleObjectCodec}: on byte arrays, not Avro's stream-based message classes). Thread-safe.
 */
public final class SingleObjectSerde<T extends SpecificRecordBase> implements Serde<T> {

    private static final int HEADER_LENGTH = SingleObjectCodec.HEADER_LENGTH;

    /**
     * Bounds on what a record body may declare, far above any real event (Kafka's requests are a
     * few MiB). Avro allocates a string, bytes or array of the declared size before reading it, so
     * without them a corrupt length in a 20-byte record made a 384 MiB JVM die of OutOfMemoryError
     * (found by the chaos test) instead of dead-lettering the record. An operator's own
     * -Dorg.apache.avro.limits.* settings win.
     */
    static final int MAX_BYTES = 16 * 1024 * 1024;

    static final int MAX_COLLECTION_ITEMS = 4 * 1024 * 1024;

    static {
        setIfAbsent(org.apache.avro.SystemLimitException.MAX_STRING_LENGTH_PROPERTY, MAX_BYTES);
        setIfAbsent(org.apache.avro.SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_BYTES);
        setIfAbsent(
                org.apache.avro.SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY,
                MAX_COLLECTION_ITEMS);
        // Avro reads the properties once, when its limits class loads; it may have loaded already.
        try {
            java.lang.reflect.Method reset =
                    org.apache.avro.SystemLimitException.class.getDeclaredMethod("resetLimits");
            reset.setAccessible(true);
            reset.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Not loaded yet, or a newer Avro without the method: the properties apply when it
            // loads.
        }
    }

    private static void setIfAbsent(String property, int value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Integer.toString(value));
        }
    }

    private final Schema currentSchema;
    private final SingleObjectCodec<T> codec;

    public SingleObjectSerde(Class<T> type) {
        SpecificData data = SpecificData.getForClass(type);
        this.currentSchema = data.getSchema(type);
        this.codec =
                new SingleObjectCodec<>(
                        data, currentSchema, SchemaHistory.releasedVersions(type.getSimpleName()));
    }

    public Schema schema() {
        return currentSchema;
    }

    /** The fingerprint written into every record this Serde encodes. */
    public long fingerprint() {
        return SchemaNormalization.parsingFingerprint64(currentSchema);
    }

    public byte[] encode(T record) {
        try {
            return codec.encode(record);
        } catch (IOException | AvroRuntimeException | NullPointerException e) {
            // NPE: Avro reports a missing required field this way; say which record it was.
            throw new SerializationException(
                    "Cannot encode " + currentSchema.getFullName() + ": " + e.getMessage(), e);
        }
    }

    public T decode(byte[] bytes) {
        return decode(codec, currentSchema.getFullName(), bytes);
    }

    /**
     * A decoder of this topic's values into {@link GenericRecord}s of the current schema with every
     * string left as Avro's {@link org.apache.avro.util.Utf8} (its UTF-8 bytes), for a reader that
     * copies text into UTF-8 output anyway and would only pay for a {@code String} and its
     * re-encoding. It reads every field and version {@link #decode} reads and fails on the same
     * bytes with the same {@link EventDecodingException}s.
     */
    public Utf8Decoder utf8Decoder() {
        return new Utf8Decoder(currentSchema, Map.of());
    }

    /**
     * A {@link #utf8Decoder()} that reads only some fields: for each record named (by full name) in
     * {@code keep}, the fields listed; other records whole. The fields left out are skipped by
     * Avro's schema resolution (their lengths and union branches are still read, so a truncated or
     * structurally broken body still fails), their values are not checked: a reader that leaves out
     * {@code Envelope.eventId} no longer notices an event id that is not a UUID.
     */
    public Utf8Decoder utf8Decoder(Map<String, Set<String>> keep) {
        return new Utf8Decoder(currentSchema, keep);
    }

    /**
     * The header, fingerprint and body rules of every decoder of this encoding: the message of each
     * kind of failure is written once, here.
     */
    static <R> R decode(SingleObjectCodec<R> codec, String expected, byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_LENGTH) {
            throw new EventDecodingException(
                    EventDecodingException.Kind.NOT_SINGLE_OBJECT_ENCODING,
                    expected,
                    "Not an Avro single-object encoded "
                            + expected
                            + ": "
                            + (bytes == null
                                    ? "no bytes"
                                    : bytes.length + " bytes, the header alone is 10"),
                    null);
        }
        try {
            return codec.decode(bytes);
        } catch (BadHeaderException e) {
            throw new EventDecodingException(
                    EventDecodingException.Kind.NOT_SINGLE_OBJECT_ENCODING,
                    expected,
                    "Not an Avro single-object encoded "
                            + expected
                            + ": marker is "
                            + HexFormat.of().formatHex(bytes, 0, 2)
                            + ", expected c301",
                    e);
        } catch (MissingSchemaException e) {
            throw new EventDecodingException(
                    EventDecodingException.Kind.UNKNOWN_SCHEMA_FINGERPRINT,
                    expected,
                    "Schema fingerprint "
                            + HexFormat.of().formatHex(bytes, 2, HEADER_LENGTH)
                            + " is not a released version of "
                            + expected
                            + " (written for another topic, or by a newer schema this reader does not know)",
                    e);
        } catch (IOException | RuntimeException e) {
            // Avro signals a corrupt body with EOF, negative lengths, or limit violations of
            // several types.
            throw new EventDecodingException(
                    EventDecodingException.Kind.CORRUPT_BODY,
                    expected,
                    "Body of " + expected + " does not decode: " + e,
                    e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, record) -> record == null ? null : encode(record);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(bytes);
    }
}
