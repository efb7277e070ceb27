package ams.conversations.statemachine;

import ams.conversations.jobs.JobTopology;
import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.Envelope;
import ams.events.Envelopes;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.TurnRequested;
import ams.events.streams.Decoded;
import ams.events.streams.EventDecoding;
import ams.events.topics.TopicCatalogue;
import ams.service.fate.FateLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conversation state machine as a Kafka Streams topology: conversation-events in, the same
 * topic out (TurnRequested, ConversationCompleted, ConversationFailed), events it cannot apply to
 * dead-letters with their original bytes. Stores: {@code conversations}, {@code messages} and
 * {@code conversation-deadlines} (for the wall-clock timeout).
 */
public final class ConversationTopology {

    public static final String CONVERSATIONS_STORE = "conversations";
    public static final String MESSAGES_STORE = "messages";
    public static final String DEADLINES_STORE = "conversation-deadlines";
    public static final String TURN_CONTEXT_STORE = "turn-context";
    public static final String SOURCE = "conversation-orchestrator";

    /** Prefix of the deadlines store's keys of people's turns. */
    private static final String HUMAN_PREFIX = "h/";

    private static final Logger log = LoggerFactory.getLogger(ConversationTopology.class);

    private ConversationTopology() {}

    /**
     * What the state machine processor emits: an event for conversation-events or a dead letter.
     */
    // The key bytes are passed through to the dead letter unchanged, never compared.
    @SuppressWarnings("ArrayRecordComponent")
    record Output(ConversationEvent event, byte[] deadLetterKey, DeadLetter deadLetter) {}

    /** The state machine without turns (tests of the state machine alone). */
    public static Topology buildTopology(
            TopicCatalogue catalogue, String application, Duration timeoutCheckInterval) {
        return buildTopology(catalogue, application, timeoutCheckInterval, false, Turns.NONE);
    }

    /** The state machine without turns; {@code readOnly} as below. */
    public static Topology buildTopology(
            TopicCatalogue catalogue,
            String application,
            Duration timeoutCheckInterval,
            boolean readOnly) {
        return buildTopology(catalogue, application, timeoutCheckInterval, readOnly, Turns.NONE);
    }

    /**
     * How the task runs turns: where ({@code launcher}; null runs none) and how often its
     * punctuator takes the finished ones into its transaction.
     */
    public record Turns(TurnLauncher launcher, Duration drainInterval) {
        public static final Turns NONE = new Turns(null, Duration.ofMillis(100));
    }

    /**
     * Builds the conversation state machine topology (pure: no wiring, no start).
     *
     * @param readOnly fold the log into the stores but emit nothing: the decisions are already in
     *     the log, so a replay must not write them a second time (nor run any turn)
     * @param turns where the task runs the turns it requests
     */
    public static Topology buildTopology(
            TopicCatalogue catalogue,
            String application,
            Duration timeoutCheckInterval,
            boolean readOnly,
            Turns turns) {
        return buildTopology(
                catalogue,
                application,
                timeoutCheckInterval,
                readOnly,
                turns,
                new FateLog(),
                new ServedConversations());
    }

