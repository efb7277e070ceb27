package ams.export.http;

import ams.events.InvalidRequestException;
import ams.export.Exporter;
import ams.export.ExporterConfig;
import ams.export.format.TableFormat;
import ams.export.sink.SinkStatus;
import ams.export.snapshot.ConversationExport;
import ams.service.http.NotFoundException;
import ams.service.http.Params;
import ams.service.http.ServiceHttp;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP routes of the exporter: the state of the continuous sink, and one-shot exports of a
 * conversation in a text format. Refusals are thrown; the shared {@link ServiceHttp} setup answers
 * them.
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
        app.get("/exporter/status", this::status);
        app.get("/exporter/conversations/{id}/export", this::exportConversation);
    }

    private void status(Context ctx) {
        SinkStatus s = exporter.status();
        ServiceHttp.ok(
                ctx,
                Map.of(
                        "state", s.state().name(),
                        "error", s.error() == null ? "" : s.error(),
                        "records_consumed", s.recordsConsumed(),
                        "dead_lettered", s.deadLettered(),
                        "failures", s.failures(),
                        "dataset_root", exporter.config().datasetRoot().toAbsolutePath().toString(),
                        "next_offsets", s.nextOffsets()));
    }

    /** {@code ?format=jsonl|json|csv|markdown} (default jsonl); 404 for an unknown conversation. */
    private void exportConversation(Context ctx) throws IOException {
        String id = Params.path(ctx, "id", "conversation id");
        TableFormat format = format(ctx);
        Path temp = Files.createTempFile("ams-export-", "." + format.extension());
        try {
            try {
                export.export(Optional.of(id), format, temp);
            } catch (IllegalArgumentException e) {
                // The one refusal of a single-conversation export in a valid format: none in the
                // log.
                throw new NotFoundException(e.getMessage());
            }
            ctx.contentType(CONTENT_TYPES.get(format)).result(Files.readAllBytes(temp));
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static TableFormat format(Context ctx) {
        String name = Params.textParam(ctx, "format");
        TableFormat format;
        try {
            format = TableFormat.parse(name == null ? "jsonl" : name);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        if (!CONTENT_TYPES.containsKey(format)) {
            throw new InvalidRequestException(
                    "format must be jsonl, json, csv or markdown over HTTP");
        }
        return format;
    }
}
