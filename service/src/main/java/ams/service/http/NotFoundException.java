package ams.service.http;

/** The thing a request names does not exist (answered 404 with the message). */
public final class NotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
