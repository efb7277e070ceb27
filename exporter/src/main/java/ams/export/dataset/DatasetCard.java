package ams.export.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The {@code README.md} of an export in Hugging Face's dataset-card format: YAML front matter with
 * {@code configs} (which files are which split) and {@code dataset_info} (features from the
 * dataset's Avro schema, examples per split), then a description of where the rows came from and
 * what was filtered out.
 */
final class DatasetCard {

    private DatasetCard() {}

    static String write(
            DatasetFormat format,
            Schema schema,
            List<String> splits,
            Map<String, Long> rows,
            Map<String, Long> bytes,
            boolean parquet,
            JsonNode report) {
        StringBuilder y = new StringBuilder("---\n");
        y.append("pretty_name: AMS-DB ").append(format.label()).append(" conversations\n");
        y.append("task_categories:\n- text-generation\n");
        y.append("tags:\n- conversational\n- multi-agent\n- ams-db\n- ")
                .append(format.label())
                .append('\n');
        if (report.path("scripted_samples_written").asLong() > 0) {
            y.append("- synthetic\n- scripted-responder\n");
        }
        y.append("configs:\n- config_name: default\n  data_files:\n");
        String dir = parquet ? DatasetFiles.PARQUET_DIR : DatasetFiles.JSONL_DIR;
        String ext = parquet ? "parquet" : "jsonl";
        for (String split : splits) {
            y.append("  - split: ")
                    .append(split)
                    .append("\n    path: ")
                    .append(dir)
                    .append('/')
                    .append(split)
                    .append("-*.")
                    .append(ext)
                    .append('\n');
        }
        y.append("dataset_info:\n  config_name: default\n  features:\n");
        for (Schema.Field f : schema.getFields()) {
            feature(y, "  ", f.name(), f.schema());
        }
        y.append("  splits:\n");
        for (String split : splits) {
            y.append("  - name: ")
                    .append(split)
                    .append("\n    num_bytes: ")
                    .append(bytes.getOrDefault(split, 0L))
                    .append("\n    num_examples: ")
                    .append(rows.getOrDefault(split, 0L))
                    .append('\n');
        }
        y.append("---\n\n");
        y.append("# AMS-DB ").append(format.label()).append(" dataset\n\n");
        y.append(
                "Exported by `ams export dataset` from the AMS-DB event log (`conversation-events`,"
                        + " with each agent's system prompt folded from `agent-events` as it was when"
                        + " the agent spoke).\n\n");
        y.append("## Shape\n\n").append(describe(format)).append("\n\n");
        y.append(
                """
                Every row is one agent's view of (part of) a conversation: that agent's messages are \
                the assistant turns, every other participant's are user turns (`name` says who; \
                consecutive turns of one role are merged, a merged user turn prefixes each paragraph \
                with `name: `), so user and assistant alternate, starting with user and ending with \
                assistant. A view that opens with the agent speaking starts with the user turn \
                `Topic: <topic>`.

                Columns besides the text: `conversation_id`, `agent_id`, `agent_name`, `topic`, \
                `num_turns`, `num_tokens` (%s), `providers` (what wrote the assistant text) and \
                `scripted`.

                """
                        .formatted(report.path("tokenizer").asText()));
        if (report.has("media")) {
            y.append("## Images\n\n").append(images(format, report.path("media"))).append("\n\n");
        }
        long scripted = report.path("scripted_samples_written").asLong();
        if (scripted > 0) {
            y.append("**")
                    .append(scripted)
                    .append(
                            " samples contain assistant text from AMS-DB's offline scripted"
                                    + " responder** (`scripted = true`): a deterministic stand-in"
                                    + " for demos and tests that composes replies from templates,"
                                    + " not a language model. Do not train on them as model"
                                    + " output.\n\n");
        } else {
            y.append(
                    "Output of AMS-DB's offline scripted responder (a deterministic stand-in, not a"
                            + " language model) is excluded.\n\n");
        }
        y.append("## Splits\n\n");
        y.append(
                "By a hash of the conversation id (SHA-256), so a conversation is never split"
                        + " across train/validation/test and the assignment is the same in every"
                        + " export.\n\n| split | rows |\n|---|---:|\n");
        for (String split : splits) {
            y.append("| ")
                    .append(split)
                    .append(" | ")
                    .append(rows.getOrDefault(split, 0L))
                    .append(" |\n");
        }
        y.append(
                "\n## Filters\n\n| filter | unit | in | removed | out |\n|---|---|---:|---:|---:|\n");
        for (JsonNode f : report.path("filters")) {
            y.append("| ")
                    .append(f.path("filter").asText())
                    .append(" | ")
                    .append(f.path("unit").asText())
                    .append(" | ")
                    .append(f.path("in").asLong())
                    .append(" | ")
                    .append(f.path("removed").asLong())
                    .append(" | ")
                    .append(f.path("out").asLong())
                    .append(" |\n");
        }
        y.append("\nOptions: `").append(report.path("options").toString()).append("`\n\n");
        y.append(
                """
                The full report, with token histograms per role and per agent and turns per \
                conversation: `quality_report.json`, plotted in `quality_report.html`.

                ## Loading

                ```python
                from datasets import load_dataset
                ds = load_dataset("parquet", data_dir="data")   # or load_dataset("<this directory>")
                ```

                ```sql
                SELECT * FROM read_parquet('data/train-*.parquet');
                ```
                """);
        return y.toString();
    }

    /** Where a row's images are, in the convention of its format. */
    private static String images(DatasetFormat format, com.fasterxml.jackson.databind.JsonNode m) {
        String urls =
                "path".equals(m.path("urls").asText())
                        ? "paths relative to this folder into `media/` (`media/<sha256>.<ext>`,"
                                + " the files bundled beside the data)"
                        : "`data:<type>;base64,...` URLs (the bytes in the row)";
        String shape =
                switch (format) {
                    case SFT ->
                            "A message with images has OpenAI content parts in the JSONL"
                                    + " (`content` is a list: a `text` part, then one `image_url`"
                                    + " part per image); the Parquet keeps `content` as text and"
                                    + " lists the image URLs in the message's `images` column.";
                    case SHAREGPT ->
                            "ShareGPT/LLaVA style: the row's `images` column lists its images in"
                                    + " order, and the `value` of the turn each image belongs to"
                                    + " starts with one `<image>` placeholder per image.";
                    case INSTRUCTION ->
                            "Alpaca multimodal style (LLaMA-Factory): the row's `images` column"
                                    + " lists the images of its `history`, `instruction` and"
                                    + " `output` in order, and each of those texts starts with one"
                                    + " `<image>` placeholder per image it had.";
                };
        return shape
                + " Image URLs are "
                + urls
                + ". "
                + m.path("images").asLong()
                + " image references, "
                + m.path("media_missing").asLong()
                + " of them missing from the media store (left out, text kept).";
    }

    private static String describe(DatasetFormat format) {
        return switch (format) {
            case SFT ->
                    "OpenAI chat format: `messages` is a list of `{role, content, name}` with the"
                            + " agent's system prompt first (`role: system`, left out when the agent"
                            + " has none), then `user` and `assistant` alternating.";
            case SHAREGPT ->
                    "ShareGPT format: `system` is the agent's system prompt and `conversations` a"
                            + " list of `{from: human|gpt, value, name}` alternating human, gpt.";
            case INSTRUCTION ->
                    "Instruction/response (Alpaca) format: one row per assistant turn, `instruction`"
                            + " the user turn before it, `input` empty, `output` the agent's reply,"
                            + " `system` its system prompt, `history` the earlier `[instruction,"
                            + " output]` pairs of the same view.";
        };
    }

    private static void feature(StringBuilder y, String indent, String name, Schema schema) {
        y.append(indent).append("- name: ").append(name).append('\n');
        type(y, indent + "  ", schema);
    }

    /** Writes the feature type lines of a schema (dtype, sequence, or list of fields). */
    private static void type(StringBuilder y, String indent, Schema schema) {
        Schema s = nonNull(schema);
        switch (s.getType()) {
            case ARRAY -> {
                Schema items = nonNull(s.getElementType());
                if (items.getType() == Schema.Type.RECORD) {
                    y.append(indent).append("list:\n");
                    for (Schema.Field f : items.getFields()) {
                        feature(y, indent, f.name(), f.schema());
                    }
                } else {
                    y.append(indent).append("sequence:");
                    if (items.getType() == Schema.Type.ARRAY) {
                        y.append('\n');
                        type(y, indent + "  ", items);
                    } else {
                        y.append(' ').append(dtype(items)).append('\n');
                    }
                }
            }
            default -> y.append(indent).append("dtype: ").append(dtype(s)).append('\n');
        }
    }

    private static String dtype(Schema s) {
        return switch (s.getType()) {
            case INT -> "int32";
            case LONG -> "int64";
            case BOOLEAN -> "bool";
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            default -> "string";
        };
    }

    private static Schema nonNull(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema s : schema.getTypes()) {
                if (s.getType() != Schema.Type.NULL) {
                    return s;
                }
            }
        }
        return schema;
    }
}
