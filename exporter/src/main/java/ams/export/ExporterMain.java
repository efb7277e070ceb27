package ams.export;

import ams.events.http.BearerToken;
import ams.events.topics.TopicProvisioner;
import ams.export.format.TableFormat;
import ams.export.importer.ImportReport;
import ams.export.importer.OriginalImporter;
import ams.export.snapshot.ConversationExport;
import io.javalin.Javalin;
import io.javalin.http.UnauthorizedResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exporter as its own process, configured from AMS_* environment variables. Without arguments
 * it runs the continuous sink; {@code import <dir>} imports the original AMS-DB's files from a
 * directory; {@code export <conversation-id|all> <jsonl|json|csv|parquet|markdown> <file>} writes a
 * one-shot export.
 */
public final class ExporterMain {

    private static final Logger log = LoggerFactory.getLogger(ExporterMain.class);

    private ExporterMain() {}

    public static void main(String[] args) throws Exception {
        ExporterConfig config = ExporterConfig.fromEnvironment(System.getenv(), Map.of());
        provisionTopics(config);
        if (args.length == 0) {
            runSink(config);
        } else if (args[0].equals("import") && args.length == 2) {
            for (ImportReport report : importDirectory(config, Path.of(args[1]))) {
                log.info(
                        "{}: read {}, published {}, already there {}",
                        report.source(),
                        report.read(),
                        report.published(),
                        report.skipped());
            }
        } else if (args[0].equals("export") && args.length == 4) {
            ConversationExport export =
                    new ConversationExport(
                            config.bootstrapServers(),
                            config.catalogue().conversationEvents(),
                            config.parquetCodec());
            int n =
                    export.export(
                            args[1].equals("all") ? Optional.empty() : Optional.of(args[1]),
                            TableFormat.parse(args[2]),
                            Path.of(args[3]));
            log.info("Exported {} conversation(s) to {}", n, args[3]);
        } else {
            throw new IllegalArgumentException(
                    "usage: ExporterMain [import <dir> | export <conversation-id|all> "
                            + "<jsonl|json|csv|parquet|markdown> <file>]");
        }
    }

    /**
     * Imports every {@code *.json} template and the {@code agent_matrix*.parquet}, {@code
     * conversation_history*.parquet} and {@code knowledge_base*.parquet} files of a directory.
     */
    public static List<ImportReport> importDirectory(ExporterConfig config, Path dir)
            throws Exception {
        OriginalImporter importer =
                new OriginalImporter(config.bootstrapServers(), config.catalogue());
        List<ImportReport> reports = new java.util.ArrayList<>();
        reports.add(importer.importTemplates(dir));
        List<Path> files;
        try (var list = java.nio.file.Files.list(dir)) {
            files = list.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.contains("agent_matrix") || name.contains("agents")) {
                reports.add(importer.importAgentMatrix(file));
            }
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.contains("conversation_history") || name.contains("conversations")) {
                reports.add(importer.importConversations(file));
            } else if (name.contains("knowledge_base") || name.contains("knowledge")) {
                reports.add(importer.importKnowledge(file));
            }
        }
        return reports;
    }

    /**
     * Creates the catalogue's missing topics (idempotent), so a first start on an empty cluster
     * works.
     */
    private static void provisionTopics(ExporterConfig config) {
        try (Admin admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                config.bootstrapServers()))) {
            new TopicProvisioner(admin, 30_000).provision(config.catalogue());
        }
    }

    private static void runSink(ExporterConfig config) throws InterruptedException {
        Exporter exporter = Exporter.start(config);
        Javalin http = null;
        if (config.httpPort() > 0) {
            Javalin server = Javalin.create(c -> c.showJavalinBanner = false);
            http = server;
            // The token of the whole system guards this port too: reachable without it, the
            // processor's
            // routes would bypass the API's check.
            config.apiToken()
                    .ifPresent(
                            token ->
                                    server.before(
                                            ctx -> {
                                                if (!token.admits(
                                                        ctx.path(), ctx.header("Authorization"))) {
                                                    throw new UnauthorizedResponse(
                                                            BearerToken.REFUSAL);
                                                }
                                            }));
            exporter.registerRoutes(http);
            http.start(config.httpHost(), config.httpPort());
        }
        CountDownLatch done = new CountDownLatch(1);
        Javalin server = http;
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    log.info("Shutting down the exporter");
                                    exporter.close();
                                    if (server != null) {
                                        server.stop();
                                    }
                                    done.countDown();
                                },
                                "ams-exporter-shutdown"));
        done.await();
    }
}
