package ams.export.http;

import ams.export.Exporter;
import ams.export.ExporterConfig;
import ams.export.format.TableFormat;
import ams.export.sink.SinkStatus;
import ams.export.snapshot.ConversationExport;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP routes of the exporter: the state of the continuous sink, and one-shot exports of a
 * conversation in a text format.
 */
public final class ExporterHttp {

    private static final Map<TableFormat, String> CONTENT_TYPES =
            Map.of(
                    TableFormat.JSONL,
                    "application/x-ndjson",
                    TableFormat.JSON,
                    "application/json",
                    TableFormat.CSV,
                    "text/csv",
                    TableFormat.MARKDOWN,
                    "text/markdown");

    private final Exporter exporter;
    private final ConversationExport export;

    public ExporterHttp(Exporter exporter) {
        this.exporter = exporter;
        ExporterConfig config = exporter.config();
        this.export =
                new ConversationExport(
                        config.bootstrapServers(),
                        config.catalogue().conversationEvents(),
                        config.parquetCodec());
    }

    public void register(Javalin app) {
        app.get(
                "/exporter/status",
                ctx -> {
                    SinkStatus s = exporter.status();
                    ctx.json(
                            Map.of(
                                    "state", s.state().name(),
                                    "error", s.error() == null ? "" : s.error(),
                                    "records_consumed", s.recordsConsumed(),
                                    "dead_lettered", s.deadLettered(),
                                    "failures", s.failures(),
                                    "dataset_root",
                                            exporter.config()
                                                    .datasetRoot()
                                                    .toAbsolutePath()
                                                    .toString(),
                                    "next_offsets", s.nextOffsets()));
                });
        app.get("/exporter/conversations/{id}/export", this::exportConversation);
    }

    /** {@code ?format=jsonl|json|csv|markdown} (default jsonl); 404 for an unknown conversation. */
    private void exportConversation(Context ctx) throws Exception {
        TableFormat format;
        try {
            format =
                    TableFormat.parse(
                            Optional.ofNullable(ctx.queryParam("format")).orElse("jsonl"));
        } catch (IllegalArgumentException e) {
            ctx.status(400).json(Map.of("error", e.getMessage()));
            return;
        }
        if (!CONTENT_TYPES.containsKey(format)) {
            ctx.status(400)
                    .json(Map.of("error", "format must be jsonl, json, csv or markdown over HTTP"));
            return;
        }
        Path temp = Files.createTempFile("ams-export-", "." + format.extension());
        try {
            export.export(Optional.of(ctx.pathParam("id")), format, temp);
            ctx.contentType(CONTENT_TYPES.get(format)).result(Files.readAllBytes(temp));
        } catch (IllegalArgumentException e) {
            ctx.status(404).json(Map.of("error", e.getMessage()));
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
