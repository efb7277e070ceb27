package ams.service.media;

import ams.service.http.ServiceUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A media store in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2): the object with hash {@code
 * h} is {@code <prefix><first 2 hex of h>/<h>}, its transcript {@code <prefix><2
 * hex>/<h>.transcript.txt}, the same layout as {@link LocalMediaStore}'s directory. It speaks S3's
 * REST protocol with the JDK's HTTP client, path-style, signed with {@link SigV4Signer}.
 *
 * <p>A put holds the upload in memory (at most {@code media.max.bytes}): the hash names the object
 * and signs the body, so it must be known before the first byte is sent. A HEAD first makes a put
 * idempotent: the same bytes twice are one object, one PUT. The store being unreachable, or
 * refusing the credentials, is a {@link ServiceUnavailableException} (503) whose message says what
 * to check: the client cannot fix it, the operator can.
 */
public final class S3MediaStore implements MediaStore {

    private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");
    private static final String TRANSCRIPT = ".transcript.txt";

    private final S3Settings settings;
    private final MediaRules rules;
    private final SigV4Signer signer;
    private final HttpClient http;
    private final Clock clock;
    private final Duration timeout;

    public S3MediaStore(S3Settings settings, long maxBytes, List<String> allowedTypes) {
        this(settings, new MediaRules(maxBytes, allowedTypes), Clock.systemUTC());
    }

