package ams.conversations.media;

import ams.conversations.ConversationConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * A client of an OpenAI-compatible speech-to-text endpoint: {@code POST
 * <base>/audio/transcriptions} with a multipart body of {@code file} and {@code model}, answered by
 * {@code {"text": ...}}. Built by hand on {@link java.net.http}: one request shape, no SDK.
 */
public final class SpeechToText {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String model;
    private final String apiKey;
    private final Duration timeout;
    private final HttpClient http;

    public SpeechToText(String baseUrl, String model, String apiKey, Duration timeout) {
        String base = baseUrl.strip();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        this.endpoint = URI.create(base + "/audio/transcriptions");
        this.model = model;
        this.apiKey = apiKey == null ? "" : apiKey;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The client {@code stt.base.url} configures, or empty when it is unset. */
    public static Optional<SpeechToText> fromConfig(ConversationConfig config) {
        String base = config.getString(ConversationConfig.STT_BASE_URL);
        if (base == null || base.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(
                new SpeechToText(
                        base,
                        config.getString(ConversationConfig.STT_MODEL),
                        config.sttApiKey(),
                        Duration.ofMillis(config.getLong(ConversationConfig.STT_TIMEOUT_MS))));
    }

    public String model() {
        return model;
    }

    /** Why a transcription failed, in words a turn's provenance can carry. */
    public static final class TranscriptionFailed extends IOException {
        private static final long serialVersionUID = 1L;

        public TranscriptionFailed(String message) {
            super(message);
        }

        public TranscriptionFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The text the endpoint heard in {@code audio}. */
    public String transcribe(byte[] audio, String contentType, String fileName)
            throws TranscriptionFailed {
        String boundary = "ams-" + UUID.randomUUID();
        HttpRequest.Builder request =
                HttpRequest.newBuilder(endpoint)
                        .timeout(timeout)
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(
                                HttpRequest.BodyPublishers.ofByteArray(
                                        body(boundary, audio, contentType, fileName)));
        if (!apiKey.isBlank()) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TranscriptionFailed(
                    "the speech-to-text endpoint " + endpoint + " did not answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TranscriptionFailed("interrupted while transcribing", e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new TranscriptionFailed(
                    "the speech-to-text endpoint "
                            + endpoint
                            + " answered "
                            + response.statusCode()
                            + ": "
                            + abbreviate(response.body()));
        }
        JsonNode text;
        try {
            text = JSON.readTree(response.body()).get("text");
        } catch (IOException e) {
            throw new TranscriptionFailed(
                    "the speech-to-text endpoint answered no JSON: " + abbreviate(response.body()),
                    e);
        }
        if (text == null || !text.isTextual()) {
            throw new TranscriptionFailed(
                    "the speech-to-text endpoint answered no \"text\": "
                            + abbreviate(response.body()));
        }
        return text.asText();
    }

    private byte[] body(String boundary, byte[] audio, String contentType, String fileName) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(audio.length + 512);
        write(out, "--" + boundary + "\r\n");
        write(out, "Content-Disposition: form-data; name=\"model\"\r\n\r\n");
        write(out, model + "\r\n");
        write(out, "--" + boundary + "\r\n");
        write(
                out,
                "Content-Disposition: form-data; name=\"file\"; filename=\"" + fileName + "\"\r\n");
        write(out, "Content-Type: " + contentType + "\r\n\r\n");
        out.writeBytes(audio);
        write(out, "\r\n--" + boundary + "--\r\n");
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
