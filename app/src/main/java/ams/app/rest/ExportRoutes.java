package ams.app.rest;

import ams.events.InvalidRequestException;
import ams.export.AgentTable;
import ams.export.KnowledgeTable;
import ams.export.format.TableFormat;
import ams.export.snapshot.ConversationExport;
import ams.export.snapshot.SnapshotMedia;
import ams.export.snapshot.Snapshots;
import ams.service.http.NotFoundException;
import ams.service.media.MediaStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The original's {@code /export/...} endpoints: one-shot exports of the agent matrix, the knowledge
 * base and the conversations in csv, parquet, jsonl or json, and snapshots next to the datasets.
 */
public final class ExportRoutes {

    private static final Map<TableFormat, String> CONTENT_TYPES =
            Map.of(
                    TableFormat.CSV,
                    "text/csv",
                    TableFormat.JSON,
                    "application/json",
                    TableFormat.JSONL,
                    "application/x-ndjson",
                    TableFormat.PARQUET,
                    "application/vnd.apache.parquet",
                    TableFormat.MARKDOWN,
                    "text/markdown");

    private final AgentTable agents;
    private final KnowledgeTable knowledge;
    private final ConversationExport conversations;
    private final Snapshots snapshots;
    private final Path datasetRoot;
    private final MediaStore mediaStore;

    /**
     * @param mediaStore where a snapshot copies the referenced media from; null = none (every
     *     object counts as missing)
     */
    public ExportRoutes(
            AgentTable agents,
            KnowledgeTable knowledge,
            ConversationExport conversations,
            Snapshots snapshots,
            Path datasetRoot,
            MediaStore mediaStore) {
        this.mediaStore = mediaStore;
        this.agents = agents;
        this.knowledge = knowledge;
        this.conversations = conversations;
        this.snapshots = snapshots;
        this.datasetRoot = datasetRoot;
    }

    public void register(Javalin app) {
        app.get(
                "/export/agents",
                ctx ->
                        send(
                                ctx,
                                "agents",
                                format(ctx, false),
                                (f, p) -> snapshots.exportAgents(agents, f, p)));
        app.get(
                "/export/knowledge",
                ctx ->
                        send(
                                ctx,
                                "knowledge",
                                format(ctx, false),
                                (f, p) -> snapshots.exportKnowledge(knowledge, f, p)));
        app.get(
                "/export/conversations",
                ctx ->
                        send(
                                ctx,
                                "conversations",
                                format(ctx, true),
                                (f, p) -> conversations.export(Optional.empty(), f, p)));
        app.get(
                "/export/conversations/{id}",
                ctx -> {
                    String id = ctx.pathParam("id");
                    send(
                            ctx,
                            "conversation-" + id,
                            format(ctx, true),
                            (f, p) -> {
                                try {
                                    conversations.export(Optional.of(id), f, p);
                                } catch (IllegalArgumentException e) {
                                    // Its one refusal in a valid format: no such conversation.
                                    throw new NotFoundException(e.getMessage());
                                }
                            });
                });
        app.post(
                "/export/snapshots",
                ctx -> {
                    Path agentsFile = snapshots.agentsParquet(agents, datasetRoot);
                    Path knowledgeFile = snapshots.knowledgeParquet(knowledge, datasetRoot);
                    // The media the knowledge and the conversations refer to, copied beside them.
                    SnapshotMedia.Report media =
                            new SnapshotMedia()
                                    .knowledge(knowledge.documents())
                                    .messages(
                                            conversations.read(Optional.empty()).stream()
                                                    .flatMap(c -> c.messages().stream())
                                                    .toList())
                                    .bundle(mediaStore, datasetRoot);
                    Path manifest =
                            snapshots.manifest(datasetRoot, agentsFile, knowledgeFile, media);
                    ctx.status(201)
                            .json(
                                    Map.of(
                                            "agents",
                                            agentsFile.toAbsolutePath().toString(),
                                            "knowledge",
                                            knowledgeFile.toAbsolutePath().toString(),
                                            "manifest",
                                            manifest.toAbsolutePath().toString(),
                                            "media",
                                            Map.of(
                                                    "dir",
                                                    media.dir().toAbsolutePath().toString(),
                                                    "referenced",
                                                    media.referenced(),
                                                    "bundled",
                                                    media.bundled(),
                                                    "present",
                                                    media.present(),
                                                    "missing",
                                                    media.missing())));
                });
    }

    private static TableFormat format(Context ctx, boolean markdownAllowed) {
        TableFormat format =
                TableFormat.parse(Optional.ofNullable(ctx.queryParam("format")).orElse("jsonl"));
        if (format == TableFormat.MARKDOWN && !markdownAllowed) {
            throw new InvalidRequestException(
                    "markdown applies to conversations only: use csv, parquet, jsonl or json");
        }
        return format;
    }

    @FunctionalInterface
    private interface Writer {
        void write(TableFormat format, Path target) throws IOException;
    }

    private static void send(Context ctx, String name, TableFormat format, Writer writer)
            throws IOException {
        Path temp = Files.createTempFile("ams-export-", "." + format.extension());
        try {
            writer.write(format, temp);
            ctx.contentType(CONTENT_TYPES.get(format));
            ctx.header(
                    "Content-Disposition",
                    "attachment; filename=\"" + name + "." + format.extension() + "\"");
            try (InputStream in = Files.newInputStream(temp)) {
                ctx.result(in.readAllBytes());
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
