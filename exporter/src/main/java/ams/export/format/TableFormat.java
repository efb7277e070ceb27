package ams.export.format;

import java.util.Locale;

/** File formats of one-shot exports; {@code markdown} applies to conversations only. */
public enum TableFormat {
    PARQUET,
    CSV,
    JSONL,
    JSON,
    MARKDOWN;

    public static TableFormat parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Unknown format '" + name + "': use parquet, csv, jsonl, json or markdown");
        }
    }

    public String extension() {
        return this == MARKDOWN ? "md" : name().toLowerCase(Locale.ROOT);
    }
}
