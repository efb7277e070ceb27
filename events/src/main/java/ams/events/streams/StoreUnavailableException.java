package ams.events.streams;

/**
 * A state store could not answer within the bounded wait (rebalance or restore under way, or the
 * owning instance is unreachable). Retriable by the caller; HTTP layers answer 503.
 */
public final class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
