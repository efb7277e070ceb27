package ams.conversations.statemachine;

import ams.conversations.worker.ConversationSnapshot;
import ams.events.Envelope;
import ams.events.MediaRef;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The {@code turn-context} store: what a turn needs beyond the {@code conversations} and {@code
 * messages} stores, kept while a conversation is open (deleted when it completes or is cancelled; a
 * FAILED one may be resumed). Keys: {@code r/<id>} the ConversationRequested event (sampling
 * parameters, correlation; its keys list the open conversations a restored task scans), {@code
 * a/<id>} the <em>answered</em> marker (the turn whose outcome this task wrote and has not read
 * back yet, see {@link TurnBook}), {@code m/<id>/<seq>} the media of a stored message that has any.
 */
final class TurnContexts {

    /** Most history a snapshot carries; the prompt builder trims further by turns and tokens. */
    static final int SNAPSHOT_LIMIT = 200;

    private static final String REQUEST = "r/";
    private static final String ANSWERED = "a/";
    private static final String MEDIA = "m/";

    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, byte[]> store;
    // One task's stream thread uses them: Avro's readers and writers are reused, not shared.
    private final SpecificDatumReader<ConversationEvent> eventReader =
            new SpecificDatumReader<>(ConversationEvent.class);
    private final SpecificDatumWriter<ConversationEvent> eventWriter =
            new SpecificDatumWriter<>(ConversationEvent.class);
    private final SpecificDatumReader<MessageAppended> messageReader =
            new SpecificDatumReader<>(MessageAppended.class);
    private final SpecificDatumWriter<MessageAppended> messageWriter =
            new SpecificDatumWriter<>(MessageAppended.class);
    private BinaryDecoder decoder;
    private BinaryEncoder encoder;

    TurnContexts(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    void requested(ConversationEvent request) {
        store.put(REQUEST + request.getConversationId(), encode(eventWriter, request));
    }

    ConversationEvent request(String id) {
        byte[] bytes = store.get(REQUEST + id);
        return bytes == null ? null : decode(eventReader, bytes);
    }

    /** Ids of the conversations with a stored request (open, or FAILED). */
    List<String> open() {
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(REQUEST, KEYS)) {
            it.forEachRemaining(kv -> ids.add(kv.key.substring(REQUEST.length())));
        }
        return ids;
    }

    Integer answered(String id) {
        byte[] bytes = store.get(ANSWERED + id);
        return bytes == null ? null : ByteBuffer.wrap(bytes).getInt();
    }

    void answered(String id, Integer turn) {
        if (turn == null) {
            store.delete(ANSWERED + id);
        } else {
            store.put(ANSWERED + id, ByteBuffer.allocate(4).putInt(turn).array());
        }
    }

    void media(String id, int seq, MessageAppended message) {
        if (!message.getMedia().isEmpty()) {
            store.put(mediaKey(id, seq), encode(messageWriter, message));
        }
    }

    /** A conversation that will take no more turns: its context goes. */
    void forget(String id) {
        store.delete(REQUEST + id);
        store.delete(ANSWERED + id);
        List<String> media = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(MEDIA + id + "/", KEYS)) {
            it.forEachRemaining(kv -> media.add(kv.key));
        }
        media.forEach(store::delete);
    }

    /**
     * What the turn runner sees of a conversation: its request and the last {@link #SNAPSHOT_LIMIT}
     * stored messages, in order, with their media.
     */
    ConversationSnapshot snapshot(
            ConversationState state, KeyValueStore<String, StoredMessage> messages) {
        String id = state.conversationId();
        ConversationEvent event = request(id);
        ConversationRequested request =
                event != null && event.getPayload() instanceof ConversationRequested r ? r : null;
        Envelope envelope = event == null ? null : event.getEnvelope();
        int count = state.messageCount();
        int from = Math.max(0, count - SNAPSHOT_LIMIT);
        List<ConversationSnapshot.HistoryMessage> history = new ArrayList<>();
        if (count > 0) {
            Map<Integer, List<MediaRef>> media = media(id, from, count - 1);
            try (KeyValueIterator<String, StoredMessage> it =
                    messages.range(StoredMessage.key(id, from), StoredMessage.key(id, count - 1))) {
                it.forEachRemaining(
                        kv -> {
                            StoredMessage m = kv.value;
                            history.add(
                                    new ConversationSnapshot.HistoryMessage(
                                            m.turnNumber(),
                                            m.agentId(),
                                            m.role(),
                                            m.content(),
                                            media.getOrDefault(m.seq(), List.of())));
                        });
            }
        }
        return new ConversationSnapshot(
                id,
                state.participants(),
                state.topic(),
                state.seed() == null ? 0L : state.seed(),
                request == null ? null : request.getGeneration(),
                state.sessionId(),
                envelope == null
                        ? null
                        : envelope.getCorrelationId() != null
                                ? envelope.getCorrelationId()
                                : envelope.getEventId().toString(),
                history,
                state.speakerPolicy(),
                state.humanTurns() == null ? List.of() : state.humanParticipants());
    }

    private Map<Integer, List<MediaRef>> media(String id, int from, int to) {
        Map<Integer, List<MediaRef>> out = new HashMap<>();
        try (KeyValueIterator<String, byte[]> it =
                store.range(mediaKey(id, from), mediaKey(id, to))) {
            it.forEachRemaining(
                    kv -> {
                        int seq = Integer.parseInt(kv.key.substring(kv.key.lastIndexOf('/') + 1));
                        out.put(seq, decode(messageReader, kv.value).getMedia());
                    });
        }
        return out;
    }

    private <T extends SpecificRecord> byte[] encode(SpecificDatumWriter<T> writer, T value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        encoder = EncoderFactory.get().binaryEncoder(out, encoder);
        try {
            writer.write(value, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private <T extends SpecificRecord> T decode(SpecificDatumReader<T> reader, byte[] bytes) {
        decoder = DecoderFactory.get().binaryDecoder(bytes, decoder);
        try {
            return reader.read(null, decoder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String mediaKey(String id, int seq) {
        return MEDIA + id + "/" + String.format("%08d", seq);
    }
}
