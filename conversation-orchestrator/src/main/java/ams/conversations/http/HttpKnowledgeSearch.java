package ams.conversations.http;

import ams.conversations.KnowledgeSearch;
import ams.events.http.BearerToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link KnowledgeSearch} over the knowledge-indexer's {@code GET /agents/{id}/knowledge/search}
 * (separate-process mode).
 */
public final class HttpKnowledgeSearch implements KnowledgeSearch {

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http;
    private final String baseUrl;
    private final Duration timeout;
    private final Optional<BearerToken> token;

    public HttpKnowledgeSearch(String baseUrl, Duration timeout) {
        this(baseUrl, timeout, Optional.empty());
    }

    /** With the API token the processor's port requires. */
    public HttpKnowledgeSearch(String baseUrl, Duration timeout, Optional<BearerToken> token) {
        this.token = token;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public List<Hit> search(String agentId, String query, int k) {
        URI uri =
                URI.create(
                        baseUrl
                                + "/agents/"
                                + encode(agentId)
                                + "/knowledge/search?q="
                                + encode(query)
                                + "&k="
                                + k
                                + "&mode=hybrid");
        try {
            HttpResponse<String> response =
                    http.send(request(uri), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return List.of();
            }
            if (response.statusCode() != 200) {
                throw new IOException(
                        "GET "
                                + uri
                                + " answered "
                                + response.statusCode()
                                + ": "
                                + response.body());
            }
            List<Hit> hits = new ArrayList<>();
            for (JsonNode r : json.readTree(response.body()).path("results")) {
                hits.add(
                        new Hit(
                                r.path("document_id").asText(),
                                r.path("title").asText(""),
                                r.path("content").asText(""),
                                r.path("similarity").asDouble()));
            }
            return hits;
        } catch (IOException e) {
            throw new UncheckedIOException("Knowledge search unavailable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("Interrupted while asking " + uri, e));
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest request(URI uri) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        token.ifPresent(t -> request.header("Authorization", t.headerValue()));
        return request.build();
    }
}
