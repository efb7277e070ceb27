package ams.events.streams;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.DeadLetters;

/**
 * A decoded event together with the exact bytes and position it came from, so that a processor that
 * later rejects it can dead-letter the original record, not a re-encoding of it.
 */
// The raw bytes are carried to a dead letter exactly as read; a Decoded is never compared.
@SuppressWarnings("ArrayRecordComponent")
public record Decoded<V>(
        V event,
        byte[] rawKey,
        byte[] rawValue,
        String topic,
        int partition,
        long offset,
        long timestamp,
        String eventId) {

    public DeadLetter reject(String application, DeadLetterReason reason, String detail) {
        return DeadLetters.of(
                application,
                topic,
                partition,
                offset,
                rawKey,
                rawValue,
                timestamp,
                reason,
                detail,
                eventId);
    }
}
