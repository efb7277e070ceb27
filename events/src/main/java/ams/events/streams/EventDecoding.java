package ams.events.streams;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.Envelope;
import ams.events.serde.EventDecodingException;
import ams.events.topics.Topic;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an event topic as raw bytes and decodes inside the topology, so that an undecodable record
 * is written to dead-letters in the same transaction as the rest of the task's output (exactly
 * once, with its original bytes) instead of stopping the application.
 */
public final class EventDecoding {

    private static final Logger log = LoggerFactory.getLogger(EventDecoding.class);

    private EventDecoding() {}

    /**
     * Decodes a topic's records and branches the undecodable ones to dead letters.
     *
     * @param envelopeOf how to read the envelope of a decoded event (for the eventId of later
     *     rejections)
     * @return the decoded events; undecodable records are already on their way to {@code
     *     deadLetters}
     */
    public static <V> KStream<String, Decoded<V>> decode(
            StreamsBuilder builder,
            Topic<String, V> topic,
            Topic<byte[], DeadLetter> deadLetters,
            String application,
            Function<V, Envelope> envelopeOf) {
        return decode(builder, topic, deadLetters, application, envelopeOf, true);
    }

    /**
     * Decodes a topic's records; undecodable ones go to dead letters unless this is a rebuild.
     *
     * @param emitDeadLetters false for a rebuild from the log (replay): the undecodable records
     *     were dead-lettered when they first arrived, and a rebuild must append nothing, so they
     *     are only skipped (and logged at debug)
     */
    public static <V> KStream<String, Decoded<V>> decode(
            StreamsBuilder builder,
            Topic<String, V> topic,
            Topic<byte[], DeadLetter> deadLetters,
            String application,
            Function<V, Envelope> envelopeOf,
            boolean emitDeadLetters) {
        String base = nodeBase(topic);
        String decodedNode = base + "-decoded-key";
        String undecodableNode = base + "-to-dead-letter";
        // One node decodes and sends each record straight to the child that takes it, by name: a
        // decode node, a branch and a re-key node cost three hops per record (each a record copy
        // and
        // its metrics), a visible share of the knowledge indexer's time in a replay profile.
        KStream<Object, Object> outcomes =
                raw(builder, topic)
                        .process(
                                () ->
                                        new DecodeProcessor<>(
                                                topic,
                                                application,
                                                envelopeOf,
                                                decodedNode,
                                                undecodableNode),
                                Named.as(base + "-decode"));
        deadLetterChild(outcomes, undecodableNode, deadLetters, base, emitDeadLetters);
        return outcomes.map(
                (key, decoded) ->
                        org.apache.kafka.streams.KeyValue.pair((String) key, cast(decoded)),
                Named.as(decodedNode));
    }

    /**
     * The dead-letter child of a node that decodes records itself and forwards the dead letters of
     * undecodable ones (keyed by the original key bytes) to the child named {@code name}: they go
     * on to dead-letters, or, in a rebuild, are only logged at debug (they were dead-lettered when
     * they first arrived, and a rebuild appends nothing).
     *
     * @param base the prefix of the nodes' names, from the topic's name
     */
    public static void deadLetterChild(
            KStream<Object, Object> outcomes,
            String name,
            Topic<byte[], DeadLetter> deadLetters,
            String base,
            boolean emitDeadLetters) {
        KStream<byte[], DeadLetter> undecodable =
                outcomes.map(
                        (key, letter) ->
                                org.apache.kafka.streams.KeyValue.pair(
                                        (byte[]) key, (DeadLetter) letter),
                        Named.as(name));
        if (emitDeadLetters) {
            undecodable.to(
                    deadLetters.name(),
                    Produced.with(deadLetters.keySerde(), deadLetters.valueSerde())
                            .withName(base + "-dead-letters-sink"));
        } else {
            undecodable.foreach(
                    (k, letter) ->
                            log.debug(
                                    "Rebuild skips undecodable {}-{}@{} (dead-lettered when it arrived)",
                                    letter.getSourceTopic(),
                                    letter.getSourcePartition(),
                                    letter.getSourceOffset()),
                    Named.as(base + "-skip-undecodable"));
        }
    }

    /** The prefix of the names of a topic's decoding nodes. */
    public static String nodeBase(Topic<?, ?> topic) {
        return topic.name().replaceAll("[^A-Za-z0-9-]", "-");
    }

