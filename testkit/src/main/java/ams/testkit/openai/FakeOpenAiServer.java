package ams.testkit.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A local fake of the OpenAI HTTP API on 127.0.0.1 for tests: {@code POST /v1/chat/completions}
 * (plain and streaming), {@code POST /v1/embeddings}, {@code POST /v1/audio/transcriptions}
 * (multipart; answers {@link #transcribeAs}) and {@code GET /v1/models}. Answers come from a
 * responder function; one-shot replies queued with {@link #enqueue} go first, so a test can inject
 * a 429, a 500 or a delay exactly where it wants. Every request is recorded.
 */
public final class FakeOpenAiServer implements AutoCloseable {

    public static final String MODEL = "fake-gpt";
    public static final int EMBEDDING_DIMENSION = 16;

    static {
        // A streamed reply is a burst of small writes (a chunk per word): without TCP_NODELAY,
        // Nagle's algorithm holds each write after the first until the client's delayed ACK, ~40
        // ms per reply on Linux, which a real model server (setting it) does not add. The JDK's
        // server reads this once, when the JVM's first com.sun HttpServer is made.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final Pattern AFTER_SPACE = Pattern.compile("(?<= )");
    private static final Pattern NON_WORD = Pattern.compile("\\W+");

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "fake-openai");
                        t.setDaemon(true);
                        return t;
                    });
    private final Queue<Reply> queued = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Function<ChatRequest, Reply>> responder =
            new AtomicReference<>(
                    request ->
                            Reply.text("Fake reply to: " + abbreviate(request.lastUserMessage())));
    private final List<ChatRequest> chatRequests = new CopyOnWriteArrayList<>();
    private final List<Long> chatRequestNanos = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.LongAdder chatAnswerNanos =
            new java.util.concurrent.atomic.LongAdder();
    private final AtomicLong completionIds = new AtomicLong();
    private final AtomicLong embeddingRequests = new AtomicLong();
    private final AtomicReference<String> transcript = new AtomicReference<>("fake transcript");
    private final List<Transcription> transcriptions = new CopyOnWriteArrayList<>();

    /** A transcription request as received: the multipart fields {@code model} and {@code file}. */
    public static final class Transcription {
        private final String model;
        private final String fileName;
        private final String fileContentType;
        private final byte[] file;

        Transcription(String model, String fileName, String fileContentType, byte[] file) {
            this.model = model;
            this.fileName = fileName;
            this.fileContentType = fileContentType;
            this.file = file.clone();
        }

        public String model() {
            return model;
        }

        public String fileName() {
            return fileName;
        }

        public String fileContentType() {
            return fileContentType;
        }

        /** The bytes of the {@code file} field, exactly as they arrived. */
        public byte[] file() {
            return file.clone();
        }

        @Override
        public String toString() {
            return "Transcription[" + model + ", " + fileName + ", " + file.length + " bytes]";
        }
    }

    private FakeOpenAiServer(HttpServer server) {
        this.server = server;
    }

    public static FakeOpenAiServer start() {
        try {
            HttpServer http =
                    HttpServer.create(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            FakeOpenAiServer fake = new FakeOpenAiServer(http);
            http.createContext("/v1/chat/completions", fake::chat);
            http.createContext("/v1/embeddings", fake::embeddings);
            http.createContext("/v1/models", fake::models);
            http.createContext("/v1/audio/transcriptions", fake::transcriptions);
            http.setExecutor(fake.executor);
            http.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the fake OpenAI server", e);
        }
    }

    /** Base URL to give an OpenAI client, including {@code /v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public FakeOpenAiServer respondWith(Function<ChatRequest, Reply> responder) {
        this.responder.set(responder);
        return this;
    }

    /** Replies used once each, in order, before the responder is asked. */
    public FakeOpenAiServer enqueue(Reply... replies) {
        queued.addAll(List.of(replies));
        return this;
    }

    public List<ChatRequest> chatRequests() {
        return new ArrayList<>(chatRequests);
    }

    /**
     * When each chat request arrived ({@link System#nanoTime}), in arrival order: what a test of
     * rate limits measures.
     */
    public List<Long> chatRequestNanos() {
        return new ArrayList<>(chatRequestNanos);
    }

    /**
     * The time chat requests spent in this server, summed over all of them: from arrival to the
     * last byte of the answer written (what a benchmark compares with the caller's cap on calls in
     * flight to see whether the caller kept its places busy).
     */
    public long chatAnswerNanos() {
        return chatAnswerNanos.sum();
    }

    /** The text every transcription answers; null = answer 500. */
    public FakeOpenAiServer transcribeAs(String text) {
        transcript.set(text);
        return this;
    }

    public List<Transcription> transcriptions() {
        return new ArrayList<>(transcriptions);
    }

    public long embeddingRequests() {
        return embeddingRequests.get();
    }

    private void chat(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                sendError(exchange, 405, "Use POST");
                return;
            }
            long arrived = System.nanoTime();
            try {
                answerChat(exchange, arrived);
            } finally {
                chatAnswerNanos.add(System.nanoTime() - arrived);
            }
        }
    }

    private void answerChat(HttpExchange exchange, long arrived) throws IOException {
        try {
            JsonNode body;
            try (InputStream in = exchange.getRequestBody()) {
                body = json.readTree(in);
            }
            ChatRequest request = parse(body);
            synchronized (chatRequestNanos) {
                chatRequests.add(request);
                chatRequestNanos.add(arrived);
            }
            Reply reply = queued.poll();
            if (reply == null) {
                reply = responder.get().apply(request);
            }
            if (!reply.delay().isZero()) {
                Thread.sleep(reply.delay().toMillis());
            }
            if (reply.isError()) {
                if (reply.retryAfter() != null) {
                    long seconds = (reply.retryAfter().toMillis() + 999) / 1000;
                    exchange.getResponseHeaders().set("Retry-After", Long.toString(seconds));
                }
                sendError(exchange, reply.status(), reply.errorMessage());
            } else if (request.stream()) {
                sendStream(exchange, request, reply);
            } else {
                sendJson(exchange, 200, completion(request, reply));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ChatRequest parse(JsonNode body) {
        List<ChatRequest.Message> messages = new ArrayList<>();
        for (JsonNode message : body.path("messages")) {
            JsonNode content = message.path("content");
            String text;
            List<String> images = new ArrayList<>();
            if (content.isArray()) {
                StringBuilder sb = new StringBuilder();
                content.forEach(part -> sb.append(part.path("text").asText("")));
                text = sb.toString();
                // Vision requests: {"type": "image_url", "image_url": {"url": "data:..."}}.
                for (JsonNode part : content) {
                    if ("image_url".equals(part.path("type").asText())) {
                        images.add(part.path("image_url").path("url").asText(""));
                    }
                }
            } else {
                text = content.asText("");
            }
            messages.add(new ChatRequest.Message(message.path("role").asText(), text, images));
        }
        return new ChatRequest(
                body.path("model").asText(MODEL),
                List.copyOf(messages),
                body.path("stream").asBoolean(false),
                body);
    }

    private ObjectNode completion(ChatRequest request, Reply reply) {
        ObjectNode root = json.createObjectNode();
        root.put("id", "chatcmpl-fake-" + completionIds.incrementAndGet());
        root.put("object", "chat.completion");
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", request.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", reply.content());
        choice.put("finish_reason", "stop");
        if (!reply.omitUsage()) {
            putUsage(root, request, reply);
        }
        return root;
    }

    private void putUsage(ObjectNode root, ChatRequest request, Reply reply) {
        int prompt = wordCount(request.allText());
        int completion = wordCount(reply.content());
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
    }

    /**
     * Chunks as OpenAI sends them: one per word with a {@code delta.content}, an empty delta with
     * {@code finish_reason}, then, when the request asked {@code stream_options.include_usage} (or
     * did not say: the fake is generous), a chunk with no choices and the {@code usage}, then
     * {@code [DONE]}. Each chunk is flushed on its own, after the reply's chunk delay.
     */
    private void sendStream(HttpExchange exchange, ChatRequest request, Reply reply)
            throws IOException, InterruptedException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        String id = "chatcmpl-fake-" + completionIds.incrementAndGet();
        try (OutputStream out = exchange.getResponseBody()) {
            for (String piece : AFTER_SPACE.split(reply.content(), -1)) {
                if (piece.isEmpty()) {
                    continue;
                }
                ObjectNode chunk = chunk(id, request);
                ObjectNode choice = chunk.putArray("choices").addObject();
                choice.put("index", 0);
                choice.putObject("delta").put("content", piece);
                if (!reply.chunkDelay().isZero()) {
                    Thread.sleep(reply.chunkDelay().toMillis());
                }
                writeChunk(out, chunk);
            }
            ObjectNode last = chunk(id, request);
            ObjectNode choice = last.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("delta");
            choice.put("finish_reason", "stop");
            writeChunk(out, last);
            boolean usageAsked =
                    request.body().path("stream_options").path("include_usage").asBoolean(true);
            if (!reply.omitUsage() && usageAsked) {
                ObjectNode usage = chunk(id, request);
                usage.putArray("choices");
                putUsage(usage, request, reply);
                writeChunk(out, usage);
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private ObjectNode chunk(String id, ChatRequest request) {
        ObjectNode chunk = json.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("model", request.model());
        return chunk;
    }

    private void writeChunk(OutputStream out, ObjectNode chunk) throws IOException {
        out.write(
                ("data: " + json.writeValueAsString(chunk) + "\n\n")
                        .getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void embeddings(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body;
            try (InputStream in = exchange.getRequestBody()) {
                body = json.readTree(in);
            }
            embeddingRequests.incrementAndGet();
            List<String> inputs = new ArrayList<>();
            JsonNode input = body.path("input");
            if (input.isArray()) {
                input.forEach(n -> inputs.add(n.asText()));
            } else {
                inputs.add(input.asText());
            }
            ObjectNode root = json.createObjectNode();
            root.put("object", "list");
            root.put("model", body.path("model").asText(MODEL));
            ArrayNode data = root.putArray("data");
            int tokens = 0;
            for (int i = 0; i < inputs.size(); i++) {
                ObjectNode item = data.addObject();
                item.put("object", "embedding");
                item.put("index", i);
                ArrayNode vector = item.putArray("embedding");
                for (float v : hashEmbedding(inputs.get(i))) {
                    vector.add(v);
                }
                tokens += wordCount(inputs.get(i));
            }
            root.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
            sendJson(exchange, 200, root);
        }
    }

    private void transcriptions(HttpExchange exchange) throws IOException {
        try (exchange) {
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            int at = type == null ? -1 : type.indexOf("boundary=");
            if (!"POST".equals(exchange.getRequestMethod()) || at < 0) {
                sendError(exchange, 400, "Use POST with multipart/form-data");
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, Part> parts = Multipart.parse(body, type.substring(at + 9).strip());
            Part model = parts.get("model");
            Part file = parts.get("file");
            if (model == null || file == null) {
                sendError(exchange, 400, "model and file are required, got " + parts.keySet());
                return;
            }
            transcriptions.add(
                    new Transcription(
                            new String(model.bytes(), StandardCharsets.UTF_8),
                            file.fileName(),
                            file.contentType(),
                            file.bytes()));
            String text = transcript.get();
            if (text == null) {
                sendError(exchange, 500, "transcription failed");
                return;
            }
            ObjectNode root = json.createObjectNode();
            root.put("text", text);
            sendJson(exchange, 200, root);
        }
    }

    /** One field of a multipart body. */
    static final class Part {
        private final String fileName;
        private final String contentType;
        private final byte[] bytes;

        Part(String fileName, String contentType, byte[] bytes) {
            this.fileName = fileName;
            this.contentType = contentType;
            this.bytes = bytes;
        }

        String fileName() {
            return fileName;
        }

        String contentType() {
            return contentType;
        }

        byte[] bytes() {
            return bytes;
        }
    }

    private void models(HttpExchange exchange) throws IOException {
        try (exchange) {
            ObjectNode root = json.createObjectNode();
            root.put("object", "list");
            root.putArray("data")
                    .addObject()
                    .put("id", MODEL)
                    .put("object", "model")
                    .put("owned_by", "ams-testkit");
            sendJson(exchange, 200, root);
        }
    }

    /**
     * A deterministic unit vector from the words of a text: equal texts embed equally, shared words
     * bring vectors closer.
     */
    public static float[] hashEmbedding(String text) {
        float[] vector = new float[EMBEDDING_DIMENSION];
        for (String word : NON_WORD.split(text.toLowerCase(Locale.ROOT), -1)) {
            if (!word.isEmpty()) {
                vector[Math.floorMod(word.hashCode(), EMBEDDING_DIMENSION)] += 1f;
            }
        }
        double norm = 0;
        for (float v : vector) {
            norm += v * v;
        }
        if (norm > 0) {
            for (int i = 0; i < vector.length; i++) {
                vector[i] = (float) (vector[i] / Math.sqrt(norm));
            }
        }
        return vector;
    }

    private void sendError(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode root = json.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", status == 429 ? "rate_limit_exceeded" : "server_error");
        error.putNull("param");
        error.putNull("code");
        sendJson(exchange, status, root);
    }

    private void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static int wordCount(String text) {
        return text == null || text.isBlank() ? 0 : text.trim().split("\\s+").length;
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
