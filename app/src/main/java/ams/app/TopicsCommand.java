package ams.app;

import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ams topics}: create the catalogue's topics that are missing and report what is there. */
@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "Create missing topics and list the catalogue.")
final class TopicsCommand implements Callable<Integer> {

    @Mixin BrokerOptions broker;

    @Option(
            names = "--partitions",
            defaultValue = "3",
            description = "Partitions of new topics. Default: ${DEFAULT-VALUE}")
    int partitions;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        TopicCatalogue catalogue = new TopicCatalogue(broker.topicPrefix, partitions, (short) 1);
        try (BrokerOptions.Connection connection = broker.connect();
                Admin admin =
                        Admin.create(
                                Map.of(
                                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                        connection.bootstrapServers()))) {
            TopicProvisioner.Report report =
                    new TopicProvisioner(admin, 30_000).provision(catalogue);
            report.created().forEach(t -> out.println("created  " + t));
            report.existing().forEach(t -> out.println("exists   " + t));
            report.mismatches().forEach(m -> out.println("MISMATCH " + m));
            return report.consistent() ? 0 : 3;
        }
    }
}
