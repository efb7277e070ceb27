package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.topics.TopicCatalogue;
import ams.export.format.TableFormat;
import ams.export.snapshot.ConversationExport;
import ams.service.http.ServiceHttp;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaClusterExtension.class)
class ConversationExportIT {

    @Test
    void shouldExportOneConversationOrAllInEveryFormat(TestKafka kafka, @TempDir Path dir)
            throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(2);
        ConversationSinkIT.sendConversation(kafka, catalogue, "conv-1", 3, true);
        ConversationSinkIT.sendConversation(kafka, catalogue, "conv-2", 2, false);
        ConversationExport export =
                new ConversationExport(
                        kafka.bootstrapServers(), catalogue.conversationEvents(), "ZSTD");

        assertEquals(
                1,
                export.export(Optional.of("conv-1"), TableFormat.JSONL, dir.resolve("one.jsonl")));
        assertEquals(2, export.export(Optional.empty(), TableFormat.JSON, dir.resolve("all.json")));
        assertEquals(2, export.export(Optional.empty(), TableFormat.CSV, dir.resolve("all.csv")));
        assertEquals(
                2,
                export.export(Optional.empty(), TableFormat.PARQUET, dir.resolve("all.parquet")));
        assertEquals(
                1,
                export.export(Optional.of("conv-1"), TableFormat.MARKDOWN, dir.resolve("one.md")));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        export.export(
                                Optional.of("nope"), TableFormat.JSONL, dir.resolve("none.jsonl")));

        try (DuckDb duck = new DuckDb()) {
            assertEquals(
                    List.of(
                            List.of("conv-1", 0L, "a", "conv-1 says 0"),
                            List.of("conv-1", 1L, "b", "conv-1 says 1"),
                            List.of("conv-1", 2L, "a", "conv-1 says 2")),
                    duck.query(
                            "SELECT conversation_id, turn_number, agent_id, message FROM read_json('"
                                    + dir.resolve("one.jsonl")
                                    + "', format = 'newline_delimited') ORDER BY turn_number"));
            assertEquals(
                    List.of(List.of("conv-1", "COMPLETED", 3L), List.of("conv-2", "RUNNING", 2L)),
                    duck.query(
                            "SELECT conversation_id, status, len(turns) FROM read_json('"
                                    + dir.resolve("all.json")
                                    + "', format = 'array') ORDER BY conversation_id"));
            assertEquals(
                    5,
                    duck.count(
                            "SELECT count(*) FROM read_csv('"
                                    + dir.resolve("all.csv")
                                    + "', header = true)"));
            assertEquals(
                    5,
                    duck.count(
                            "SELECT count(DISTINCT message_id) FROM read_parquet('"
                                    + dir.resolve("all.parquet")
                                    + "')"));
        }
        String markdown = Files.readString(dir.resolve("one.md"));
        assertTrue(markdown.contains("Status: COMPLETED\n"), markdown);
        assertTrue(markdown.startsWith("# Conversation: conv-1\n"), markdown);
        assertTrue(markdown.contains("## b\n"), markdown);
        assertTrue(markdown.contains("conv-1 says 2\n"), markdown);
    }

    @Test
    void shouldServeStatusAndConversationExportsOverHttp(TestKafka kafka, @TempDir Path root)
            throws Exception {
        TopicCatalogue catalogue = kafka.newCatalogue(1);
        ConversationSinkIT.sendConversation(kafka, catalogue, "conv-h", 2, true);
        Javalin app = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
        try (Exporter exporter =
                Exporter.start(
                        ConversationSinkIT.config(
                                kafka, catalogue, root, "http-" + System.nanoTime(), 10))) {
            exporter.registerRoutes(app);
            app.start("127.0.0.1", 0);
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + app.port();
            Wait.until(
                    "the sink is running",
                    Duration.ofSeconds(60),
                    () ->
                            get(http, base + "/exporter/status")
                                    .body()
                                    .contains("\"state\":\"RUNNING\""));

            HttpResponse<String> jsonl =
                    get(http, base + "/exporter/conversations/conv-h/export?format=jsonl");
            assertEquals(200, jsonl.statusCode());
            assertEquals(2, jsonl.body().lines().count());
            assertTrue(jsonl.body().contains("\"message\":\"conv-h says 1\""), jsonl.body());
            HttpResponse<String> markdown =
                    get(http, base + "/exporter/conversations/conv-h/export?format=markdown");
            assertTrue(markdown.body().startsWith("# Conversation: conv-h"), markdown.body());
            HttpResponse<String> unknown = get(http, base + "/exporter/conversations/nope/export");
            assertEquals(404, unknown.statusCode());
            assertTrue(unknown.body().contains("\"status\":404"), unknown.body());
            HttpResponse<String> bad =
                    get(http, base + "/exporter/conversations/conv-h/export?format=xml");
            assertEquals(400, bad.statusCode());
            assertTrue(bad.body().contains("\"error\":\"Unknown format 'xml'"), bad.body());
            assertTrue(bad.body().contains("\"status\":400"), bad.body());
        } finally {
            app.stop();
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
