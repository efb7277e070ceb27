package ams.app.cli;

import ams.app.BrokerOptions;
import ams.app.client.RestClient;
import ams.app.system.MediaSettings;
import ams.events.topics.TopicCatalogue;
import ams.export.dataset.DatasetExport;
import ams.export.dataset.DatasetFormat;
import ams.export.dataset.DatasetMedia;
import ams.export.dataset.SpeakerViews;
import ams.export.dataset.Splits;
import ams.service.media.LocalMediaStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ams export ...}: one-shot tables and the continuous datasets. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        subcommands = ExportCli.DatasetCommand.class,
        description =
                "Export tables, and show or snapshot the datasets (one conversation: ams conversation export).")
public final class ExportCli {

    @Spec CommandSpec spec;

    @Mixin ApiOptions api;

    @Command(
            name = "table",
            mixinStandardHelpOptions = true,
            description =
                    "Export agents, knowledge or conversations as csv, parquet, jsonl or json.")
    int table(
            @Parameters(paramLabel = "TABLE", description = "agents, knowledge or conversations")
                    String table,
            @Option(
                            names = "--format",
                            defaultValue = "parquet",
                            description =
                                    "csv, parquet, jsonl, json (markdown: conversations). Default: ${DEFAULT-VALUE}")
                    String format,
            @Option(names = "--out", description = "Target file (default: TABLE.FORMAT)")
                    Path out) {
        if (!java.util.List.of("agents", "knowledge", "conversations").contains(table)) {
            throw new IllegalArgumentException(
                    "TABLE must be agents, knowledge or conversations; was '" + table + "'");
        }
        Path target =
                out != null
                        ? out
                        : Path.of(table + "." + (format.equals("markdown") ? "md" : format));
        long bytes =
                api.client()
                        .download(
                                "/export/" + table + "?format=" + RestClient.encode(format),
                                target);
        spec.commandLine().getOut().printf("Wrote %s (%d bytes)%n", target, bytes);
        return 0;
    }

    /**
     * {@code ams export dataset}: without {@code --format}, where the continuous datasets are and
     * how far they are; with it, a training dataset written as a snapshot over the whole log.
     */
    @Command(
            name = "dataset",
            mixinStandardHelpOptions = true,
            description = {
                "Without --format: where the continuous datasets are and how far they are"
                        + " (--snapshot also writes agents.parquet and knowledge.parquet).",
                "With --format sft|sharegpt|instruction: a training dataset over the whole log,"
                        + " one view per agent (its turns assistant, the others' user), filtered,"
                        + " deduplicated, split by conversation, as Parquet and/or JSONL with a"
                        + " Hugging Face dataset card (README.md) and a quality report"
                        + " (quality_report.json, quality_report.html). Reads the topics directly"
                        + " (--bootstrap, or the embedded broker under --data-dir)."
            })
    static final class DatasetCommand implements Callable<Integer> {

        @ParentCommand ExportCli parent;

        @Mixin BrokerOptions broker;

        @Option(
                names = "--snapshot",
                description =
                        "Write agents.parquet, knowledge.parquet, the media they and the"
                                + " conversations refer to (media/<sha256>.<ext>) and snapshot.json"
                                + " next to the datasets")
        boolean snapshot;

        @Option(
                names = "--format",
                description = "sft (OpenAI messages), sharegpt or instruction (Alpaca)")
        String format;

        @Option(
                names = "--out",
                description = "Output directory (default: <data-dir>/datasets/training/<format>)")
        Path outDir;

        @Option(
                names = "--split",
                defaultValue = "0.9,0.05,0.05",
                description =
                        "train,validation,test fractions, by conversation. Default: ${DEFAULT-VALUE}")
        String split;

        @Option(
                names = "--dedup",
                negatable = true,
                defaultValue = "true",
                fallbackValue = "true",
                description =
                        "Drop exact and near duplicate samples (MinHash). Default: ${DEFAULT-VALUE}")
        boolean dedup;

        @Option(
                names = "--near-dup-threshold",
                defaultValue = "0.8",
                description =
                        "Jaccard similarity (word 3-shingles) at which a sample is a near duplicate. Default: ${DEFAULT-VALUE}")
        double nearDupThreshold;

        @Option(
                names = "--agents",
                split = ",",
                description = "Only these agents' views (default: every agent that spoke)")
        List<String> agents = new ArrayList<>();

        @Option(
                names = "--job",
                description = "Only the conversations of this batch generation job")
        String job;

        @Option(
                names = "--include-humans",
                negatable = true,
                defaultValue = "true",
                fallbackValue = "true",
                description = "Keep humans' messages as user turns. Default: ${DEFAULT-VALUE}")
        boolean includeHumans;

        @Option(
                names = "--max-turns",
                defaultValue = "0",
                description =
                        "Most turns per sample (whole user/assistant pairs; 0 = no limit). Default: ${DEFAULT-VALUE}")
        int maxTurns;

        @Option(
                names = "--min-tokens",
                defaultValue = "1",
                description = "Drop samples with fewer tokens. Default: ${DEFAULT-VALUE}")
        int minTokens;

        @Option(
                names = "--max-tokens",
                defaultValue = "0",
                description =
                        "Drop samples with more tokens (0 = no limit). Default: ${DEFAULT-VALUE}")
        int maxTokens;