    S3MediaStore(S3Settings settings, MediaRules rules, Clock clock) {
        this.settings = settings;
        this.rules = rules;
        this.signer =
                new SigV4Signer(
                        settings.accessKey(), settings.secretKey(), settings.region(), "s3");
        // HTTP/1.1: no h2c upgrade headers on a plain-http endpoint (MinIO on a laptop).
        this.http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10))
                        .build();
        this.clock = clock;
        this.timeout = Duration.ofSeconds(60);
    }

    @Override
    public String kind() {
        return MediaConfig.S3;
    }

    public S3Settings settings() {
        return settings;
    }

    @Override
    public MediaObject put(InputStream in, String declaredType) throws IOException {
        Optional<String> declared = rules.declared(declaredType);
        byte[] bytes = readLimited(in);
        int head = Math.min(bytes.length, MediaTypes.MAGIC_BYTES);
        String type = rules.typeOf(bytes, head, bytes.length, declared);
        String hash = SigV4Signer.sha256Hex(bytes);
        MediaObject object = new MediaObject(hash, type, bytes.length);
        String key = key(hash);
        HttpResponse<byte[]> existing = send("HEAD", key, null, null, Map.of());
        if (existing.statusCode() == 200) {
            return object; // the same hash is the same bytes: nothing to write
        }
        // AWS answers a HEAD of a missing key 403 to a key without s3:ListBucket: the PUT then
        // decides (writing the same bytes under their own hash again is harmless).
        if (existing.statusCode() != 404 && existing.statusCode() != 403) {
            throw failure("HEAD", key, existing);
        }
        // The payload hash S3 checks is the object's own name.
        HttpResponse<byte[]> put = send("PUT", key, bytes, type, Map.of(), hash);
        if (put.statusCode() / 100 != 2) {
            throw failure("PUT", key, put);
        }
        return object;
    }

    private byte[] readLimited(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        long size = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            size += n;
            rules.checkSize(size);
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    @Override
    public Optional<MediaObject> find(String sha256) throws IOException {
        String hash = MediaStore.checkHash(sha256);
        String key = key(hash);
        HttpResponse<byte[]> head = send("HEAD", key, null, null, Map.of());
        if (head.statusCode() == 404) {
            return Optional.empty();
        }
        if (head.statusCode() != 200) {
            throw failure("HEAD", key, head);
        }
        long size = head.headers().firstValueAsLong("content-length").orElse(-1);
        // The type was set from the bytes at the put; an object written by another tool may lack
        // it, and then its first bytes tell.
        Optional<String> stored =
                head.headers()
                        .firstValue("content-type")
                        .flatMap(MediaTypes::canonical)
                        .filter(t -> t.startsWith("image/") || t.startsWith("audio/"));
        String type = stored.isPresent() ? stored.get() : sniff(key);
        return Optional.of(new MediaObject(hash, type, size));
    }

    private String sniff(String key) throws IOException {
        HttpResponse<byte[]> first =
                send(
                        "GET",
                        key,
                        null,
                        null,
                        Map.of("range", "bytes=0-" + (MediaTypes.MAGIC_BYTES - 1)));
        if (first.statusCode() / 100 != 2) {
            throw failure("GET", key, first);
        }
        byte[] head = first.body();
        return MediaTypes.sniff(head, Math.min(head.length, MediaTypes.MAGIC_BYTES))
                .orElse("application/octet-stream");
    }

    @Override
    public Optional<byte[]> read(String sha256) throws IOException {
        return get(key(MediaStore.checkHash(sha256)));
    }

    @Override
    public Optional<InputStream> open(String sha256) throws IOException {
        String key = key(MediaStore.checkHash(sha256));
        HttpResponse<InputStream> response =
                exchange(
                        "GET",
                        key,
                        null,
                        null,
                        Map.of(),
                        SigV4Signer.EMPTY_SHA256,
                        HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() == 200) {
            return Optional.of(response.body());
        }
        byte[] error;
        try (InputStream body = response.body()) {
            error = body.readNBytes(64 * 1024);
        }
        if (response.statusCode() == 404 && !"NoSuchBucket".equals(code(error))) {
            return Optional.empty();
        }
        throw failure("GET", key, response.statusCode(), error);
    }

    @Override
    public Optional<String> transcript(String sha256) throws IOException {
        return get(key(MediaStore.checkHash(sha256)) + TRANSCRIPT)
                .map(b -> new String(b, StandardCharsets.UTF_8));
    }

    @Override
    public void putTranscript(String sha256, String text) throws IOException {
        String key = key(MediaStore.checkHash(sha256)) + TRANSCRIPT;
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> put =
                send(
                        "PUT",
                        key,
                        bytes,
                        "text/plain; charset=utf-8",
                        Map.of(),
                        SigV4Signer.sha256Hex(bytes));
        if (put.statusCode() / 100 != 2) {
            throw failure("PUT", key, put);
        }
    }

    /** The object key of a hash: {@code <prefix><first 2 hex>/<hash>}. */
    public String key(String hash) {
        return settings.prefix() + hash.substring(0, 2) + "/" + hash;
    }

    private Optional<byte[]> get(String key) throws IOException {
        HttpResponse<byte[]> response = send("GET", key, null, null, Map.of());
        if (response.statusCode() == 200) {
            return Optional.of(response.body());
        }
        if (response.statusCode() == 404 && !"NoSuchBucket".equals(code(response.body()))) {
            return Optional.empty();
        }
        throw failure("GET", key, response);
    }

    private HttpResponse<byte[]> send(
            String method, String key, byte[] body, String contentType, Map<String, String> extra)
            throws IOException {
        String payloadHash = body == null ? SigV4Signer.EMPTY_SHA256 : SigV4Signer.sha256Hex(body);
        return send(method, key, body, contentType, extra, payloadHash);
    }

    private HttpResponse<byte[]> send(
            String method,
            String key,
            byte[] body,
            String contentType,
            Map<String, String> extra,
            String payloadHash)
            throws IOException {
        return exchange(
                method,
                key,
                body,
                contentType,
                extra,
                payloadHash,
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private <T> HttpResponse<T> exchange(
            String method,
            String key,
            byte[] body,
            String contentType,
            Map<String, String> extra,
            String payloadHash,
            HttpResponse.BodyHandler<T> handler)
            throws IOException {
        URI endpoint = settings.endpoint();
        String base = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String path =
                base
                        + "/"
                        + SigV4Signer.encodeSegment(settings.bucket())
                        + "/"
                        + Arrays.stream(key.split("/", -1))
                                .map(SigV4Signer::encodeSegment)
                                .collect(Collectors.joining("/"));
        URI uri = URI.create(endpoint.getScheme() + "://" + endpoint.getRawAuthority() + path);
        Map<String, String> headers = new LinkedHashMap<>(extra);
        headers.put("host", host(uri));
        headers.put("x-amz-date", SigV4Signer.amzDate(clock.instant()));
        headers.put("x-amz-content-sha256", payloadHash);
        if (contentType != null) {
            headers.put("content-type", contentType);
        }
        String authorization = signer.authorization(method, path, "", headers, payloadHash);
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri)
                        .timeout(timeout)
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
        // The client sets Host itself, from the same URI the signature names.
        headers.forEach(
                (name, value) -> {
                    if (!name.equals("host")) {
                        request.header(name, value);
                    }
                });
        request.header("authorization", authorization);
        try {
            return http.send(request.build(), handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted talking to the S3 media store");
        } catch (IOException e) {
            throw new ServiceUnavailableException(
                    "the S3 media store at "
                            + endpoint
                            + " is unreachable ("
                            + e
                            + "): check media.s3.endpoint and that the store is up",
                    e);
        }
    }

    /** The Host header the JDK client sends for {@code uri}: the port only when not the default. */
    static String host(URI uri) {
        int port = uri.getPort();
        boolean defaultPort =
                port == -1
                        || (port == 80 && "http".equals(uri.getScheme()))
                        || (port == 443 && "https".equals(uri.getScheme()));
        return defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
    }

    private ServiceUnavailableException failure(
            String method, String key, HttpResponse<byte[]> response) {
        return failure(method, key, response.statusCode(), response.body());
    }

    private ServiceUnavailableException failure(
            String method, String key, int status, byte[] body) {
        String code = code(body);
        Matcher m = MESSAGE.matcher(body == null ? "" : new String(body, StandardCharsets.UTF_8));
        String said = (code == null ? "" : " " + code) + (m.find() ? ": " + m.group(1) : "");
        String what =
                "the S3 media store at "
                        + settings.endpoint()
                        + " refused "
                        + method
                        + " s3://"
                        + settings.bucket()
                        + "/"
                        + key
                        + " ("
                        + status
                        + said
                        + ")";
        String fix;
        if (status == 403) {
            fix =
                    ": the credentials or the bucket are wrong; check media.s3.access.key,"
                            + " media.s3.secret.key and media.s3.region, and that the key may"
                            + " read, write and list bucket '"
                            + settings.bucket()
                            + "' (s3:GetObject, s3:PutObject, s3:ListBucket)";
        } else if ("NoSuchBucket".equals(code)) {
            fix =
                    ": bucket '"
                            + settings.bucket()
                            + "' does not exist; create it or fix media.s3.bucket";
        } else if (status == 301 || "AuthorizationHeaderMalformed".equals(code)) {
            fix = ": the bucket is in another region; fix media.s3.region";
        } else {
            fix = ": try again later";
        }
        return new ServiceUnavailableException(what + fix, null);
    }

    private static String code(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        Matcher m = CODE.matcher(new String(body, StandardCharsets.UTF_8));
        return m.find() ? m.group(1) : null;
    }
}
