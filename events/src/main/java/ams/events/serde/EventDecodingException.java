package ams.events.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes that are not an event this project can read. Typed by {@link Kind} so that a processor can
 * say precisely why a record went to dead-letters.
 */
public final class EventDecodingException extends SerializationException {

    /** Why the bytes could not be decoded. */
    public enum Kind {
        /** Not Avro single-object encoding: too short, or the 2-byte marker C3 01 is missing. */
        NOT_SINGLE_OBJECT_ENCODING,
        /**
         * The marker is right but the schema fingerprint is not a released version of this topic's
         * schema.
         */
        UNKNOWN_SCHEMA_FINGERPRINT,
        /** Header and fingerprint are known but the body does not decode against that schema. */
        CORRUPT_BODY
    }

    private final Kind kind;
    private final String expectedRecord;

    public EventDecodingException(
            Kind kind, String expectedRecord, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.expectedRecord = expectedRecord;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Full name of the record type the reader expected, e.g. {@code ams.events.agent.AgentEvent}.
     */
    public String expectedRecord() {
        return expectedRecord;
    }
}