    /** Why a record without a value (a tombstone) on an event topic cannot be an event. */
    public static EventDecodingException tombstone(String expected) {
        return new EventDecodingException(
                EventDecodingException.Kind.NOT_SINGLE_OBJECT_ENCODING,
                expected,
                "Empty value (tombstone) on an event topic",
                null);
    }

    /** The dead letter of a record that does not decode, with its bytes and where it was. */
    public static DeadLetter undecodable(
            String application,
            RecordMetadata meta,
            byte[] key,
            byte[] value,
            long timestamp,
            EventDecodingException e) {
        return ams.events.DeadLetters.of(
                application,
                meta.topic(),
                meta.partition(),
                meta.offset(),
                key,
                value,
                timestamp,
                DeadLetterReason.UNDECODABLE,
                e.kind() + ": " + e.getMessage(),
                null);
    }

    /** What the decode node sent to the decoded child is a {@code Decoded<V>}. */
    @SuppressWarnings("unchecked")
    private static <V> Decoded<V> cast(Object decoded) {
        return (Decoded<V>) decoded;
    }

    /**
     * A topic's records as raw bytes, for a processor that decodes them itself with a {@link
     * Decoder} (one node per record instead of decode, branch and re-key nodes, each of which
     * copies the record and its headers).
     */
    public static KStream<byte[], byte[]> raw(StreamsBuilder builder, Topic<String, ?> topic) {
        return builder.stream(
                topic.name(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName(nodeBase(topic) + "-source"));
    }

    /**
     * The outcome of decoding one record: exactly one of decoded or deadLetter is set; key is the
     * record key as a string (null for a record without key).
     */
    public record Attempt<V>(String key, Decoded<V> decoded, DeadLetter deadLetter) {}

    /** Decodes one raw record of a topic: the event, or the dead letter that says why not. */
    public static final class Decoder<V> {

        private final Topic<String, V> topic;
        private final String application;
        private final Function<V, Envelope> envelopeOf;

        public Decoder(
                Topic<String, V> topic, String application, Function<V, Envelope> envelopeOf) {
            this.topic = topic;
            this.application = application;
            this.envelopeOf = envelopeOf;
        }

        public Attempt<V> decode(byte[] key, byte[] value, RecordMetadata meta, long timestamp) {
            String keyString =
                    key == null
                            ? null
                            : topic.keySerde().deserializer().deserialize(meta.topic(), key);
            try {
                if (value == null) {
                    throw tombstone(topic.valueSerde().getClass().getSimpleName());
                }
                V event = topic.valueSerde().deserializer().deserialize(meta.topic(), value);
                String eventId = envelopeOf.apply(event).getEventId().toString();
                return new Attempt<>(
                        keyString,
                        new Decoded<>(
                                event,
                                key,
                                value,
                                meta.topic(),
                                meta.partition(),
                                meta.offset(),
                                timestamp,
                                eventId),
                        null);
            } catch (EventDecodingException e) {
                return new Attempt<>(
                        keyString, null, undecodable(application, meta, key, value, timestamp, e));
            }
        }
    }

    /**
     * Decodes each record and forwards it to one of two children by name: the decoded event, keyed
     * by its key as a string, or its dead letter, keyed by the original key bytes. Headers and
     * timestamp stay the record's.
     */
    private static final class DecodeProcessor<V>
            implements Processor<byte[], byte[], Object, Object> {

        private final Decoder<V> decoder;
        private final String decodedChild;
        private final String undecodableChild;
        private ProcessorContext<Object, Object> context;

        DecodeProcessor(
                Topic<String, V> topic,
                String application,
                Function<V, Envelope> envelopeOf,
                String decodedChild,
                String undecodableChild) {
            this.decoder = new Decoder<>(topic, application, envelopeOf);
            this.decodedChild = decodedChild;
            this.undecodableChild = undecodableChild;
        }

        @Override
        public void init(ProcessorContext<Object, Object> context) {
            this.context = context;
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            RecordMetadata meta = context.recordMetadata().orElseThrow();
            Attempt<V> attempt =
                    decoder.decode(record.key(), record.value(), meta, record.timestamp());
            if (attempt.deadLetter() != null) {
                context.forward(
                        record.<Object>withKey(record.key())
                                .<Object>withValue(attempt.deadLetter()),
                        undecodableChild);
            } else {
                context.forward(
                        record.<Object>withKey(attempt.key()).<Object>withValue(attempt.decoded()),
                        decodedChild);
            }
        }
    }
}
