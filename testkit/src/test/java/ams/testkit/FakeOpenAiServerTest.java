package ams.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FakeOpenAiServerTest {

    private final FakeOpenAiServer server = FakeOpenAiServer.start();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> chat(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static final String REQUEST =
            """
            {"model":"m","messages":[{"role":"system","content":"You are a wizard."},{"role":"user","content":"Hello there"}]}""";

    @Test
    void answersInTheChatCompletionsShapeAndRecordsTheRequest() throws Exception {
        server.respondWith(request -> Reply.text("Greetings from " + request.systemPrompt()));
        HttpResponse<String> response = chat(REQUEST);
        assertEquals(200, response.statusCode());
        JsonNode body = json.readTree(response.body());
        assertEquals(
                "Greetings from You are a wizard.", body.at("/choices/0/message/content").asText());
        assertEquals("assistant", body.at("/choices/0/message/role").asText());
        assertTrue(body.at("/usage/total_tokens").asInt() > 0);
        assertEquals("Hello there", server.chatRequests().get(0).lastUserMessage());
    }

    @Test
    void recordsTheImagePartsOfAVisionRequest() throws Exception {
        server.respondWith(request -> Reply.text("I see " + request.imageUrls().size()));
        HttpResponse<String> response =
                chat(
                        """
                        {"model":"m","messages":[{"role":"user","content":[\
                        {"type":"text","text":"What is this?"},\
                        {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K"}}]}]}""");
        assertEquals(200, response.statusCode());
        assertEquals(
                "I see 1",
                json.readTree(response.body()).at("/choices/0/message/content").asText());
        var recorded = server.chatRequests().get(0);
        assertEquals("What is this?", recorded.lastUserMessage());
        assertEquals(java.util.List.of("data:image/png;base64,iVBORw0K"), recorded.imageUrls());
    }

    @Test
    void queuedFaultsComeFirstThenTheResponder() throws Exception {
        server.enqueue(Reply.rateLimited(), Reply.serverError());
        assertEquals(429, chat(REQUEST).statusCode());
        assertEquals(500, chat(REQUEST).statusCode());
        assertEquals(200, chat(REQUEST).statusCode());
    }

    @Test
    void delaysTheReplyWhenAsked() throws Exception {
        server.enqueue(Reply.text("slow").after(Duration.ofMillis(300)));
        long start = System.nanoTime();
        chat(REQUEST);
        assertTrue(System.nanoTime() - start >= 300_000_000L);
    }

    @Test
    void streamsServerSentEventsWhenRequested() throws Exception {
        server.respondWith(request -> Reply.text("one two three"));
        HttpResponse<String> response =
                chat(REQUEST.replace("\"model\":\"m\",", "\"model\":\"m\",\"stream\":true,"));
        assertTrue(response.body().contains("\"delta\":{\"content\":\"one \"}"), response.body());
        assertTrue(response.body().trim().endsWith("data: [DONE]"));
    }

    @Test
    void embedsDeterministically() throws Exception {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/embeddings"))
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                "{\"model\":\"e\",\"input\":[\"a b\",\"a b\"]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        JsonNode data = json.readTree(response.body()).path("data");
        assertEquals(FakeOpenAiServer.EMBEDDING_DIMENSION, data.get(0).path("embedding").size());
        assertEquals(data.get(0).path("embedding"), data.get(1).path("embedding"));
    }
}
