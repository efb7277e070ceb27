package ams.app.chaos.badinput;

import ams.app.chaos.badinput.MalformedRequestCatalogue.Request;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Sends malformed requests to a running REST API and sorts the answers: every one must be a 4xx
 * whose JSON body says what to fix. Anything else (2xx, 5xx, no answer) is kept with the request
 * and the body, so a report can show exactly what to reproduce.
 */
public final class MalformedRequests {

    /**
     * A request answered otherwise than it should have been; {@code status} is -1 when there was no
     * answer.
     */
    public record Unexpected(String request, int status, String responseBody) {

        @Override
        public String toString() {
            return status + " for " + request + " -> " + responseBody;
        }
    }

    /**
     * @param perStatusClass answers per class ("2xx", "4xx", "5xx", "none")
     * @param perRoute requests per route, to show the coverage
     * @param notClientErrors every answer that was not a 4xx
     * @param withoutMessage 4xx answers without a JSON {@code error} message (except those the
     *     server's HTTP layer gives before the API sees the request: raw HTTP, URIs Jetty refuses)
     */
    public record Outcome(
            int sent,
            Map<String, Integer> perStatusClass,
            Map<Integer, Integer> perStatus,
            Map<String, Integer> perRoute,
            List<Unexpected> notClientErrors,
            List<Unexpected> withoutMessage) {

        public boolean allClientErrors() {
            return notClientErrors.isEmpty();
        }

        @Override
        public String toString() {
            return sent
                    + " malformed requests: "
                    + perStatusClass
                    + " "
                    + perStatus
                    + "; not 4xx: "
                    + notClientErrors.size()
                    + (notClientErrors.isEmpty() ? "" : " of these kinds " + kinds(notClientErrors))
                    + "; 4xx without a message: "
                    + withoutMessage.size()
                    + (withoutMessage.isEmpty()
                            ? ""
                            : " e.g. "
                                    + withoutMessage.subList(
                                            0, Math.min(5, withoutMessage.size())));
        }
    }

