package ams.testkit.s3;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A local fake of an S3-compatible object store on 127.0.0.1 for tests: one bucket, path-style
 * {@code PUT}, {@code GET} (with a {@code Range} of bytes) and {@code HEAD} of objects, S3's XML
 * errors ({@code NoSuchKey}, {@code NoSuchBucket}, {@code InvalidAccessKeyId}, {@code
 * SignatureDoesNotMatch}, {@code XAmzContentSHA256Mismatch}). Every request's SigV4 signature is
 * checked against the configured secret, computed here independently of the client, so a signing
 * bug fails the test as real S3 would. Every request is recorded.
 */
public final class FakeS3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "AKIAFAKES3TEST";
    public static final String SECRET_KEY = "fake/secret+key/for/tests";
    public static final String REGION = "eu-test-1";

    private static final Pattern AUTHORIZATION =
            Pattern.compile(
                    "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request,"
                            + " ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})");

    /** An object as stored: its bytes and the Content-Type it was put with. */
    public static final class StoredObject {
        private final byte[] bytes;
        private final String contentType;

        StoredObject(byte[] bytes, String contentType) {
            this.bytes = bytes.clone();
            this.contentType = contentType;
        }

        public byte[] bytes() {
            return bytes.clone();
        }

        public String contentType() {
            return contentType;
        }
    }

    /** A request as received: method, object key (without the bucket) and the answer's status. */
    public record Request(String method, String key, int status) {}

    private static final String KEY = "fake-s3.key";

    private final HttpServer server;
    private final ExecutorService executor =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "fake-s3");
                        t.setDaemon(true);
                        return t;
                    });
    private final String bucket;
    private final String secretKey;
    private final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private FakeS3Server(String bucket, String secretKey) throws IOException {
        this.bucket = bucket;
        this.secretKey = secretKey;
        this.server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** A fake with bucket {@code bucket} that takes {@link #ACCESS_KEY} / {@link #SECRET_KEY}. */
    public static FakeS3Server start(String bucket) throws IOException {
        return new FakeS3Server(bucket, SECRET_KEY);
    }

    /** The endpoint URL: {@code http://127.0.0.1:<port>}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String bucket() {
        return bucket;
    }

    /** The object under {@code key}, or empty. */
    public Optional<StoredObject> object(String key) {
        return Optional.ofNullable(objects.get(key));
    }

    /** The keys in the bucket, sorted. */
    public List<String> keys() {
        return objects.keySet().stream().sorted().toList();
    }

    /** Every request so far, in order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** How many requests with {@code method} named {@code key}. */
    public long count(String method, String key) {
        return requests.stream()
                .filter(r -> r.method().equals(method) && r.key().equals(key))
                .count();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String rawPath = exchange.getRequestURI().getRawPath();
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String path = exchange.getRequestURI().getPath();
            String[] parts = path.length() > 1 ? path.substring(1).split("/", 2) : new String[0];
            String key = parts.length == 2 ? parts[1] : "";
            exchange.setAttribute(KEY, key);
            answer(exchange, method, rawPath, parts, key, body);
        }
    }

    private int answer(
            HttpExchange exchange,
            String method,
            String rawPath,
            String[] parts,
            String key,
            byte[] body)
            throws IOException {
        Optional<String[]> refused = checkSignature(exchange, method, rawPath, body);
        if (refused.isPresent()) {
            return error(exchange, 403, refused.get()[0], refused.get()[1]);
        }
        if (parts.length == 0 || !parts[0].equals(bucket)) {
            return error(exchange, 404, "NoSuchBucket", "The specified bucket does not exist");
        }
        if (key.isEmpty()) {
            return error(exchange, 400, "InvalidRequest", "this fake serves objects only");
        }
        switch (method) {
            case "PUT" -> {
                String type =
                        Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type"))
                                .orElse("binary/octet-stream");
                objects.put(key, new StoredObject(body, type));
                exchange.getResponseHeaders().set("ETag", "\"" + hex(md5(body)) + "\"");
                record(exchange, 200);
                exchange.sendResponseHeaders(200, -1);
                return 200;
            }
            case "HEAD", "GET" -> {
                StoredObject object = objects.get(key);
                if (object == null) {
                    return error(exchange, 404, "NoSuchKey", "The specified key does not exist.");
                }
                byte[] bytes = object.bytes();
                int status = 200;
                String range = exchange.getRequestHeaders().getFirst("Range");
                if (range != null && method.equals("GET")) {
                    Matcher m = Pattern.compile("bytes=(\\d+)-(\\d*)").matcher(range);
                    if (m.matches()) {
                        int from = Integer.parseInt(m.group(1));
                        int to =
                                m.group(2).isEmpty()
                                        ? bytes.length - 1
                                        : Math.min(Integer.parseInt(m.group(2)), bytes.length - 1);
                        bytes = Arrays.copyOfRange(bytes, Math.min(from, bytes.length), to + 1);
                        status = 206;
                    }
                }
                Headers out = exchange.getResponseHeaders();
                out.set("Content-Type", object.contentType());
                if (method.equals("HEAD")) {
                    out.set("Content-Length", Long.toString(bytes.length));
                    record(exchange, status);
                    exchange.sendResponseHeaders(status, -1);
                } else {
                    record(exchange, status);
                    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
                    try (OutputStream o = exchange.getResponseBody()) {
                        o.write(bytes);
                    }
                }
                return status;
            }
            default -> {
                return error(exchange, 405, "MethodNotAllowed", method + " is not served here");
            }
        }
    }

    /** Empty when the request is signed right with the secret; else S3's error code and text. */
    private Optional<String[]> checkSignature(
            HttpExchange exchange, String method, String rawPath, byte[] body) {
        Headers headers = exchange.getRequestHeaders();
        String authorization = headers.getFirst("Authorization");
        if (authorization == null) {
            return Optional.of(new String[] {"AccessDenied", "Anonymous access is not allowed"});
        }
        Matcher m = AUTHORIZATION.matcher(authorization);
        if (!m.matches()) {
            return Optional.of(
                    new String[] {
                        "AuthorizationHeaderMalformed",
                        "cannot parse Authorization: " + authorization
                    });
        }
        if (!m.group(1).equals(ACCESS_KEY)) {
            return Optional.of(
                    new String[] {
                        "InvalidAccessKeyId",
                        "The AWS Access Key Id you provided does not exist in our records."
                    });
        }
        String date = m.group(2);
        String region = m.group(3);
        String service = m.group(4);
        List<String> signedNames = List.of(m.group(5).split(";", -1));
        String amzDate = headers.getFirst("X-Amz-Date");
        String payloadHash = headers.getFirst("X-Amz-Content-Sha256");
        if (amzDate == null
                || !amzDate.startsWith(date)
                || payloadHash == null
                || !signedNames.contains("host")
                || !signedNames.contains("x-amz-date")
                || !signedNames.contains("x-amz-content-sha256")) {
            return Optional.of(
                    new String[] {
                        "AccessDenied", "host, x-amz-date and x-amz-content-sha256 must be signed"
                    });
        }
        if (!payloadHash.equals("UNSIGNED-PAYLOAD") && !payloadHash.equals(hex(sha256(body)))) {
            return Optional.of(
                    new String[] {
                        "XAmzContentSHA256Mismatch",
                        "The provided 'x-amz-content-sha256' header does not match what was"
                                + " computed."
                    });
        }
        TreeMap<String, String> signed = new TreeMap<>();
        for (String name : signedNames) {
            List<String> values = headers.get(name);
            if (values == null) {
                return Optional.of(
                        new String[] {"AccessDenied", "signed header " + name + " was not sent"});
            }
            signed.put(name, String.join(",", values).strip().replaceAll(" +", " "));
        }
        String query = exchange.getRequestURI().getRawQuery();
        StringBuilder canonical = new StringBuilder();
        canonical.append(method).append('\n').append(rawPath).append('\n');
        canonical.append(query == null ? "" : query).append('\n');
        signed.forEach((k, v) -> canonical.append(k).append(':').append(v).append('\n'));
        canonical.append('\n').append(String.join(";", signed.keySet())).append('\n');
        canonical.append(payloadHash);
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String toSign =
                "AWS4-HMAC-SHA256\n"
                        + amzDate
                        + "\n"
                        + scope
                        + "\n"
                        + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(hmac(hmac(key, region), service), "aws4_request");
        String expected = hex(hmac(key, toSign));
        if (!MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII),
                m.group(6).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of(
                    new String[] {
                        "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you"
                                + " provided. Check your key and signing method."
                    });
        }
        return Optional.empty();
    }

    private int error(HttpExchange exchange, int status, String code, String message)
            throws IOException {
        byte[] xml =
                ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                                + code
                                + "</Code><Message>"
                                + message.replace("&", "&amp;")
                                        .replace("<", "&lt;")
                                        .replace(">", "&gt;")
                                + "</Message></Error>")
                        .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        if (exchange.getRequestMethod().equals("HEAD")) {
            // S3 answers a HEAD with the status alone: no body to carry the code.
            record(exchange, status);
            exchange.sendResponseHeaders(status, -1);
        } else {
            record(exchange, status);
            exchange.sendResponseHeaders(status, xml.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(xml);
            }
        }
        return status;
    }

    /**
     * Recorded before the answer goes out: a client that has its answer sees its request in {@link
     * #requests}.
     */
    private void record(HttpExchange exchange, int status) {
        requests.add(
                new Request(
                        exchange.getRequestMethod(), (String) exchange.getAttribute(KEY), status));
    }

    private static byte[] sha256(byte[] bytes) {
        return digest("SHA-256", bytes);
    }

    private static byte[] md5(byte[] bytes) {
        return digest("MD5", bytes);
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** For a test's message: the requests, one a line. */
    public String describeRequests() {
        List<String> lines = new ArrayList<>();
        requests.forEach(r -> lines.add(r.method() + " " + r.key() + " -> " + r.status()));
        return lines.isEmpty() ? "(none)" : String.join("\n", lines);
    }
}
