package ams.app.chaos.badinput;

import ams.testkit.TestEvents;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Makes bad records for one input topic: bytes that no consumer of the topic can decode, and a few
 * events that decode but break a rule the processors enforce. Every undecodable value is checked
 * against the topic's own serde before it is used, so "bad" is a fact, not a hope.
 */
final class BadRecordFactory {

    /** What is wrong with a bad record. */
    enum Kind {
        /** Random bytes of random length (often shorter than the 10-byte header). */
        RANDOM_BYTES,
        /** A zero-length value. */
        EMPTY_VALUE,
        /** No value at all (a tombstone on a topic that has none). */
        TOMBSTONE,
        /** A valid event of this topic cut short. */
        TRUNCATED_EVENT,
        /** A valid event whose single-object marker (C3 01) is wrong. */
        WRONG_MARKER,
        /** A valid event whose schema fingerprint names no known schema. */
        UNKNOWN_FINGERPRINT,
        /** A valid event of another topic's type (its fingerprint is known, just not here). */
        OTHER_TOPIC_EVENT,
        /** The right header followed by random bytes. */
        RANDOM_BODY,
        /** A valid event with no key where the key must be its id. */
        NULL_KEY,
        /** A valid event keyed by another id than its own. */
        KEY_NOT_ID,
        /**
         * A valid event about an agent or conversation that does not exist (or a document with
         * nothing in it).
         */
        INVALID_CONTENT
    }

    /** One bad record: {@code key} and {@code value} may be null. */
    record BadRecord(Kind kind, byte[] key, byte[] value) {}

    private static final Kind[] UNDECODABLE = {
        Kind.RANDOM_BYTES,
        Kind.EMPTY_VALUE,
        Kind.TOMBSTONE,
        Kind.TRUNCATED_EVENT,
        Kind.WRONG_MARKER,
        Kind.UNKNOWN_FINGERPRINT,
        Kind.OTHER_TOPIC_EVENT,
        Kind.RANDOM_BODY
    };

    private final InputTopic topic;
    private final Random random;
    private long ids;

    BadRecordFactory(InputTopic topic, long seed) {
        this.topic = topic;
        this.random = new Random(seed * 31 + topic.ordinal());
    }

    /**
     * Mostly undecodable records (what every consumer of the topic must survive); one in eight
     * breaks a rule instead.
     */
    BadRecord next() {
        if (random.nextInt(8) == 0) {
            return invalidEvent();
        }
        Kind kind = UNDECODABLE[random.nextInt(UNDECODABLE.length)];
        for (int attempt = 0; attempt < 20; attempt++) {
            byte[] value = undecodable(kind);
            if (value == null || !topic.decodes(value)) {
                return new BadRecord(kind, randomKey(), value);
            }
        }
        // Random bytes that happen to decode 20 times in a row cannot happen by chance; keep the
        // run going regardless.
        return new BadRecord(Kind.TRUNCATED_EVENT, randomKey(), truncated(validEvent(topic)));
    }

    private byte[] undecodable(Kind kind) {
        return switch (kind) {
            case RANDOM_BYTES ->
                    randomBytes(random.nextInt(64) < 8 ? random.nextInt(10) : random.nextInt(400));
            case EMPTY_VALUE -> new byte[0];
            case TOMBSTONE -> null;
            case TRUNCATED_EVENT -> truncated(validEvent(topic));
            case WRONG_MARKER -> {
                byte[] bytes = validEvent(topic);
                bytes[random.nextInt(2)] ^= (byte) (1 + random.nextInt(255));
                yield bytes;
            }
            case UNKNOWN_FINGERPRINT -> {
                byte[] bytes = validEvent(topic);
                bytes[2 + random.nextInt(8)] ^= (byte) (1 + random.nextInt(255));
                yield bytes;
            }
            case OTHER_TOPIC_EVENT -> {
                InputTopic other =
                        InputTopic.values()[
                                (topic.ordinal() + 1 + random.nextInt(2))
                                        % InputTopic.values().length];
                yield validEvent(other);
            }
            case RANDOM_BODY -> {
                byte[] header = Arrays.copyOf(validEvent(topic), 10);
                byte[] bytes = Arrays.copyOf(header, 10 + random.nextInt(300));
                byte[] body = randomBytes(bytes.length - 10);
                System.arraycopy(body, 0, bytes, 10, body.length);
                yield bytes;
            }
            default -> throw new IllegalArgumentException(kind + " is not an undecodable kind");
        };
    }

