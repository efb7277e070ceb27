package ams.export;

import ams.events.streams.StaticMembership;
import ams.events.topics.TopicProvisioner;
import ams.export.format.TableFormat;
import ams.export.importer.ImportReport;
import ams.export.importer.OriginalImporter;
import ams.export.snapshot.ConversationExport;
import ams.service.ProcessMain;
import ams.service.http.ServiceHttp;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exporter as its own process, configured from AMS_* environment variables and an optional
 * properties file (first argument). Without a command it runs the continuous sink and serves its
 * routes; {@code import <dir>} imports the original AMS-DB's files from a directory; {@code export
 * <conversation-id|all> <jsonl|json|csv|parquet|markdown> <file>} writes a one-shot export.
 */
public final class ExporterMain {

    private static final Logger log = LoggerFactory.getLogger(ExporterMain.class);

    private static final Set<String> COMMANDS = Set.of("import", "export");

    private ExporterMain() {}

    /**
     * The sink's static group member id: the group, this host and the HTTP port, so that a process
     * killed with -9 and started again on its port takes its partitions back at once (a dynamic
     * member waits out the dead one's 45 s session). Only a process that will hold the port may
     * join under that id, or it would fence the live exporter that holds it: so the port must be
     * free now (it is bound right after). With port 0 (any free port) there is no stable id: a
     * dynamic member.
     */
    static Optional<String> staticMember(ExporterConfig config) {
        int port = config.httpPort();
        if (port <= 0) {
            return Optional.empty();
        }
        if (ProcessMain.portInUse(new InetSocketAddress(config.httpHost(), port))) {
            throw new IllegalStateException(
                    "HTTP port "
                            + port
                            + " on "
                            + config.httpHost()
                            + " is in use (another exporter?): set AMS_HTTP_PORT to a free port");
        }
        return Optional.of(StaticMembership.instanceId(config.groupId(), port));
    }

    public static void main(String[] args) throws Exception {
        // An optional properties file first, then the command (none: run the sink).
        boolean withFile = args.length > 0 && !COMMANDS.contains(args[0]);
        Properties file = ProcessMain.properties(withFile ? new String[] {args[0]} : new String[0]);
        List<String> command = List.of(args).subList(withFile ? 1 : 0, args.length);
        ExporterConfig config = ExporterConfig.fromEnvironment(System.getenv(), file);
        provisionTopics(config);
        if (command.isEmpty()) {
            Exporter exporter = Exporter.start(config, staticMember(config));
            ProcessMain.serve(
                    "exporter",
                    ServiceHttp.Options.of(config.apiToken()),
                    config.httpHost(),
                    config.httpPort(),
                    exporter::registerRoutes,
                    exporter);
        } else if (command.get(0).equals("import") && command.size() == 2) {
            for (ImportReport report : importDirectory(config, Path.of(command.get(1)))) {
                log.info(
                        "{}: read {}, published {}, already there {}",
                        report.source(),
                        report.read(),
                        report.published(),
                        report.skipped());
            }
        } else if (command.get(0).equals("export") && command.size() == 4) {
            ConversationExport export =
                    new ConversationExport(
                            config.bootstrapServers(),
                            config.catalogue().conversationEvents(),
                            config.parquetCodec());
            int n =
                    export.export(
                            command.get(1).equals("all")
                                    ? Optional.empty()
                                    : Optional.of(command.get(1)),
                            TableFormat.parse(command.get(2)),
                            Path.of(command.get(3)));
            log.info("Exported {} conversation(s) to {}", n, command.get(3));
        } else {
            throw new IllegalArgumentException(
                    "usage: ExporterMain [properties-file] [import <dir> | export <conversation-id|all> "
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
        if (!config.provisionTopics()) {
            return;
        }
        try (Admin admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                config.bootstrapServers()))) {
            new TopicProvisioner(admin, 30_000).provision(config.catalogue());
        }
    }
}
