package ams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.app.broker.EmbeddedBroker;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.testkit.FreePorts;
import ams.testkit.KafkaCluster;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/**
 * The broker of {@code ams up}: formats a new data dir, and keeps topics and records across a
 * restart.
 */
class EmbeddedBrokerIT {

    @Test
    void keepsItsLogAcrossRestarts() throws Exception {
        Path dataDir = Files.createTempDirectory("ams-broker-it");
        int port = FreePorts.next();
        int controllerPort = FreePorts.next();
        TopicCatalogue catalogue = TopicCatalogue.defaults();

        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir, port, controllerPort)) {
            try (Admin admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    broker.bootstrapServers()))) {
                assertEquals(
                        catalogue.all().size(),
                        new TopicProvisioner(admin, 30_000).provision(catalogue).created().size());
            }
            new TestKafka(cluster(broker.bootstrapServers()))
                    .send(catalogue.agentEvents(), "a1", TestEvents.agentCreated("a1", "A"));
        }

        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir, port, controllerPort)) {
            try (Admin admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    broker.bootstrapServers()))) {
                assertEquals(
                        0,
                        new TopicProvisioner(admin, 30_000).provision(catalogue).created().size());
            }
            var records =
                    new TestKafka(cluster(broker.bootstrapServers()))
                            .consume(catalogue.agentEvents(), 1, Duration.ofSeconds(60));
            assertEquals("a1", records.get(0).key());
        }
    }

    private static KafkaCluster cluster(String bootstrap) {
        return new ams.testkit.ExistingKafkaCluster(bootstrap);
    }
}
