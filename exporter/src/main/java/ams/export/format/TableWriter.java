package ams.export.format;

import ams.export.sink.SegmentName;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetWriter;

/**
 * Writes a table (an Avro schema and its rows) as Parquet, CSV, JSON Lines or a JSON array, to a
 * temporary file that is renamed into place only when complete.
 */
public final class TableWriter {

    private final ObjectMapper mapper = new ObjectMapper();
    private final String codec;

    public TableWriter(String codec) {
        this.codec = codec;
    }

    public void write(Schema schema, List<GenericRecord> rows, TableFormat format, Path target)
            throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve("." + target.getFileName() + SegmentName.IN_PROGRESS);
        Files.deleteIfExists(temp);
        try {
            switch (format) {
                case PARQUET -> {
                    try (ParquetWriter<GenericRecord> writer =
                            ParquetSegmentWriter.open(temp, schema, codec)) {
                        for (GenericRecord row : rows) {
                            writer.write(row);
                        }
                    }
                }
                case CSV -> {
                    try (Writer out = writer(temp)) {
                        writeCsv(schema, rows, out);
                    }
                }
                case JSONL -> {
                    try (OutputStream out = Files.newOutputStream(temp)) {
                        for (GenericRecord row : rows) {
                            out.write(mapper.writeValueAsBytes(json(row)));
                            out.write('\n');
                        }
                    }
                }
                case JSON -> {
                    ArrayNode array = mapper.createArrayNode();
                    rows.forEach(r -> array.add(json(r)));
                    try (OutputStream out = Files.newOutputStream(temp)) {
                        mapper.writerWithDefaultPrettyPrinter()
                                .without(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                                .writeValue(out, array);
                    }
                }
                case MARKDOWN ->
                        throw new IllegalArgumentException(
                                "markdown is a conversation format, not a table format");
            }
            AtomicFiles.publish(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A row as a JSON object: timestamps as ISO-8601, JSON-in-a-string columns kept as strings. */
    public ObjectNode json(GenericRecord row) {
        ObjectNode node = mapper.createObjectNode();
        for (Schema.Field field : row.getSchema().getFields()) {
            node.set(field.name(), value(field.schema(), row.get(field.pos())));
        }
        return node;
    }

    private JsonNode value(Schema schema, Object value) {
        if (value == null) {
            return mapper.getNodeFactory().nullNode();
        }
        Schema type = nonNull(schema);
        if (type.getLogicalType() instanceof LogicalTypes.TimestampMillis
                && value instanceof Long millis) {
            return mapper.getNodeFactory().textNode(Instant.ofEpochMilli(millis).toString());
        }
        if (value instanceof Collection<?> list) {
            ArrayNode array = mapper.createArrayNode();
            list.forEach(e -> array.add(value(type.getElementType(), e)));
            return array;
        }
        if (value instanceof GenericRecord record) {
            return json(record);
        }
        return mapper.valueToTree(value instanceof CharSequence ? value.toString() : value);
    }

    private void writeCsv(Schema schema, List<GenericRecord> rows, Writer out) throws IOException {
        List<Schema.Field> fields = schema.getFields();
        for (int i = 0; i < fields.size(); i++) {
            out.write((i > 0 ? "," : "") + csv(fields.get(i).name()));
        }
        out.write("\n");
        for (GenericRecord row : rows) {
            for (int i = 0; i < fields.size(); i++) {
                JsonNode v = value(fields.get(i).schema(), row.get(i));
                String text =
                        v.isNull()
                                ? ""
                                : v.isContainerNode() ? mapper.writeValueAsString(v) : v.asText();
                out.write((i > 0 ? "," : "") + csv(text));
            }
            out.write("\n");
        }
    }

    private static String csv(String text) {
        if (text.contains(",")
                || text.contains("\"")
                || text.contains("\n")
                || text.contains("\r")) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }

    private static Schema nonNull(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            return schema.getTypes().stream()
                    .filter(s -> s.getType() != Schema.Type.NULL)
                    .findFirst()
                    .orElse(schema);
        }
        return schema;
    }

    private static Writer writer(Path path) throws IOException {
        return new BufferedWriter(
                new OutputStreamWriter(Files.newOutputStream(path), StandardCharsets.UTF_8));
    }
}
