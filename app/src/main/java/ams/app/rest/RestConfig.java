package ams.app.rest;

/**
 * How the REST API listens. {@code bearerToken} null means no authentication (loopback use); when
 * set, every route except {@code /health} requires {@code Authorization: Bearer <token>}.
 */
public record RestConfig(String host, int port, String bearerToken, long maxRequestBytes) {

    public static final long DEFAULT_MAX_REQUEST_BYTES = 2 * 1024 * 1024;

    public static RestConfig loopback(int port) {
        return new RestConfig("127.0.0.1", port, null, DEFAULT_MAX_REQUEST_BYTES);
    }

    public RestConfig withToken(String token) {
        return new RestConfig(host, port, token, maxRequestBytes);
    }
}
