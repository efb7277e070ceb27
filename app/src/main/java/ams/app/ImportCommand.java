package ams.app;

import ams.export.ExporterConfig;
import ams.export.ExporterMain;
import ams.export.importer.ImportReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ams import DIR}: migrate the original AMS-DB's files (agent JSON templates, and its
 * Parquet tables agent_matrix, conversation_history, knowledge_base) into the log. Idempotent: what
 * is already on the topics is skipped, so importing twice publishes nothing new.
 */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description =
                "Import the original AMS-DB's agent templates and Parquet tables from a directory (idempotent).")
final class ImportCommand implements Callable<Integer> {

    @Mixin BrokerOptions broker;

    @Parameters(
            paramLabel = "DIR",
            description =
                    "Directory with *.json agent templates and/or agent_matrix, conversation_history, knowledge_base .parquet files")
    Path directory;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException(directory + " is not a directory");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (BrokerOptions.Connection connection = broker.connect()) {
            ExporterConfig config =
                    new ExporterConfig(
                            Map.of(
                                    ExporterConfig.BOOTSTRAP_SERVERS,
                                    connection.bootstrapServers(),
                                    ExporterConfig.TOPIC_PREFIX,
                                    broker.topicPrefix));
            for (ImportReport report : ExporterMain.importDirectory(config, directory)) {
                out.printf(
                        "%-40s read %5d  published %5d  already there %5d%n",
                        report.source(), report.read(), report.published(), report.skipped());
            }
        }
        return 0;
    }
}
