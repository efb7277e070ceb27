package ams.events.serde;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Decodes a topic's single-object encoded values into {@link GenericRecord}s of its current schema
 * whose strings are Avro {@link org.apache.avro.util.Utf8}: the UTF-8 bytes as they are in the
 * record, not a {@code String}, for a reader that writes text straight into UTF-8 output (the
 * exporter's turn lines). Optionally only some fields are read ({@link
 * SingleObjectSerde#utf8Decoder(java.util.Map)}): in the exporter's profile a whole event as Utf8
 * cost as much to decode as the generated classes (a Utf8 and its array per string instead of a
 * String); reading only the fields a reader needs is what saves work.
 *
 * <p>Same rules as {@link SingleObjectSerde#decode}: header and fingerprint checked, any released
 * version resolved against the current schema by Avro, the {@code uuid} logical type parsed as the
 * generated classes parse it, and the same {@link EventDecodingException} for the same bad bytes.
 * Fields left out of a projection are skipped by Avro (lengths and union branches still read),
 * their values not checked. The time stamps stay epoch milliseconds. Thread safe like the Serde.
 */
public final class Utf8Decoder {

    private final Schema schema;
    private final String expected;
    private final SingleObjectCodec<GenericRecord> codec;

    Utf8Decoder(Schema current, Map<String, Set<String>> keep) {
        Schema utf8 = withUtf8Strings(current);
        this.schema = project(utf8, keep, new HashMap<>());
        this.expected = current.getFullName();
        GenericData model = new GenericData();
        // The generated classes reject an event id that is not a UUID: so does this reader.
        model.addLogicalTypeConversion(new Conversions.UUIDConversion());
        this.codec =
                new SingleObjectCodec<>(
                        model, utf8, schema, SchemaHistory.releasedVersions(current.getName()));
    }

    /** The reader schema: the current one, strings as Utf8 (same fingerprint). */
    public Schema schema() {
        return schema;
    }

    /**
     * The record, strings as Utf8.
     *
     * @throws EventDecodingException as {@link SingleObjectSerde#decode} for the same bytes
     */
    public GenericRecord decode(byte[] bytes) {
        return SingleObjectSerde.decode(codec, expected, bytes);
    }

    /**
     * The generated classes' schema asks for {@code java.lang.String} on every string ({@code
     * avro.java.string}); without that property Avro's generic reader keeps Utf8. The property is
     * not part of the parsing form, so the fingerprint is unchanged.
     */
    private static Schema withUtf8Strings(Schema current) {
        String json =
                current.toString()
                        .replace(",\"" + GenericData.STRING_PROP + "\":\"String\"", "")
                        .replace("\"" + GenericData.STRING_PROP + "\":\"String\",", "");
        Schema parsed = new Schema.Parser().parse(json);
        if (parsed.toString().contains(GenericData.STRING_PROP)) {
            throw new IllegalStateException(
                    "Could not drop " + GenericData.STRING_PROP + " from " + current.getFullName());
        }
        return parsed;
    }

    /**
     * The schema with only the fields {@code keep} names for each record it lists (by full name);
     * records it does not list keep every field. Avro's resolution then skips the others: their
     * bytes are stepped over (lengths and union branches still read), not decoded.
     */
    private static Schema project(
            Schema schema, Map<String, Set<String>> keep, Map<String, Schema> done) {
        switch (schema.getType()) {
            case RECORD -> {
                Schema existing = done.get(schema.getFullName());
                if (existing != null) {
                    return existing;
                }
                if (keep.isEmpty()) {
                    return schema;
                }
                Schema copy =
                        Schema.createRecord(
                                schema.getName(),
                                schema.getDoc(),
                                schema.getNamespace(),
                                schema.isError());
                done.put(schema.getFullName(), copy);
                Set<String> fields = keep.get(schema.getFullName());
                List<Schema.Field> kept = new ArrayList<>();
                for (Schema.Field f : schema.getFields()) {
                    if (fields == null || fields.contains(f.name())) {
                        kept.add(
                                new Schema.Field(
                                        f.name(),
                                        project(f.schema(), keep, done),
                                        f.doc(),
                                        f.defaultVal(),
                                        f.order()));
                    }
                }
                copy.setFields(kept);
                return copy;
            }
            case UNION -> {
                List<Schema> types = new ArrayList<>();
                for (Schema t : schema.getTypes()) {
                    types.add(project(t, keep, done));
                }
                return Schema.createUnion(types);
            }
            case ARRAY -> {
                return Schema.createArray(project(schema.getElementType(), keep, done));
            }
            case MAP -> {
                return Schema.createMap(project(schema.getValueType(), keep, done));
            }
            default -> {
                return schema;
            }
        }
    }
}
