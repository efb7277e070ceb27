package ams.service.http;

/**
 * The request is well formed but the state it acts on refuses it now, e.g. resuming a finished
 * conversation (answered 409 with the message).
 */
public final class ConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConflictException(String message) {
        super(message);
    }
}