        @Option(
                names = "--max-repeated",
                defaultValue = "0.5",
                description =
                        "Drop a turn when more than this fraction of its word 3-grams repeat. Default: ${DEFAULT-VALUE}")
        double maxRepeated;

        @Option(
                names = "--include-scripted",
                description =
                        "Keep text of the offline scripted responder (a stand-in, not a model; labelled scripted=true)")
        boolean includeScripted;

        @Option(
                names = "--include-incomplete",
                description = "Keep failed, cancelled and running conversations")
        boolean includeIncomplete;

        @Option(
                names = "--files",
                split = ",",
                defaultValue = "parquet,jsonl",
                description = "parquet, jsonl or both. Default: ${DEFAULT-VALUE}")
        List<String> files;

        @Option(
                names = "--media-urls",
                defaultValue = "path",
                description =
                        "Image URLs of the SFT content parts: path (media/<sha256>.<ext>, the files copied into the dataset) or data (data:<type>;base64,...). Default: ${DEFAULT-VALUE}")
        String mediaUrls;

        @Option(
                names = "--media-dir",
                description =
                        "A local media store's directory (default: the store AMS_MEDIA_STORE names: AMS_MEDIA_DIR, else <data-dir>/media, or the S3 bucket of AMS_MEDIA_S3_*)")
        Path mediaDir;

        @Option(
                names = "--encoding",
                defaultValue = "cl100k_base",
                description =
                        "Tokenizer for token counts: cl100k_base, o200k_base, p50k_base, r50k_base. Default: ${DEFAULT-VALUE}")
        String encoding;

        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (format == null) {
                return status(out);
            }
            for (String f : files) {
                if (!f.equals("parquet") && !f.equals("jsonl")) {
                    throw new IllegalArgumentException(
                            "--files takes parquet, jsonl or both; was '" + f + "'");
                }
            }
            DatasetFormat datasetFormat = DatasetFormat.parse(format);
            DatasetMedia.Options media =
                    new DatasetMedia.Options(
                            mediaDir != null
                                    ? LocalMediaStore.reader(mediaDir)
                                    : MediaSettings.fromEnvironment(
                                                    System.getenv(),
                                                    broker.dataDir().resolve("media"))
                                            .reader(),
                            DatasetMedia.Urls.parse(mediaUrls));
            DatasetExport.Options options =
                    new DatasetExport.Options(
                            datasetFormat,
                            new SpeakerViews.Options(Set.copyOf(agents), includeHumans, maxTurns),
                            Splits.parse(split),
                            dedup,
                            nearDupThreshold,
                            minTokens,
                            maxTokens,
                            maxRepeated,
                            includeScripted,
                            includeIncomplete,
                            files.contains("parquet"),
                            files.contains("jsonl"),
                            encoding,
                            "ZSTD");
            Path target =
                    outDir != null
                            ? outDir
                            : broker.dataDir()
                                    .resolve("datasets")
                                    .resolve("training")
                                    .resolve(datasetFormat.label());
            DatasetExport.Result result;
            try (BrokerOptions.Connection connection = broker.connect()) {
                result =
                        new DatasetExport(media)
                                .fromLog(
                                        connection.bootstrapServers(),
                                        new TopicCatalogue(broker.topicPrefix(), 3, (short) 1),
                                        options,
                                        target,
                                        job);
            }
            if (parent.api.json()) {
                ObjectNode answer = JsonNodeFactory.instance.objectNode();
                answer.put("root", result.root().toString());
                answer.put("rows", result.rows());
                ObjectNode splits = answer.putObject("rows_per_split");
                result.rowsPerSplit().forEach(splits::put);
                var list = answer.putArray("files");
                result.files().forEach(p -> list.add(p.toString()));
                out.println(answer.toPrettyString());
            } else {
                out.printf(
                        "Wrote %d %s rows to %s%n",
                        result.rows(), datasetFormat.label(), result.root());
                result.rowsPerSplit().forEach((s, n) -> out.printf("  %-10s %d%n", s, n));
                out.printf(
                        "Card: %s; report: %s%n",
                        result.root().resolve("README.md"),
                        result.root().resolve("quality_report.html"));
            }
            return 0;
        }

        private int status(PrintWriter out) {
            ApiOptions api = parent.api;
            JsonNode status = api.client().get("/exporter/status");
            ObjectNode answer = status.deepCopy();
            if (snapshot) {
                answer.set("snapshots", api.client().post("/export/snapshots", "{}"));
            }
            api.print(
                    out,
                    answer,
                    a -> {
                        out.printf(
                                "Datasets under %s (sink %s, %d records consumed, %d dead-lettered)%n",
                                a.path("dataset_root").asText(),
                                a.path("state").asText(),
                                a.path("records_consumed").asLong(),
                                a.path("dead_lettered").asLong());
                        if (a.has("snapshots")) {
                            out.printf(
                                    "Snapshots: %s, %s%n",
                                    a.path("snapshots").path("agents").asText(),
                                    a.path("snapshots").path("knowledge").asText());
                            JsonNode media = a.path("snapshots").path("media");
                            if (!media.isMissingNode()) {
                                out.printf(
                                        "Media: %d bundled, %d already there, %d missing in %s%n",
                                        media.path("bundled").asLong(),
                                        media.path("present").asLong(),
                                        media.path("missing").asLong(),
                                        media.path("dir").asText());
                            }
                        }
                    });
            return 0;
        }
    }
}
