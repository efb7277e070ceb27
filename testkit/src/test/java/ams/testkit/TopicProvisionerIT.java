package ams.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaClusterExtension.class)
class TopicProvisionerIT {

    @Test
    void createsWhatIsMissingOnceAndLeavesExistingTopicsAlone(TestKafka kafka) throws Exception {
        TopicCatalogue catalogue =
                new TopicCatalogue("prov-" + UUID.randomUUID() + ".", 2, (short) 1);
        try (Admin admin = kafka.admin()) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, 30_000);

            TopicProvisioner.Report first = provisioner.provision(catalogue);
            assertEquals(catalogue.all().stream().map(Topic::name).toList(), first.created());
            assertTrue(first.consistent());

            TopicProvisioner.Report second = provisioner.provision(catalogue);
            assertTrue(second.created().isEmpty(), "second run created " + second.created());
            assertEquals(catalogue.all().size(), second.existing().size());

            ConfigResource resource =
                    new ConfigResource(ConfigResource.Type.TOPIC, catalogue.agentEvents().name());
            String retention =
                    admin.describeConfigs(List.of(resource))
                            .all()
                            .get()
                            .get(resource)
                            .get("retention.ms")
                            .value();
            assertEquals("-1", retention);
        }
    }

    @Test
    void reportsAPartitionMismatchWithoutChangingTheTopic(TestKafka kafka) throws Exception {
        String prefix = "mismatch-" + UUID.randomUUID() + ".";
        TopicCatalogue catalogue = new TopicCatalogue(prefix, 3, (short) 1);
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(catalogue.agentEvents().name(), 1, (short) 1)))
                    .all()
                    .get();
            // "Exists" as everyone sees it: else the provisioner may list it as missing, or fail
            // describing it and
            // retry (which reports the topics its first attempt created as existing).
            new TopicProvisioner(admin, 30_000)
                    .awaitVisible(List.of(catalogue.agentEvents().name()));

            TopicProvisioner.Report report =
                    new TopicProvisioner(admin, 30_000).provision(catalogue);

            assertFalse(report.consistent());
            assertEquals(
                    List.of(
                            new TopicProvisioner.PartitionMismatch(
                                    catalogue.agentEvents().name(), 3, 1)),
                    report.mismatches());
            assertEquals(catalogue.all().size() - 1, report.created().size());
            int partitions =
                    admin.describeTopics(List.of(catalogue.agentEvents().name()))
                            .allTopicNames()
                            .get()
                            .get(catalogue.agentEvents().name())
                            .partitions()
                            .size();
            assertEquals(1, partitions);
        }
    }

    @Test
    void twoProvisionersRacingCreateEachTopicOnce(TestKafka kafka) throws Exception {
        TopicCatalogue catalogue =
                new TopicCatalogue("race-" + UUID.randomUUID() + ".", 1, (short) 1);
        try (Admin a = kafka.admin();
                Admin b = kafka.admin()) {
            var first = new java.util.concurrent.CompletableFuture<TopicProvisioner.Report>();
            Thread racer =
                    new Thread(
                            () ->
                                    first.complete(
                                            new TopicProvisioner(a, 30_000).provision(catalogue)));
            racer.start();
            TopicProvisioner.Report second = new TopicProvisioner(b, 30_000).provision(catalogue);
            racer.join();
            assertEquals(
                    catalogue.all().size(), first.get().created().size() + second.created().size());
        }
    }
}
