package ams.service.http;

/**
 * Something this answer needs is not reachable now (the broker, another processor): answered 503
 * with Retry-After; the caller may retry the same request.
 */
public final class ServiceUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
