package ams.app.cli;

import ams.app.client.RestClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ams export ...}: one-shot tables and the continuous datasets. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
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

    @Command(
            name = "dataset",
            mixinStandardHelpOptions = true,
            description =
                    "Where the continuous datasets are and how far they are; --snapshot also writes agents.parquet and knowledge.parquet.")
    int dataset(
            @Option(
                            names = "--snapshot",
                            description =
                                    "Write agents.parquet and knowledge.parquet next to the datasets")
                    boolean snapshot) {
        PrintWriter out = spec.commandLine().getOut();
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
                    }
                });
        return 0;
    }
}
