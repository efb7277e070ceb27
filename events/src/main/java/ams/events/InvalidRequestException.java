package ams.events;

/**
 * A request that cannot become an event as it stands; the message says what to fix. Maps to HTTP
 * 400.
 */
public final class InvalidRequestException extends RuntimeException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
