package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.topics.TopicCatalogue;
import ams.service.http.ServiceHttp;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of one application: partitions (stores and workers) split between them, queries
 * routed to the owner.
 */
@ExtendWith(KafkaClusterExtension.class)
class TwoInstancesIT {

    @TempDir Path state;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldAnswerEveryConversationFromEitherInstance(TestKafka kafka) {
        TopicCatalogue catalogue = kafka.newCatalogue();
        Map<String, Object> first = Harness.config(kafka, catalogue, state);
        Map<String, Object> second = Harness.config(kafka, catalogue, state);
        second.put(ConversationConfig.APPLICATION_ID, first.get(ConversationConfig.APPLICATION_ID));
        List<String> ids = new ArrayList<>();
        try (Instance one = new Instance(first);
                Instance two = new Instance(second)) {
            Wait.until(
                    "both instances own partitions",
                    Duration.ofSeconds(60),
                    () ->
                            one.orchestrator.streams().metadataForLocalThreads().stream()
                                            .anyMatch(t -> !t.activeTasks().isEmpty())
                                    && two.orchestrator.streams().metadataForLocalThreads().stream()
                                            .anyMatch(t -> !t.activeTasks().isEmpty()));
            // Two conversations on each of the three partitions, so both instances certainly own
            // some.
            int[] perPartition = new int[3];
            for (int i = 0; ids.size() < 6; i++) {
                String id = "spread-" + i;
                int partition =
                        org.apache.kafka.common.utils.Utils.toPositive(
                                        org.apache.kafka.common.utils.Utils.murmur2(
                                                id.getBytes(
                                                        java.nio.charset.StandardCharsets.UTF_8)))
                                % 3;
                if (perPartition[partition]++ >= 2) {
                    continue;
                }
                ids.add(id);
                kafka.send(
                        catalogue.conversationEvents(),
                        id,
                        TestEvents.conversationRequested(id, "routing", 3, "a", "b"));
            }
            for (String id : ids) {
                JsonNode conversation =
                        Wait.untilValue(
                                id + " completed, asked at instance one",
                                Duration.ofSeconds(60),
                                () -> {
                                    JsonNode n = get(one.base + "/conversations/" + id);
                                    return n != null
                                                    && "COMPLETED".equals(n.path("status").asText())
                                            ? n
                                            : null;
                                });
                assertEquals(3, conversation.path("turns_done").asInt());
                JsonNode messages =
                        Wait.untilValue(
                                id + " messages at instance two",
                                Duration.ofSeconds(60),
                                () -> get(two.base + "/conversations/" + id + "/messages"));
                assertEquals(3, messages.path("messages").size(), id);
            }
            long localToOne =
                    ids.stream()
                            .filter(id -> one.orchestrator.queries().conversation(id).isPresent())
                            .count();
            long localToTwo =
                    ids.stream()
                            .filter(id -> two.orchestrator.queries().conversation(id).isPresent())
                            .count();
            assertEquals(
                    6, localToOne + localToTwo, "each conversation lives on exactly one instance");
            assertTrue(
                    localToOne > 0 && localToTwo > 0,
                    "both instances own some: " + localToOne + "/" + localToTwo);
            JsonNode ofAgent = get(one.base + "/agents/a/conversations");
            List<String> listed = new ArrayList<>();
            ofAgent.path("conversations").forEach(n -> listed.add(n.asText()));
            assertEquals(
                    ids.stream().sorted().toList(),
                    listed,
                    "the per-agent list fans out to both instances");
        }
    }

    private JsonNode get(String url) {
        try {
            HttpResponse<String> r =
                    http.send(
                            HttpRequest.newBuilder(URI.create(url)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Harness.JSON.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * One orchestrator with its own HTTP server on the port it advertises as application.server.
     */
    private static final class Instance implements AutoCloseable {
        final ConversationOrchestrator orchestrator;
        final Javalin app;
        final String base;

        Instance(Map<String, Object> config) {
            orchestrator = Harness.start(config);
            app = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
            orchestrator.registerRoutes(app);
            int port = (Integer) config.get(ConversationConfig.HTTP_PORT);
            app.start("127.0.0.1", port);
            base = "http://127.0.0.1:" + port;
        }

        @Override
        public void close() {
            app.stop();
            orchestrator.close();
        }
    }
}
