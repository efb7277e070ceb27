package ams.events.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The API token every HTTP port of the system checks when one is configured ({@code api.token},
 * {@code AMS_API_TOKEN}), and every call between processes carries: the REST API, each processor's
 * own port, forwards to the instance that owns a key, the orchestrator's calls to the agents and
 * knowledge processors. Only {@code /health} (for liveness probes) and the API's documentation
 * ({@code /openapi.json}, {@code /docs} and the page's files under {@code /docs/}) answer without
 * it: they hold no data, and a browser opening {@code /docs} cannot send a bearer header.
 */
public final class BearerToken {

    /** The environment variable, and with the prefix removed and dots for underscores, the key. */
    public static final String ENV = "AMS_API_TOKEN";

    public static final String CONFIG_KEY = "api.token";

    /** The liveness route, which answers without a token. */
    public static final String OPEN_PATH = "/health";

    /** The OpenAPI document, which answers without a token. */
    public static final String OPENAPI_PATH = "/openapi.json";

    /** The browsable documentation; it and the paths under it answer without a token. */
    public static final String DOCS_PATH = "/docs";

    public static final String REFUSAL =
            "missing or wrong bearer token: send 'Authorization: Bearer <token>'";

    private final byte[] expected;
    private final String header;

    private BearerToken(String token) {
        this.header = "Bearer " + token;
        this.expected = header.getBytes(StandardCharsets.UTF_8);
    }

    /** A token, or none for null or blank (no authentication). */
    public static Optional<BearerToken> of(String token) {
        return token == null || token.isBlank()
                ? Optional.empty()
                : Optional.of(new BearerToken(token.strip()));
    }

    /** The {@code Authorization} header value to send. */
    public String headerValue() {
        return header;
    }

    /** Whether a request with this {@code Authorization} header (may be null) is let in. */
    public boolean accepts(String authorization) {
        // Constant time: how much of a guess matched must not show in the answer's timing.
        return authorization != null
                && MessageDigest.isEqual(expected, authorization.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether a request for {@code path} with this header is let in. */
    public boolean admits(String path, String authorization) {
        return open(path) || accepts(authorization);
    }

    /** Whether {@code path} answers without a token: liveness and documentation, no data. */
    public static boolean open(String path) {
        return OPEN_PATH.equals(path)
                || OPENAPI_PATH.equals(path)
                || DOCS_PATH.equals(path)
                || (path != null && path.startsWith(DOCS_PATH + "/") && plain(path));
    }

    // Only plain names under /docs/: no '..' and no escapes, so that no spelling of a path
    // elsewhere can pass as documentation.
    private static boolean plain(String path) {
        return !path.contains("..")
                && path.chars()
                        .allMatch(
                                c ->
                                        (c >= 'a' && c <= 'z')
                                                || (c >= 'A' && c <= 'Z')
                                                || (c >= '0' && c <= '9')
                                                || c == '/'
                                                || c == '.'
                                                || c == '-'
                                                || c == '_');
    }

    @Override
    public String toString() {
        return "BearerToken[****]";
    }
}
