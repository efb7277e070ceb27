package ams.export.dataset;

import ams.export.format.AtomicFiles;
import ams.export.format.ParquetSegmentWriter;
import ams.export.sink.SegmentName;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetWriter;

/**
 * The files of one export, one per split and file format, in Hugging Face's layout: {@code
 * data/<split>-00000-of-00001.parquet} and {@code jsonl/<split>-00000-of-00001.jsonl}. Each file is
 * written under a temporary name and renamed into place when the export completes; an export that
 * fails leaves the files of the previous one.
 */
final class DatasetFiles implements AutoCloseable {

    static final String PARQUET_DIR = "data";
    static final String JSONL_DIR = "jsonl";

    /** Top-level text columns whose values are nearly all distinct: no dictionary attempt. */
    private static final java.util.Set<String> NO_DICTIONARY =
            java.util.Set.of("id", "system", "instruction", "output");

    private final Map<String, ParquetWriter<GenericRecord>> parquet = new LinkedHashMap<>();
    private final Map<String, JsonGenerator> jsonl = new LinkedHashMap<>();
    private final Map<Path, Path> pending = new LinkedHashMap<>();

    DatasetFiles(
            Path root,
            Schema schema,
            List<String> splits,
            boolean writeParquet,
            boolean writeJsonl,
            String codec)
            throws IOException {
        JsonFactory factory = new JsonFactory();
        for (String split : splits) {
            String base = split + "-00000-of-00001";
            if (writeParquet) {
                Path target = root.resolve(PARQUET_DIR).resolve(base + ".parquet");
                Path temp = temp(target);
                parquet.put(split, ParquetSegmentWriter.open(temp, schema, codec, NO_DICTIONARY));
            }
            if (writeJsonl) {
                Path target = root.resolve(JSONL_DIR).resolve(base + ".jsonl");
                Path temp = temp(target);
                OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16);
                JsonGenerator g = factory.createGenerator(out, JsonEncoding.UTF8);
                g.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
                jsonl.put(split, g);
            }
        }
    }

    private Path temp(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling("." + target.getFileName() + SegmentName.IN_PROGRESS);
        Files.deleteIfExists(temp);
        pending.put(temp, target);
        return temp;
    }

    void write(String split, List<GenericRecord> rows) throws IOException {
        ParquetWriter<GenericRecord> p = parquet.get(split);
        JsonGenerator j = jsonl.get(split);
        for (GenericRecord row : rows) {
            if (p != null) {
                p.write(row);
            }
            if (j != null) {
                writeJson(j, row);
            }
        }
    }

    /** Publishes every file (closed, fsynced, renamed); returns the published paths. */
    List<Path> publish() throws IOException {
        closeWriters();
        List<Path> published = new ArrayList<>();
        for (Map.Entry<Path, Path> e : pending.entrySet()) {
            AtomicFiles.fsync(e.getKey());
            AtomicFiles.publish(e.getKey(), e.getValue());
            published.add(e.getValue());
        }
        pending.clear();
        return published;
    }

    private void closeWriters() throws IOException {
        for (ParquetWriter<GenericRecord> p : parquet.values()) {
            p.close();
        }
        for (JsonGenerator j : jsonl.values()) {
            j.writeRaw('\n');
            j.close();
        }
        parquet.clear();
        jsonl.clear();
    }

    @Override
    public void close() throws IOException {
        try {
            closeWriters();
        } finally {
            for (Path temp : pending.keySet()) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** A row as one JSON object, straight from the record to the stream (no tree). */
    static void writeJson(JsonGenerator g, GenericRecord row) throws IOException {
        if (DatasetFormat.MESSAGE_WITH_IMAGES.getFullName().equals(row.getSchema().getFullName())) {
            writeMessageWithImages(g, row);
            return;
        }
        g.writeStartObject();
        for (Schema.Field f : row.getSchema().getFields()) {
            g.writeFieldName(f.name());
            writeValue(g, row.get(f.pos()));
        }
        g.writeEndObject();
    }

    /**
     * An SFT message of a dataset with images, as OpenAI chat: {@code content} is a list of parts
     * ({@code text}, then one {@code image_url} per image) when the message has images, else the
     * plain string it always was; the {@code images} column is not repeated.
     */
    private static void writeMessageWithImages(JsonGenerator g, GenericRecord m)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("role", m.get("role").toString());
        g.writeFieldName("content");
        Collection<?> images = (Collection<?>) m.get("images");
        String text = m.get("content").toString();
        if (images == null || images.isEmpty()) {
            g.writeString(text);
        } else {
            g.writeStartArray();
            if (!text.isEmpty()) {
                g.writeStartObject();
                g.writeStringField("type", "text");
                g.writeStringField("text", text);
                g.writeEndObject();
            }
            for (Object url : images) {
                g.writeStartObject();
                g.writeStringField("type", "image_url");
                g.writeObjectFieldStart("image_url");
                g.writeStringField("url", url.toString());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeFieldName("name");
        writeValue(g, m.get("name"));
        g.writeEndObject();
    }

    private static void writeValue(JsonGenerator g, Object value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof GenericRecord r) {
            writeJson(g, r);
        } else if (value instanceof Collection<?> list) {
            g.writeStartArray();
            for (Object o : list) {
                writeValue(g, o);
            }
            g.writeEndArray();
        } else if (value instanceof Integer i) {
            g.writeNumber(i);
        } else if (value instanceof Long l) {
            g.writeNumber(l);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else {
            g.writeString(value.toString());
        }
    }
}
