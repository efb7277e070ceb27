package ams.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A plain Server-Sent Events reader for tests: one thread reads the stream line by line and records
 * each event (name, id, JSON data) until the server closes it.
 */
final class SseReader implements AutoCloseable {

    record Event(String name, String id, JsonNode data) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private final InputStream body;
    private final Thread thread;
    private final int status;
    private volatile boolean closed;

    private SseReader(HttpResponse<InputStream> response) {
        this.status = response.statusCode();
        this.body = response.body();
        this.thread = new Thread(this::read, "sse-reader");
        thread.setDaemon(true);
        thread.start();
    }

    static SseReader open(String url, String lastEventId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        try {
            return new SseReader(
                    HttpClient.newHttpClient()
                            .send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void read() {
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String name = null;
            String id = null;
            StringBuilder data = new StringBuilder();
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (data.length() > 0 || name != null) {
                        events.add(
                                new Event(
                                        name == null ? "message" : name,
                                        id,
                                        JSON.readTree(data.toString())));
                    }
                    name = null;
                    id = null;
                    data.setLength(0);
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).strip());
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("data:")) {
                    if (data.length() > 0) {
                        data.append('\n');
                    }
                    data.append(line.substring(5).strip());
                }
            }
        } catch (IOException e) {
            // closed by the test
        } finally {
            closed = true;
        }
    }

    int status() {
        return status;
    }

    /** Whether the server closed the stream. */
    boolean closed() {
        return closed;
    }

    List<Event> events() {
        return new ArrayList<>(events);
    }

    List<Event> events(String name) {
        return events.stream().filter(e -> e.name().equals(name)).toList();
    }

    List<String> comments() {
        return new ArrayList<>(comments);
    }

    boolean any(Predicate<Event> test) {
        return events.stream().anyMatch(test);
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
