package ams.export.importer;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Reads the columns of the original AMS-DB's Parquet tables whatever the writer made of them:
 * Polars writes datetimes as timestamp-micros, lists in the three-level layout, strings as Utf8.
 */
final class Columns {

    private final GenericRecord row;

    Columns(GenericRecord row) {
        this.row = row;
    }

    boolean has(String name) {
        return row.getSchema().getField(name) != null && row.get(name) != null;
    }

    String string(String name, String fallback) {
        Object v = has(name) ? row.get(name) : null;
        return v == null ? fallback : v.toString();
    }

    String requiredString(String name) {
        String v = string(name, null);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("column '" + name + "' is missing or empty");
        }
        return v;
    }

    Integer integer(String name) {
        Object v = has(name) ? row.get(name) : null;
        return v instanceof Number n ? n.intValue() : null;
    }

    boolean bool(String name, boolean fallback) {
        Object v = has(name) ? row.get(name) : null;
        return v instanceof Boolean b ? b : fallback;
    }

    Instant instant(String name, Instant fallback) {
        Object v = has(name) ? row.get(name) : null;
        if (v == null) {
            return fallback;
        }
        if (v instanceof Instant i) {
            return i;
        }
        if (v instanceof LocalDateTime t) {
            return t.toInstant(ZoneOffset.UTC);
        }
        if (v instanceof Long l) {
            LogicalType type = logicalType(name);
            if (type instanceof LogicalTypes.TimestampMicros
                    || type instanceof LogicalTypes.LocalTimestampMicros) {
                return Instant.ofEpochSecond(
                        Math.floorDiv(l, 1_000_000L), Math.floorMod(l, 1_000_000L) * 1_000L);
            }
            if (type instanceof LogicalTypes.TimestampNanos
                    || type instanceof LogicalTypes.LocalTimestampNanos) {
                return Instant.ofEpochSecond(
                        Math.floorDiv(l, 1_000_000_000L), Math.floorMod(l, 1_000_000_000L));
            }
            return Instant.ofEpochMilli(l);
        }
        String text = v.toString();
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
        }
    }

    List<String> strings(String name) {
        List<String> out = new ArrayList<>();
        for (Object element : list(name)) {
            out.add(element.toString());
        }
        return out;
    }

    List<Float> floats(String name) {
        if (!has(name)) {
            return null;
        }
        List<Float> out = new ArrayList<>();
        for (Object element : list(name)) {
            out.add(((Number) element).floatValue());
        }
        return out;
    }

    private List<Object> list(String name) {
        Object v = has(name) ? row.get(name) : null;
        List<Object> out = new ArrayList<>();
        if (v instanceof Collection<?> c) {
            for (Object element : c) {
                // Some writers wrap list elements in a one-field record ("element" or "array").
                Object unwrapped = element instanceof GenericRecord r ? r.get(0) : element;
                if (unwrapped != null) {
                    out.add(unwrapped);
                }
            }
        }
        return out;
    }

    private LogicalType logicalType(String name) {
        Schema schema = row.getSchema().getField(name).schema();
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema s : schema.getTypes()) {
                if (s.getType() != Schema.Type.NULL) {
                    return s.getLogicalType();
                }
            }
        }
        return schema.getLogicalType();
    }
}
