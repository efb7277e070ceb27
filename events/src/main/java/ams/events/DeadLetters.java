package ams.events;

import java.time.Instant;

/** Builds the record that keeps a rejected input whole: its bytes, where it came from, and why. */
public final class DeadLetters {

    private DeadLetters() {}

    /**
     * A dead letter for a record that could not be decoded or applied, with the reason.
     *
     * @param originalEventId the rejected event's id when it could be decoded, else null
     */
    public static DeadLetter of(
            String application,
            String sourceTopic,
            int partition,
            long offset,
            byte[] key,
            byte[] value,
            Long timestampMillis,
            DeadLetterReason reason,
            String detail,
            String originalEventId) {
        return DeadLetter.newBuilder()
                .setEnvelope(Envelopes.create(application))
                .setSourceTopic(sourceTopic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setOriginalKey(key == null ? null : java.nio.ByteBuffer.wrap(key))
                .setOriginalValue(value == null ? null : java.nio.ByteBuffer.wrap(value))
                .setOriginalTimestamp(
                        timestampMillis == null ? null : Instant.ofEpochMilli(timestampMillis))
                .setReason(reason)
                .setDetail(detail)
                .setApplication(application)
                .setOriginalEventId(originalEventId)
                .build();
    }
}