    /**
     * The distinct requests among {@code answers} (unknown ids made alike), with how often each was
     * answered so.
     */
    static Map<String, Long> kinds(List<Unexpected> answers) {
        return answers.stream()
                .collect(
                        Collectors.groupingBy(
                                u ->
                                        u.status()
                                                + " for "
                                                + u.request()
                                                        .replaceAll("ghost-[0-9a-f]+", "ghost-*"),
                                TreeMap::new,
                                Collectors.counting()));
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int THREADS = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private MalformedRequests() {}

    /**
     * Sends {@code count} malformed requests chosen by {@code seed} from every route of the API,
     * four at a time. If an agent exists, some requests name it so that a wrongly typed field is
     * all that is wrong.
     */
    public static Outcome send(URI apiBase, int count, long seed, String bearerTokenOrNull) {
        HttpClient http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(TIMEOUT)
                        .build();
        String base = apiBase.toString().replaceAll("/+$", "");
        MalformedRequestCatalogue catalogue =
                new MalformedRequestCatalogue(someAgent(http, base, bearerTokenOrNull));
        Random random = new Random(seed);
        List<Request> requests = new ArrayList<>(count);
        List<Boolean> withToken = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(catalogue.next(random));
            // With a token configured, one request in ten leaves it out or gets it wrong: 401 is a
            // 4xx too.
            withToken.add(bearerTokenOrNull == null || random.nextInt(10) != 0);
        }
        Map<String, Integer> perClass = Collections.synchronizedMap(new TreeMap<>());
        Map<Integer, Integer> perStatus = Collections.synchronizedMap(new TreeMap<>());
        Map<String, Integer> perRoute = new TreeMap<>();
        List<Unexpected> notClientErrors = Collections.synchronizedList(new ArrayList<>());
        List<Unexpected> withoutMessage = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Request request = requests.get(i);
                boolean rightToken = withToken.get(i);
                String token = rightToken ? bearerTokenOrNull : (i % 2 == 0 ? null : "wrong-token");
                perRoute.merge(request.route(), 1, Integer::sum);
                done.add(
                        pool.submit(
                                () -> {
                                    Answer answer =
                                            request.raw()
                                                    ? raw(apiBase, request, token)
                                                    : call(http, base, request, token);
                                    perClass.merge(statusClass(answer.status()), 1, Integer::sum);
                                    perStatus.merge(answer.status(), 1, Integer::sum);
                                    Unexpected seen =
                                            new Unexpected(
                                                    request
                                                            + (rightToken
                                                                    ? ""
                                                                    : " (token " + token + ")"),
                                                    answer.status(),
                                                    excerpt(answer.body()));
                                    if (answer.status() < 400 || answer.status() > 499) {
                                        notClientErrors.add(seen);
                                    } else if (!request.raw()
                                            && !answeredByHttpLayer(answer.body())
                                            && !hasErrorMessage(answer.body())) {
                                        withoutMessage.add(seen);
                                    }
                                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending malformed requests", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "sending a malformed request failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return new Outcome(
                count,
                Map.copyOf(perClass),
                Map.copyOf(perStatus),
                Map.copyOf(perRoute),
                List.copyOf(notClientErrors),
                List.copyOf(withoutMessage));
    }

    private record Answer(int status, String body) {}

    private static Answer call(HttpClient http, String base, Request request, String token) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(base + request.path()))
                        .timeout(TIMEOUT)
                        .method(
                                request.method(),
                                request.body() == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(request.body()));
        if (request.contentType() != null && request.body() != null) {
            builder.header("Content-Type", request.contentType());
        }
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response =
                    http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Answer(-1, "no answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, "interrupted");
        }
    }

    /** Writes the request line and headers by hand: what an HTTP client library refuses to send. */
    private static Answer raw(URI apiBase, Request request, String token) {
        StringBuilder head =
                new StringBuilder(request.method())
                        .append(' ')
                        .append(request.path())
                        .append(" HTTP/1.1\r\n")
                        .append("Host: ")
                        .append(apiBase.getHost())
                        .append("\r\nConnection: close\r\n");
        if (token != null) {
            head.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        String body = "";
        if ("CONTENT_LENGTH_NOT_A_NUMBER".equals(request.body())) {
            head.append("Content-Type: application/json\r\nContent-Length: twelve\r\n");
        } else if ("HEADER_WITHOUT_COLON".equals(request.body())) {
            body = "{}";
            head.append("Content-Type application/json\r\nContent-Length: 2\r\n");
        }
        head.append("\r\n").append(body);
        try (Socket socket = new Socket(apiBase.getHost(), apiBase.getPort())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            String[] statusLine = response.split("\r\n", 2)[0].split(" ");
            int status = statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : -1;
            int bodyStart = response.indexOf("\r\n\r\n");
            return new Answer(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4));
        } catch (IOException | NumberFormatException e) {
            return new Answer(-1, "no answer: " + e);
        }
    }

    /** The id of any agent the API lists, or null. */
    private static String someAgent(HttpClient http, String base, String token) {
        Answer answer =
                call(
                        http,
                        base,
                        new Request("GET /agents", "GET", "/agents?limit=1", null, null, false),
                        token);
        if (answer.status() != 200) {
            return null;
        }
        try {
            List<String> ids = JSON.readTree(answer.body()).findValuesAsText("agent_id");
            return ids.isEmpty() ? null : ids.get(0);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean hasErrorMessage(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null
                    && node.path("error").isTextual()
                    && !node.path("error").asText().isBlank();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Jetty refuses some URIs (an encoded NUL, say) before any route runs, with its own HTML page.
     */
    private static boolean answeredByHttpLayer(String body) {
        return body != null && body.startsWith("<h1>Bad Message ");
    }

    private static String statusClass(int status) {
        return status < 100 ? "none" : (status / 100) + "xx";
    }

    private static String excerpt(String body) {
        return body == null ? "" : body.length() > 500 ? body.substring(0, 500) + "…" : body;
    }
}
