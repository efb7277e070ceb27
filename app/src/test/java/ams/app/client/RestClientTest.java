package ams.app.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The retries of an idempotent POST, against a real HTTP server that answers from a script. */
class RestClientTest {

    private final Deque<Integer> statuses = new ConcurrentLinkedDeque<>();
    private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());
    private HttpServer server;
    private RestClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(
                "/conversations/generate",
                exchange -> {
                    bodies.add(
                            new String(
                                    exchange.getRequestBody().readAllBytes(),
                                    StandardCharsets.UTF_8));
                    Integer status = statuses.poll();
                    int code = status == null ? 202 : status;
                    byte[] answer =
                            (code == 202
                                            ? "{\"conversation_id\":\"c1\"}"
                                            : "{\"error\":\"status " + code + "\"}")
                                    .getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(code, answer.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(answer);
                    }
                });
        server.start();
        client = new RestClient("http://127.0.0.1:" + server.getAddress().getPort(), null);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static Object request() {
        return new ObjectMapper().createObjectNode().put("conversation_id", "c1").put("topic", "t");
    }

    @Test
    void shouldSendTheSameRequestAgainWhileTheServiceIsUnavailable() {
        statuses.addAll(List.of(503, 502));
        assertEquals(
                "c1",
                client.postIdempotent("/conversations/generate", request())
                        .path("conversation_id")
                        .asText());
        assertEquals(3, bodies.size());
        assertEquals(
                1,
                bodies.stream().distinct().count(),
                "every attempt carries the same request: " + bodies);
    }

    @Test
    void shouldNotRetryWhatTheServerRefused() {
        statuses.add(409);
        RestClient.ApiException refused =
                assertThrows(
                        RestClient.ApiException.class,
                        () -> client.postIdempotent("/conversations/generate", request()));
        assertEquals(409, refused.status());
        assertEquals(1, bodies.size());
    }

    @Test
    void shouldGiveUpAfterItsAttemptsWithTheLastAnswer() {
        statuses.addAll(List.of(503, 503, 503, 503, 503));
        RestClient.ApiException unavailable =
                assertThrows(
                        RestClient.ApiException.class,
                        () -> client.postIdempotent("/conversations/generate", request()));
        assertEquals(503, unavailable.status());
        assertEquals(4, bodies.size());
    }

    @Test
    void shouldNotRetryWhenNothingListens() {
        server.stop(0);
        RestClient.ApiException down =
                assertThrows(
                        RestClient.ApiException.class,
                        () -> client.postIdempotent("/conversations/generate", request()));
        assertEquals(0, down.status());
        assertEquals(0, bodies.size());
    }
}
