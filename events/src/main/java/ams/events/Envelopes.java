package ams.events;

import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

/**
 * Builds the envelope every event carries (DESIGN.md): a fresh eventId, the time and the publisher.
 */
public final class Envelopes {

    private Envelopes() {}

    public static Envelope create(String source) {
        return create(source, Clock.systemUTC().instant());
    }

    public static Envelope create(String source, Instant occurredAt) {
        return Envelope.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(occurredAt)
                .setSource(source)
                .build();
    }

    /**
     * An envelope for an event caused by {@code cause}: same correlation, causation pointing at it.
     */
    public static Envelope causedBy(Envelope cause, String source, Instant occurredAt) {
        return Envelope.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(occurredAt)
                .setSource(source)
                .setCorrelationId(
                        cause.getCorrelationId() != null
                                ? cause.getCorrelationId()
                                : cause.getEventId().toString())
                .setCausationId(cause.getEventId().toString())
                .build();
    }
}
