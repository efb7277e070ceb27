package ams.app.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small JSON-over-HTTP client for the REST API of a running system. */
public final class RestClient {

    /** An answer that is not 2xx; the exit code a command returns for it. */
    public static final class ApiException extends RuntimeException {
        private final int status;
        private final boolean answerLost;

        public ApiException(int status, String message) {
            this(status, message, false);
        }

        private ApiException(int status, String message, boolean answerLost) {
            super(message);
            this.status = status;
            this.answerLost = answerLost;
        }

        /**
         * The request went out but no answer came back: the server may or may not have acted on it.
         */
        static ApiException answerLost(String message) {
            return new ApiException(0, message, true);
        }

        /**
         * Worth sending an idempotent request again: its answer was lost, or the service is briefly
         * unavailable.
         */
        public boolean retriable() {
            return answerLost || status == 502 || status == 503 || status == 504;
        }

        public int status() {
            return status;
        }

        /** 1: the request was wrong; 3: the system is not available; 4: not found. */
        public int exitCode() {
            return status == 404 ? 4 : status >= 500 || status == 0 ? 3 : 1;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int IDEMPOTENT_ATTEMPTS = 4;

    private final String baseUrl;
    private final String token;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public RestClient(String baseUrl, String token) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    public JsonNode get(String path) {
        return send("GET", path, null);
    }

    public JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    /**
     * POSTs a request the server treats as idempotent (it names its own id, e.g. a
     * conversation_id), so an answer lost to a timeout, a dropped connection or an instance
     * restarting (502/503/504) is asked again: the server answers a repeat with the outcome of the
     * first. Other failures are not retried.
     */
    public JsonNode postIdempotent(String path, Object body) {
        ApiException last = null;
        for (int attempt = 1; attempt <= IDEMPOTENT_ATTEMPTS; attempt++) {
            try {
                return post(path, body);
            } catch (ApiException e) {
                if (!e.retriable()) {
                    throw e;
                }
                last = e;
            }
            if (attempt == IDEMPOTENT_ATTEMPTS) {
                break;
            }
            try {
                Thread.sleep(500L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(0, "interrupted");
            }
        }
        throw last;
    }

    /**
     * Follows a conversation live ({@code GET /conversations/{id}/stream}); see {@link
     * ConversationStream}. Returns once the server accepted the stream.
     *
     * @param afterIndex the index of the last message already had, -1 for all
     */
    public ConversationStream streamConversation(
            String conversationId, int afterIndex, ConversationStream.Listener listener) {
        return ConversationStream.open(
                http, baseUrl, token, conversationId, afterIndex, listener, Duration.ofSeconds(30));
    }

    public JsonNode put(String path, Object body) {
        return send("PUT", path, body);
    }

    public JsonNode patch(String path, Object body) {
        return send("PATCH", path, body);
    }

    public JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    /** GETs a file-like answer and writes it to {@code target}; returns its size. */
    public long download(String path, java.nio.file.Path target) {
        try {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(URI.create(baseUrl + path))
                            .timeout(Duration.ofMinutes(10))
                            .GET();
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<byte[]> response =
                    http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() / 100 != 2) {
                JsonNode error = JSON.readTree(response.body());
                throw new ApiException(
                        response.statusCode(),
                        error.path("error")
                                .asText(
                                        new String(
                                                response.body(),
                                                java.nio.charset.StandardCharsets.UTF_8)));
            }
            java.nio.file.Files.write(target, response.body());
            return response.body().length;
        } catch (ConnectException e) {
            throw new ApiException(
                    0,
                    "no AMS-DB API answers at "
                            + baseUrl
                            + ": start one with 'ams up' or pass --api");
        } catch (IOException e) {
            throw new ApiException(0, "cannot download " + path + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted");
        }
    }

    /** POSTs a file's bytes as the body, with {@code contentType}, and answers the JSON reply. */
    public JsonNode postFile(String path, java.nio.file.Path file, String contentType) {
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.ofFile(file);
        } catch (java.io.FileNotFoundException e) {
            throw new ApiException(0, "no file " + file + ": give the path of an existing file");
        }
        return exchange(
                HttpRequest.newBuilder(URI.create(baseUrl + path))
                        .timeout(Duration.ofMinutes(5))
                        .header("Accept", "application/json")
                        .header("Content-Type", contentType)
                        .POST(body));
    }

    private JsonNode send(String method, String path, Object body) {
        HttpRequest.Builder request;
        try {
            request =
                    HttpRequest.newBuilder(URI.create(baseUrl + path))
                            .timeout(Duration.ofSeconds(60))
                            .header("Accept", "application/json")
                            .method(
                                    method,
                                    body == null
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofString(
                                                    body instanceof String s
                                                            ? s
                                                            : JSON.writeValueAsString(body)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the request body as JSON", e);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return exchange(request);
    }

    private JsonNode exchange(HttpRequest.Builder request) {
        try {
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> response =
                    http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json =
                    response.body().isBlank()
                            ? JSON.createObjectNode()
                            : JSON.readTree(response.body());
            if (response.statusCode() / 100 != 2) {
                throw new ApiException(
                        response.statusCode(), json.path("error").asText(response.body()));
            }
            return json;
        } catch (ConnectException e) {
            throw new ApiException(
                    0,
                    "no AMS-DB API answers at "
                            + baseUrl
                            + ": start one with 'ams up' or pass --api");
        } catch (IOException e) {
            throw ApiException.answerLost("cannot reach " + baseUrl + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted");
        }
    }
}
