package ams.conversations.http;

import ams.conversations.AgentDirectory;
import ams.conversations.AgentProfile;
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
 * {@link AgentDirectory} over the agent-processor's {@code GET /agents/{id}} (separate-process
 * mode).
 */
public final class HttpAgentDirectory implements AgentDirectory {

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http;
    private final String baseUrl;
    private final Duration timeout;
    private final Optional<BearerToken> token;

    public HttpAgentDirectory(String baseUrl, Duration timeout) {
        this(baseUrl, timeout, Optional.empty());
    }

    /** With the API token the processor's port requires. */
    public HttpAgentDirectory(String baseUrl, Duration timeout, Optional<BearerToken> token) {
        this.token = token;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public Optional<AgentProfile> find(String agentId) {
        URI uri =
                URI.create(
                        baseUrl
                                + "/agents/"
                                + URLEncoder.encode(agentId, StandardCharsets.UTF_8)
                                        .replace("+", "%20"));
        try {
            HttpResponse<String> response =
                    http.send(request(uri), HttpResponse.BodyHandlers.ofString());
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
            JsonNode agent = json.readTree(response.body());
            return Optional.of(
                    new AgentProfile(
                            agentId,
                            agent.path("agent_name").asText(agentId),
                            agent.path("config")));
        } catch (IOException e) {
            throw new UncheckedIOException("Agent directory unavailable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("Interrupted while asking " + uri, e));
        }
    }

    private HttpRequest request(URI uri) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        token.ifPresent(t -> request.header("Authorization", t.headerValue()));
        return request.build();
    }
}
