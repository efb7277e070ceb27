package ams.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.Status;
import ams.conversations.statemachine.StoredMessage;
import ams.events.topics.TopicCatalogue;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ollama provider through the real LangChain4j Ollama client, against a local server that
 * speaks Ollama's {@code /api/chat} protocol: the request carries the personality, the reply is
 * streamed (NDJSON, as Ollama streams), and the answer and its token counts land in the
 * conversation.
 */
@ExtendWith(KafkaClusterExtension.class)
class OllamaProviderIT {

    @TempDir Path state;

    @Test
    void shouldGenerateTurnsThroughOllamasChatApi(TestKafka kafka) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> requests = new CopyOnWriteArrayList<>();
        HttpServer ollama =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        ollama.createContext(
                "/api/chat",
                exchange -> {
                    try (exchange;
                            InputStream in = exchange.getRequestBody()) {
                        JsonNode request = json.readTree(in);
                        requests.add(request);
                        // A streamed reply is NDJSON: the first half of the answer, then the
                        // rest with done and the token counts.
                        String answer = "Ollama answer " + requests.size();
                        String body =
                                json.writeValueAsString(
                                                Map.of(
                                                        "model",
                                                        request.path("model").asText(),
                                                        "created_at",
                                                        "2026-11-25T00:00:00Z",
                                                        "message",
                                                        Map.of(
                                                                "role",
                                                                "assistant",
                                                                "content",
                                                                answer.substring(0, 7)),
                                                        "done",
                                                        false))
                                        + "\n"
                                        + json.writeValueAsString(
                                                Map.of(
                                                        "model",
                                                        request.path("model").asText(),
                                                        "created_at",
                                                        "2026-11-25T00:00:00Z",
                                                        "message",
                                                        Map.of(
                                                                "role",
                                                                "assistant",
                                                                "content",
                                                                answer.substring(7)),
                                                        "done",
                                                        true,
                                                        "done_reason",
                                                        "stop",
                                                        "prompt_eval_count",
                                                        21,
                                                        "eval_count",
                                                        4))
                                        + "\n";
                        if (!request.path("stream").asBoolean(false)) {
                            exchange.sendResponseHeaders(400, -1);
                            return;
                        }
                        exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
                        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                        exchange.sendResponseHeaders(200, bytes.length);
                        try (OutputStream out = exchange.getResponseBody()) {
                            out.write(bytes);
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
        ollama.start();
        TopicCatalogue catalogue = kafka.newCatalogue();
        Map<String, Object> config = Harness.config(kafka, catalogue, state);
        config.put(ConversationConfig.LLM_PROVIDER, "ollama");
        config.put(
                ConversationConfig.LLM_BASE_URL,
                "http://127.0.0.1:" + ollama.getAddress().getPort());
        config.put(ConversationConfig.LLM_MODEL, "llama-test");
        try (ConversationOrchestrator o = Harness.start(config)) {
            Harness.send(
                    kafka,
                    catalogue,
                    "conv-ollama",
                    Harness.request("llamas", 2, "a", "b").build());

            ConversationState end = Harness.awaitEnd(o, "conv-ollama", Duration.ofSeconds(60));

            assertEquals(Status.COMPLETED, end.status());
            assertEquals(2, requests.size());
            assertEquals("llama-test", requests.get(0).path("model").asText());
            assertTrue(
                    requests.get(0)
                            .path("messages")
                            .get(0)
                            .path("content")
                            .asText()
                            .contains("You are a."),
                    requests.get(0).toString());
            List<StoredMessage> stored = o.queries().messages("conv-ollama");
            assertEquals(
                    List.of("Ollama answer 1", "Ollama answer 2"),
                    stored.stream().map(StoredMessage::content).toList());
            assertEquals(25, stored.get(0).usage().totalTokens());
        } finally {
            ollama.stop(0);
        }
    }
}