    /** An event that decodes but that the processor owning the topic must reject with a reason. */
    private BadRecord invalidEvent() {
        String id =
                "bad-"
                        + topic.ordinal()
                        + "-"
                        + (ids++)
                        + "-"
                        + Integer.toHexString(random.nextInt());
        int choice = random.nextInt(3);
        return switch (topic) {
            case AGENT_EVENTS ->
                    switch (choice) {
                        case 0 ->
                                new BadRecord(
                                        Kind.NULL_KEY,
                                        null,
                                        topic.encode(
                                                TestEvents.promptSet(
                                                        id, "llmSystem", "Be brief.")));
                        case 1 ->
                                new BadRecord(
                                        Kind.KEY_NOT_ID,
                                        utf8(id + "-other"),
                                        topic.encode(TestEvents.agentCreated(id, "Ghost")));
                        // No AgentCreated was ever published for these ids: UNKNOWN_AGENT.
                        default ->
                                new BadRecord(
                                        Kind.INVALID_CONTENT,
                                        utf8(id),
                                        topic.encode(
                                                random.nextBoolean()
                                                        ? TestEvents.flagSet(id, "TTS_FLAG", "yes")
                                                        : TestEvents.configChanged(
                                                                id, "{\"description\":\"x\"}")));
                    };
            case KNOWLEDGE_EVENTS ->
                    new BadRecord(
                            Kind.INVALID_CONTENT,
                            utf8(id),
                            topic.encode(
                                    switch (choice) {
                                        case 0 ->
                                                TestEvents.documentAdded(id, "doc-" + id, " ", " ");
                                        case 1 ->
                                                TestEvents.documentAdded(
                                                        id, " ", "Title", "Content");
                                        default ->
                                                TestEvents.documentAdded(
                                                        " ", "doc-" + id, "Title", "Content");
                                    }));
            case CONVERSATION_EVENTS ->
                    switch (choice) {
                        case 0 ->
                                new BadRecord(
                                        Kind.NULL_KEY,
                                        null,
                                        topic.encode(TestEvents.turnRequested(id, 3, "nobody")));
                        case 1 ->
                                new BadRecord(
                                        Kind.KEY_NOT_ID,
                                        utf8(id + "-other"),
                                        topic.encode(TestEvents.turnRequested(id, 3, "nobody")));
                        // No ConversationRequested for this id: "Unknown conversation".
                        default ->
                                new BadRecord(
                                        Kind.INVALID_CONTENT,
                                        utf8(id),
                                        topic.encode(TestEvents.turnRequested(id, 3, "nobody")));
                    };
        };
    }

    private byte[] validEvent(InputTopic of) {
        List<? extends SpecificRecordBase> events =
                of.validEvents("spoilt-" + Integer.toHexString(random.nextInt()));
        return of.encode(events.get(random.nextInt(events.size())));
    }

    /**
     * Any proper prefix: an Avro body read to its end needs every byte, so a cut body never
     * decodes.
     */
    private byte[] truncated(byte[] bytes) {
        return Arrays.copyOf(bytes, random.nextInt(bytes.length));
    }

    private byte[] randomKey() {
        return switch (random.nextInt(4)) {
            case 0 -> null;
            case 1 -> randomBytes(1 + random.nextInt(40));
            default -> utf8("garbage-" + Integer.toHexString(random.nextInt()));
        };
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
