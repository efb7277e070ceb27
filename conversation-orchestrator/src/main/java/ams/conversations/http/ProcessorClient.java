package ams.conversations.http;

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
import java.util.Optional;

/**
 * A JSON GET to another processor's port (separate-process mode), carrying the system's token. A
 * failure is unchecked: the turn runner treats it as "try again later", like a 5xx.
 */
final class ProcessorClient {

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http;
    private final String baseUrl;
    private final Duration timeout;
    private final Optional<BearerToken> token;
    private final String what;

    /**
     * @param what what the processor serves, for the failure message ("Agent directory")
     */
    ProcessorClient(String baseUrl, Duration timeout, Optional<BearerToken> token, String what) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeout = timeout;
        this.token = token;
        this.what = what;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The answer's JSON, or empty on 404. */
    Optional<JsonNode> get(String pathAndQuery) {
        URI uri = URI.create(baseUrl + pathAndQuery);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        token.ifPresent(t -> request.header("Authorization", t.headerValue()));
        try {
            HttpResponse<String> response =
                    http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return Optional.empty();
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
            return Optional.of(json.readTree(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(what + " unavailable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("Interrupted while asking " + uri, e));
        }
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
