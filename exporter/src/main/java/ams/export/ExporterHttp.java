package ams.export;

import java.util.Map;

import io.javalin.Javalin;

/** HTTP routes of the exporter: the state of the continuous sink. */
public final class ExporterHttp {

    private final Exporter exporter;

    public ExporterHttp(Exporter exporter) {
        this.exporter = exporter;
    }

    public void register(Javalin app) {
        app.get("/exporter/status", ctx -> {
            SinkStatus s = exporter.status();
            ctx.json(Map.of(
                    "state", s.state().name(),
                    "error", s.error() == null ? "" : s.error(),
                    "records_consumed", s.recordsConsumed(),
                    "dead_lettered", s.deadLettered(),
                    "failures", s.failures(),
                    "dataset_root", exporter.config().datasetRoot().toAbsolutePath().toString(),
                    "next_offsets", s.nextOffsets()));
        });
    }
}