    /**
     * As above; {@code fates}: where the state machine records what became of each write a client
     * published (applied, or rejected with the reason), for {@code GET /events/{event_id}}; {@code
     * served}: where it registers the partitions of the stores that {@link ConversationQueries}
     * reads.
     */
    public static Topology buildTopology(
            TopicCatalogue catalogue,
            String application,
            Duration timeoutCheckInterval,
            boolean readOnly,
            Turns turns,
            FateLog fates,
            ServedConversations served) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(CONVERSATIONS_STORE),
                                Serdes.String(),
                                AvroStoreSerde.conversationState())
                        .withCachingEnabled());
        // Not cached: each message is written once under its own key, so a record cache saves no
        // write, and an interactive query's prefix scan through one merges a snapshot of the cache
        // with RocksDB on every request (p99 of GET /conversations/{id}/messages 6.2 ms cached
        // against 4.8 ms uncached in MessagesQueryBench, quiet runs of 2026-12-04).
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(MESSAGES_STORE),
                        Serdes.String(),
                        AvroStoreSerde.storedMessage()));
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(DEADLINES_STORE),
                        Serdes.String(),
                        Serdes.String()));
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(TURN_CONTEXT_STORE),
                                Serdes.String(),
                                Serdes.ByteArray())
                        .withCachingEnabled());

        KStream<String, Decoded<ConversationEvent>> events =
                EventDecoding.decode(
                        builder,
                        catalogue.conversationEvents(),
                        catalogue.deadLetters(),
                        application,
                        ConversationEvent::getEnvelope,
                        !readOnly);
        JobTopology.addTo(builder, catalogue, events, application, readOnly);
        var branches =
                events.process(
                                () ->
                                        new StateMachineProcessor(
                                                application,
                                                timeoutCheckInterval,
                                                readOnly,
                                                readOnly ? Turns.NONE : turns,
                                                fates,
                                                served),
                                Named.as("conversation-state-machine"),
                                CONVERSATIONS_STORE,
                                MESSAGES_STORE,
                                DEADLINES_STORE,
                                TURN_CONTEXT_STORE)
                        .split(Named.as("conversation-output-"))
                        .branch((key, out) -> out.deadLetter() != null, Branched.as("dead-letter"))
                        .defaultBranch(Branched.as("event"));
        branches.get("conversation-output-event")
                .mapValues(Output::event, Named.as("conversation-output-event-value"))
                .to(
                        catalogue.conversationEvents().name(),
                        Produced.with(
                                        catalogue.conversationEvents().keySerde(),
                                        catalogue.conversationEvents().valueSerde())
                                .withName("conversation-events-sink"));
        branches.get("conversation-output-dead-letter")
                .map(
                        (key, out) -> KeyValue.pair(out.deadLetterKey(), out.deadLetter()),
                        Named.as("conversation-dead-letter-value"))
                .to(
                        catalogue.deadLetters().name(),
                        Produced.with(
                                        catalogue.deadLetters().keySerde(),
                                        catalogue.deadLetters().valueSerde())
                                .withName("conversation-dead-letters-sink"));
        return builder.build();
    }

    /**
     * Thin Kafka plumbing around {@link ConversationStateMachine}: load, apply, store, forward; and
     * around {@link TurnBook}: run the turns the state waits for, publish what they answer.
     */
    private static final class StateMachineProcessor
            implements Processor<String, Decoded<ConversationEvent>, String, Output> {

        private final String application;
        private final Duration timeoutCheckInterval;
        private final boolean readOnly;
        private ProcessorContext<String, Output> context;
        private KeyValueStore<String, ConversationState> conversations;
        private KeyValueStore<String, StoredMessage> messages;
        private KeyValueStore<String, String> deadlines;
        private TurnContexts contexts;
        private final Turns turnSettings;
        private final FateLog fateLog;
        private final ServedConversations served;
        private int partition;
        private FateLog.Partition fates;
        // Null when this task runs no turns (replay, or turns disabled).
        private TaskTurns turns;

        StateMachineProcessor(
                String application,
                Duration timeoutCheckInterval,
                boolean readOnly,
                Turns turnSettings,
                FateLog fateLog,
                ServedConversations served) {
            this.fateLog = fateLog;
            this.served = served;
            this.application = application;
            this.timeoutCheckInterval = timeoutCheckInterval;
            this.readOnly = readOnly;
            this.turnSettings = turnSettings;
        }

        @Override
        public void init(ProcessorContext<String, Output> context) {
            this.context = context;
            conversations = context.getStateStore(CONVERSATIONS_STORE);
            messages = context.getStateStore(MESSAGES_STORE);
            deadlines = context.getStateStore(DEADLINES_STORE);
            contexts = new TurnContexts(context.getStateStore(TURN_CONTEXT_STORE));
            partition = context.taskId().partition();
            fates = fateLog.partition(partition);
            if (!readOnly) {
                context.schedule(
                        timeoutCheckInterval, PunctuationType.WALL_CLOCK_TIME, this::expire);
            }
            if (turns != null) {
                turns.close();
                turns = null;
            }
            if (!readOnly && turnSettings.launcher() != null) {
                turns = new TaskTurns(turnSettings.launcher());
                context.schedule(
                        turnSettings.drainInterval(),
                        PunctuationType.WALL_CLOCK_TIME,
                        this::publishFinishedTurns);
                runOpenTurns();
            }
            served.conversations.opened(partition, conversations);
            served.messages.opened(partition, messages);
        }

        @Override
        public void close() {
            served.conversations.closed(partition, conversations);
            served.messages.closed(partition, messages);
            if (turns != null) {
                // Revoked, or the process closing: whatever is still running is another owner's
                // to run again (its outcome is not in the log, and the store says so).
                turns.close();
                turns = null;
            }
        }

        /**
         * A task (re)starting, after a crash too: every open conversation whose pending turn has no
         * outcome in the log yet gets it run. The stores are restored by now, and the answered
         * marker was written in the same transaction as any outcome, so none runs twice.
         */
        private void runOpenTurns() {
            int started = 0;
            for (String id : contexts.open()) {
                ConversationState state = conversations.get(id);
                TurnRequested want = TurnBook.pending(state, contexts.answered(id));
                if (want != null) {
                    ConversationEvent request = contexts.request(id);
                    Envelope cause =
                            request == null
                                    ? Envelopes.create(SOURCE)
                                    : Envelopes.causedBy(
                                            request.getEnvelope(), SOURCE, Instant.now());
                    turns.launch(contexts.snapshot(state, messages), want, cause);
                    started++;
                }
            }
            if (started > 0) {
                log.info("Task {}: {} pending turn(s) run again", context.taskId(), started);
            }
        }

        /**
         * The punctuator's half of a turn: finished turns still wanted are published in this task's
         * transaction, with the answered marker, so the outcome and the marker commit together. The
         * state changes when the outcome is read back, in log order like any event (and like a
         * replay).
         */
        private void publishFinishedTurns(long now) {
            for (TaskTurns.Done done : turns.drain()) {
                String id = done.run().conversationId;
                int turn = done.run().turn;
                TurnBook.Decision decision =
                        TurnBook.finished(
                                conversations.get(id),
                                contexts.answered(id),
                                new TurnBook.Finished(id, turn, done.payloads()));
                if (!decision.publish()) {
                    log.debug("Turn {} of {} dropped: {}", turn, id, decision.why());
                    continue;
                }
                Instant at = Instant.ofEpochMilli(now);
                for (Object payload : done.payloads()) {
                    ConversationEvent out =
                            ConversationEvent.newBuilder()
                                    .setEnvelope(Envelopes.causedBy(done.run().cause, SOURCE, at))
                                    .setConversationId(id)
                                    .setPayload(payload)
                                    .build();
                    context.forward(new Record<>(id, new Output(out, null, null), now));
                }
                contexts.answered(id, turn);
            }
        }

        @Override
        public void process(Record<String, Decoded<ConversationEvent>> record) {
            Decoded<ConversationEvent> decoded = record.value();
            ConversationEvent event = decoded.event();
            String id = event.getConversationId();
            if (record.key() == null || !record.key().equals(id)) {
                reject(
                        record,
                        decoded,
                        "Record key '"
                                + record.key()
                                + "' differs from conversationId '"
                                + id
                                + "'");
                return;
            }
            if (ConversationStateMachine.isEcho(event)) {
                return; // our own decision read back: no store to read, nothing to change
            }
            ConversationState before = conversations.get(id);
            ConversationStateMachine.Step step = ConversationStateMachine.apply(before, event);
            if (step.rejection() != null) {
                reject(record, decoded, step.rejection());
                return;
            }
            apply(id, before, step, event, record.timestamp());
            if (isClientWrite(event) && decoded.eventId() != null) {
                ConversationState after = step.state() != null ? step.state() : before;
                fates.put(
                        decoded.eventId(),
                        ConversationFate.applied(
                                id,
                                after == null ? null : after.status(),
                                step.state() != null
                                        || step.message() != null
                                        || !step.emit().isEmpty()));
            }
        }

        /**
         * An event a client published (not the orchestrator's own decisions, which no one asks
         * about): its fate is kept.
         */
        private static boolean isClientWrite(ConversationEvent event) {
            return !SOURCE.equals(event.getEnvelope().getSource());
        }

        private void apply(
                String id,
                ConversationState before,
                ConversationStateMachine.Step step,
                ConversationEvent cause,
                long timestamp) {
            if (step.message() != null) {
                messages.put(StoredMessage.key(id, step.message().seq()), step.message());
            }
            if (step.state() != null) {
                conversations.put(id, step.state());
                trackDeadline(id, before, step.state());
                trackHumanDeadline(id, before, step.state());
                if (step.state().status().terminal()
                        && (before == null || !before.status().terminal())) {
                    log.debug(
                            "Conversation {} ended: {} ({})",
                            id,
                            step.state().status(),
                            step.state().reason());
                }
            }
            Envelope requestedBy = cause.getEnvelope();
            for (Object payload : readOnly ? List.of() : step.emit()) {
                ConversationEvent out =
                        ConversationEvent.newBuilder()
                                .setEnvelope(
                                        Envelopes.causedBy(
                                                cause.getEnvelope(), SOURCE, Instant.now()))
                                .setConversationId(id)
                                .setPayload(payload)
                                .build();
                if (payload instanceof TurnRequested) {
                    requestedBy = out.getEnvelope();
                }
                context.forward(new Record<>(id, new Output(out, null, null), timestamp));
            }
            keepTurnContext(id, before, step, cause, requestedBy);
        }

        /**
         * The turn context follows the step (request, media, the answered marker), and the task's
         * running turn follows the state: the pending turn is started unless it runs already or its
         * outcome is in the log; a turn no longer pending is cancelled.
         */
        private void keepTurnContext(
                String id,
                ConversationState before,
                ConversationStateMachine.Step step,
                ConversationEvent cause,
                Envelope requestedBy) {
            ConversationState state = step.state();
            if (state == null && step.emit().isEmpty()) {
                return;
            }
            if (before == null
                    && state != null
                    && cause.getPayload() instanceof ConversationRequested) {
                contexts.requested(cause);
            }
            if (step.message() != null && cause.getPayload() instanceof MessageAppended m) {
                contexts.media(id, step.message().seq(), m);
            }
            ConversationState now = state != null ? state : before;
            Integer answered = contexts.answered(id);
            if (now != null
                    && (now.status() == Status.COMPLETED || now.status() == Status.CANCELLED)) {
                if (turns != null) {
                    turns.cancel(id);
                }
                contexts.forget(id);
                return;
            }
            Integer kept = TurnBook.answeredAfter(now, answered);
            if (answered != null && kept == null) {
                contexts.answered(id, null);
            }
            if (turns == null) {
                return;
            }
            TurnRequested want = TurnBook.pending(now, kept);
            if (want == null) {
                turns.cancel(id);
            } else if (!turns.running(id, want.getTurnNumber())) {
                turns.launch(contexts.snapshot(now, messages), want, requestedBy);
            }
        }

        private void trackDeadline(String id, ConversationState before, ConversationState after) {
            if (after.timeoutMillis() == null) {
                return;
            }
            String key = deadlineKey(after.deadline(), id);
            if (after.status().terminal()) {
                deadlines.delete(key);
            } else if (before == null || before.status().terminal()) {
                // New, or resumed: a resumed conversation keeps its original deadline.
                deadlines.put(key, id);
            }
        }

        /**
         * Keeps one key per conversation awaiting a person ({@code h/<deadline>/<id>}, in the
         * deadlines store: its keys sort apart from the conversation deadlines' digits).
         */
        private void trackHumanDeadline(
                String id, ConversationState before, ConversationState after) {
            String was = before == null ? null : humanDeadlineKey(before);
            String is = humanDeadlineKey(after);
            if (was != null && !was.equals(is)) {
                deadlines.delete(was);
            }
            if (is != null && !is.equals(was)) {
                deadlines.put(is, id);
            }
        }

        private void expire(long now) {
            expireConversations(now);
            expireHumanTurns(now);
        }

        /**
         * People who did not take their turn in time: the decision (TurnSkipped or
         * ConversationCompleted {@code human_timeout}) is published, not applied; the state machine
         * applies it when it reads it back, after any message of the person that came first. Its
         * key goes now, so it is published once.
         */
        private void expireHumanTurns(long now) {
            List<String> due = new ArrayList<>();
            try (KeyValueIterator<String, String> it =
                    deadlines.range(
                            HUMAN_PREFIX + deadlineKey(0, ""),
                            HUMAN_PREFIX + deadlineKey(now, "\uffff"))) {
                it.forEachRemaining(kv -> due.add(kv.key));
            }
            for (String key : due) {
                deadlines.delete(key);
                String id = key.substring(HUMAN_PREFIX.length() + 20);
                ConversationState state = conversations.get(id);
                if (state == null) {
                    continue;
                }
                ConversationStateMachine.Step step =
                        ConversationStateMachine.humanTimeout(state, now);
                if (!step.emit().isEmpty()) {
                    ConversationEvent tick =
                            ConversationEvent.newBuilder()
                                    .setEnvelope(
                                            Envelopes.create(SOURCE, Instant.ofEpochMilli(now)))
                                    .setConversationId(id)
                                    .setPayload(step.emit().get(0))
                                    .build();
                    log.debug(
                            "Conversation {}: {} did not answer in time",
                            id,
                            state.awaitingHuman());
                    apply(id, state, step, tick, now);
                }
            }
        }

        private void expireConversations(long now) {
            List<String> due = new ArrayList<>();
            try (KeyValueIterator<String, String> it =
                    deadlines.range(deadlineKey(0, ""), deadlineKey(now, "\uffff"))) {
                it.forEachRemaining(kv -> due.add(kv.value));
            }
            for (String id : due) {
                ConversationState state = conversations.get(id);
                if (state == null) {
                    continue;
                }
                ConversationStateMachine.Step step = ConversationStateMachine.timeout(state, now);
                if (step.state() != null) {
                    ConversationEvent tick =
                            ConversationEvent.newBuilder()
                                    .setEnvelope(
                                            Envelopes.create(SOURCE, Instant.ofEpochMilli(now)))
                                    .setConversationId(id)
                                    .setPayload(step.emit().get(0))
                                    .build();
                    apply(id, state, step, tick, now);
                } else if (state.status().terminal()) {
                    deadlines.delete(deadlineKey(state.deadline(), id));
                }
            }
        }

        private void reject(
                Record<String, Decoded<ConversationEvent>> record,
                Decoded<ConversationEvent> decoded,
                String why) {
            if (readOnly) {
                return;
            }
            DeadLetter letter = decoded.reject(application, DeadLetterReason.INVALID_EVENT, why);
            if (decoded.eventId() != null) {
                fates.put(
                        decoded.eventId(),
                        ConversationFate.rejected(
                                decoded.event().getConversationId(),
                                DeadLetterReason.INVALID_EVENT.name(),
                                why));
            }
            log.debug(
                    "Dead-lettered {} at {}-{}@{}: {}",
                    decoded.eventId(),
                    decoded.topic(),
                    decoded.partition(),
                    decoded.offset(),
                    why);
            context.forward(
                    new Record<>(
                            record.key(),
                            new Output(null, decoded.rawKey(), letter),
                            record.timestamp()));
        }

        private static String humanDeadlineKey(ConversationState s) {
            return s.awaitingHuman() == null
                    ? null
                    : HUMAN_PREFIX + deadlineKey(s.humanDeadline(), s.conversationId());
        }

        private static String deadlineKey(long deadline, String id) {
            return String.format("%019d", deadline) + "/" + id;
        }
    }
}
