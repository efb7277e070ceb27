package ams.knowledge.search;

/**
 * A vector query whose embedding dimension differs from the dimension the agent's chunks were
 * embedded with.
 */
public final class DimensionMismatchException extends RuntimeException {

    public DimensionMismatchException(String message) {
        super(message);
    }
}
