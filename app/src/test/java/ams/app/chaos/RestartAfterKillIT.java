package ams.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.testkit.FreePorts;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream processor killed with -9 and started again takes its partitions back at once, without
 * waiting for its dead self's session to time out. The session timeout is set to five minutes here,
 * so a processor that had to wait it out (a dynamic group member) could not apply the event sent
 * after the restart within the two minutes this test waits: the test does not race a clock.
 */
@ExtendWith(KafkaClusterExtension.class)
class RestartAfterKillIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void shouldApplyEventsSoonAfterAKillAndRestartWithoutWaitingOutTheSession(
            TestKafka kafka, @TempDir Path tmp) throws Exception {
        String prefix = "restart-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicCatalogue catalogue = new TopicCatalogue(prefix, 3, (short) 1);
        try (Admin admin = kafka.admin()) {
            new TopicProvisioner(admin, 30_000).provision(catalogue);
        }
        String application = prefix + "agent-processor";
        int port = FreePorts.next();
        Path properties =
                Files.writeString(
                        tmp.resolve("agent-processor.properties"),
                        "streams.session.timeout.ms=300000\nstreams.commit.interval.ms=100\n");
        try (ProcessSupervisor supervisor =
                new ProcessSupervisor(Path.of("target", "restart-after-kill", prefix))) {
            supervisor.start(
                    new ProcessSupervisor.Service(
                            "agent-processor",
                            "ams.agents.AgentProcessorMain",
                            List.of(properties.toString()),
                            Map.of(
                                    "AMS_BOOTSTRAP_SERVERS",
                                    kafka.bootstrapServers(),
                                    "AMS_TOPIC_PREFIX",
                                    prefix,
                                    "AMS_HTTP_HOST",
                                    "127.0.0.1",
                                    "AMS_HTTP_PORT",
                                    Integer.toString(port),
                                    "AMS_STATE_DIR",
                                    tmp.resolve("state").toString(),
                                    "AMS_AGENTS_APPLICATION_ID",
                                    application),
                            List.of(),
                            port,
                            "/agents/healthcheck"));
            kafka.send(
                    catalogue.agentEvents(), "before", TestEvents.agentCreated("before", "Before"));
            awaitAgent(supervisor, port, "before");

            supervisor.killAndRestart("agent-processor");
            supervisor.awaitListening("agent-processor", WAIT);
            kafka.send(catalogue.agentEvents(), "after", TestEvents.agentCreated("after", "After"));
            awaitAgent(supervisor, port, "after");

            try (Admin admin = kafka.admin()) {
                ConsumerGroupDescription group =
                        admin.describeConsumerGroups(List.of(application))
                                .all()
                                .get()
                                .get(application);
                Collection<MemberDescription> members = group.members();
                assertEquals(
                        1,
                        members.size(),
                        "the restarted process replaced its dead self: " + members);
                assertTrue(
                        members.iterator().next().groupInstanceId().isPresent(),
                        "a static member: " + members);
            }
            assertEquals(Map.of("agent-processor", 1), supervisor.kills());
        }
    }

    private static void awaitAgent(ProcessSupervisor supervisor, int port, String agentId) {
        Wait.until(
                agentId + " served by the agent processor",
                WAIT,
                () -> {
                    supervisor.restartExited();
                    return status(port, "/agents/" + agentId) == 200;
                });
    }

    private static int status(int port, String path) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .timeout(Duration.ofSeconds(5))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
