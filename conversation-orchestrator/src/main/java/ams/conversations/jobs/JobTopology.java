package ams.conversations.jobs;

import ams.conversations.statemachine.JsonSerde;
import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.Envelope;
import ams.events.Envelopes;
import ams.events.JobIds;
import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.job.JobCancelled;
import ams.events.job.JobCartesian;
import ams.events.job.JobEvent;
import ams.events.job.JobSpecsAdded;
import ams.events.job.JobSubmitted;
import ams.events.streams.Decoded;
import ams.events.streams.EventDecoding;
import ams.events.topics.TopicCatalogue;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The job driver inside the orchestrator's Streams application. Inputs: {@code job-events} (keyed
 * by jobId) and the progress of the jobs' conversations, taken from {@code conversation-events} and
 * re-keyed by jobId through the repartition topic {@code job-progress-by-job} (values {@code "done
 * 12"}, {@code "failed 12"}, {@code "cancelled 12"}, {@code "turn 12"}). Output: the jobs'
 * ConversationRequested (and, on a cancel, ConversationCancelled) to {@code conversation-events},
 * in the same exactly-once transaction as the store updates. Stores: {@code jobs} (jobId → {@link
 * JobState}) and {@code job-specs} ({@code jobId/definition} → the JobSubmitted, {@code
 * jobId/<10-digit index>} → a listed ConversationRequested).
 *
 * <p>The driver starts conversations as soon as an input makes room, not on a timer: every decision
 * is then a function of the input order alone, so a replay folds the same {@code jobs} store.
 */
public final class JobTopology {

    public static final String JOBS_STORE = "jobs";
    public static final String SPECS_STORE = "job-specs";
    public static final String PROGRESS_REPARTITION = "job-progress-by-job";
    public static final String SOURCE = "job-driver";

    private JobTopology() {}

    /** One input of the job processor: a job event or a progress signal. */
    record Input(Decoded<JobEvent> job, String signal) {}

    /** What the job processor emits: a conversation event or a dead letter. */
    @SuppressWarnings("ArrayRecordComponent") // key bytes are passed through, never compared
    record Output(ConversationEvent event, byte[] deadLetterKey, DeadLetter deadLetter) {}

    /**
     * Adds the job driver to the orchestrator's topology.
     *
     * @param conversationEvents the decoded conversation-events stream the state machine reads
     * @param readOnly fold, emit nothing (a rebuild)
     */
    public static void addTo(
            StreamsBuilder builder,
            TopicCatalogue catalogue,
            KStream<String, Decoded<ConversationEvent>> conversationEvents,
            String application,
            boolean readOnly) {
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(JOBS_STORE),
                                Serdes.String(),
                                new JsonSerde<>(JobState.class))
                        .withCachingEnabled());
        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(SPECS_STORE),
                        Serdes.String(),
                        Serdes.ByteArray()));

        KStream<String, Input> progress =
                conversationEvents
                        .flatMap(
                                (key, decoded) -> signal(decoded.event()),
                                Named.as("job-progress-signal"))
                        .repartition(
                                Repartitioned.<String, String>as(PROGRESS_REPARTITION)
                                        .withKeySerde(Serdes.String())
                                        .withValueSerde(Serdes.String())
                                        .withNumberOfPartitions(catalogue.jobEvents().partitions()))
                        .mapValues(s -> new Input(null, s), Named.as("job-progress-input"));
        KStream<String, Input> jobs =
                EventDecoding.decode(
                                builder,
                                catalogue.jobEvents(),
                                catalogue.deadLetters(),
                                application,
                                JobEvent::getEnvelope,
                                !readOnly)
                        .mapValues(d -> new Input(d, null), Named.as("job-event-input"));
        var branches =
                jobs.merge(progress, Named.as("job-inputs"))
                        .process(
                                () -> new JobProcessor(application, readOnly),
                                Named.as("job-driver"),
                                JOBS_STORE,
                                SPECS_STORE)
                        .split(Named.as("job-output-"))
                        .branch((key, out) -> out.deadLetter() != null, Branched.as("dead-letter"))
                        .defaultBranch(Branched.as("event"));
        branches.get("job-output-event")
                .mapValues(Output::event, Named.as("job-output-event-value"))
                .to(
                        catalogue.conversationEvents().name(),
                        Produced.with(
                                        catalogue.conversationEvents().keySerde(),
                                        catalogue.conversationEvents().valueSerde())
                                .withName("job-conversation-events-sink"));
        branches.get("job-output-dead-letter")
                .map(
                        (key, out) -> KeyValue.pair(out.deadLetterKey(), out.deadLetter()),
                        Named.as("job-dead-letter-value"))
                .to(
                        catalogue.deadLetters().name(),
                        Produced.with(
                                        catalogue.deadLetters().keySerde(),
                                        catalogue.deadLetters().valueSerde())
                                .withName("job-dead-letters-sink"));
    }

    /** The progress signal a conversation event gives its job, if it belongs to one. */
    static List<KeyValue<String, String>> signal(ConversationEvent event) {
        Optional<JobIds.JobConversation> job = JobIds.parse(event.getConversationId());
        if (job.isEmpty()) {
            return List.of();
        }
        Object payload = event.getPayload();
        String kind;
        if (payload instanceof ConversationCompleted) {
            kind = "done";
        } else if (payload instanceof ConversationFailed) {
            kind = "failed";
        } else if (payload instanceof ConversationCancelled) {
            kind = "cancelled";
        } else if (payload instanceof MessageAppended m && m.getRole() != MessageRole.USER) {
            kind = "turn";
        } else {
            return List.of();
        }
        return List.of(KeyValue.pair(job.get().jobId(), kind + " " + job.get().index()));
    }

    static JobDriver.Input input(String signal, long at) {
        int space = signal.indexOf(' ');
        int index = Integer.parseInt(signal.substring(space + 1));
        return switch (signal.substring(0, space)) {
            case "done" -> new JobDriver.Ended(index, JobDriver.Outcome.DONE, at);
            case "failed" -> new JobDriver.Ended(index, JobDriver.Outcome.FAILED, at);
            case "cancelled" -> new JobDriver.Ended(index, JobDriver.Outcome.CANCELLED, at);
            default -> new JobDriver.Turn(index, at);
        };
    }

    static String definitionKey(String jobId) {
        return jobId + "/definition";
    }

    static String specKey(String jobId, int index) {
        return jobId + "/" + String.format("%010d", index);
    }

    /** Load, apply {@link JobDriver}, store, publish. */
    private static final class JobProcessor implements Processor<String, Input, String, Output> {

        private final String application;
        private final boolean readOnly;
        private ProcessorContext<String, Output> context;
        private KeyValueStore<String, JobState> jobs;
        private KeyValueStore<String, byte[]> specs;

        JobProcessor(String application, boolean readOnly) {
            this.application = application;
            this.readOnly = readOnly;
        }

        @Override
        public void init(ProcessorContext<String, Output> context) {
            this.context = context;
            jobs = context.getStateStore(JOBS_STORE);
            specs = context.getStateStore(SPECS_STORE);
        }

        @Override
        public void process(Record<String, Input> record) {
            Input input = record.value();
            if (input.signal() != null) {
                drive(record.key(), input(input.signal(), record.timestamp()), null, record);
                return;
            }
            Decoded<JobEvent> decoded = input.job();
            JobEvent event = decoded.event();
            String jobId = event.getJobId();
            if (record.key() == null || !record.key().equals(jobId)) {
                reject(record, decoded, "Record key '" + record.key() + "' differs from jobId");
                return;
            }
            long at = event.getEnvelope().getOccurredAt().toEpochMilli();
            Object payload = event.getPayload();
            if (payload instanceof JobSpecsAdded part) {
                if (jobs.get(jobId) != null) {
                    return; // a retried submission: the job's list is already fixed
                }
                List<ConversationRequested> listed = part.getConversations();
                for (int i = 0; i < listed.size(); i++) {
                    specs.put(
                            specKey(jobId, part.getFirstIndex() + i),
                            AvroBytes.encode(listed.get(i)));
                }
            } else if (payload instanceof JobSubmitted submitted) {
                String invalid = invalid(jobId, submitted);
                if (invalid != null) {
                    reject(record, decoded, invalid);
                    return;
                }
                if (jobs.get(jobId) == null) {
                    specs.put(definitionKey(jobId), AvroBytes.encode(submitted));
                }
                drive(
                        jobId,
                        new JobDriver.Submitted(
                                jobId,
                                submitted.getName(),
                                submitted.getTotal(),
                                submitted.getConcurrency(),
                                at),
                        event.getEnvelope(),
                        record);
            } else if (payload instanceof JobCancelled cancelled) {
                if (jobs.get(jobId) == null) {
                    reject(record, decoded, "No job '" + jobId + "' to cancel");
                    return;
                }
                drive(
                        jobId,
                        new JobDriver.Cancel(
                                cancelled.getReason(), cancelled.getCancelRunning(), at),
                        event.getEnvelope(),
                        record);
            }
        }

        private String invalid(String jobId, JobSubmitted submitted) {
            if (submitted.getTotal() < 0 || submitted.getConcurrency() < 1) {
                return "Invalid JobSubmitted: total must be >= 0 and concurrency >= 1";
            }
            JobCartesian cartesian = submitted.getCartesian();
            if (cartesian != null) {
                if (cartesian.getTopics().isEmpty() || cartesian.getAgentGroups().isEmpty()) {
                    return "Invalid JobSubmitted: a cartesian job needs topics and agent groups";
                }
                return null;
            }
            if (submitted.getTotal() > 0
                    && (specs.get(specKey(jobId, 0)) == null
                            || specs.get(specKey(jobId, submitted.getTotal() - 1)) == null)) {
                return "Invalid JobSubmitted: "
                        + submitted.getTotal()
                        + " conversations, but JobSpecsAdded did not list them all before it";
            }
            return null;
        }

        private void drive(
                String jobId, JobDriver.Input input, Envelope cause, Record<String, ?> record) {
            JobState before = jobs.get(jobId);
            JobDriver.Step step = JobDriver.apply(before, input);
            if (step.state() == null) {
                return;
            }
            jobs.put(jobId, step.state());
            if (step.state().finishedAt() != null
                    && (before == null || before.finishedAt() == null)) {
                forget(jobId);
            }
            if (readOnly) {
                return;
            }
            for (int index : step.start()) {
                String conversationId = JobIds.conversationId(jobId, index);
                publish(conversationId, jobId, cause, conversation(jobId, index), record);
            }
            for (int index : step.cancel()) {
                String conversationId = JobIds.conversationId(jobId, index);
                publish(
                        conversationId,
                        jobId,
                        cause,
                        ConversationCancelled.newBuilder()
                                .setReason(
                                        "job "
                                                + jobId
                                                + " cancelled: "
                                                + step.state().cancelReason())
                                .setRequestedBy(SOURCE)
                                .build(),
                        record);
            }
        }

        private ConversationRequested conversation(String jobId, int index) {
            JobSubmitted definition =
                    AvroBytes.decode(specs.get(definitionKey(jobId)), JobSubmitted.class);
            if (definition.getCartesian() != null) {
                return JobExpansion.conversation(definition.getCartesian(), index);
            }
            return AvroBytes.decode(specs.get(specKey(jobId, index)), ConversationRequested.class);
        }

        private void publish(
                String conversationId,
                String jobId,
                Envelope cause,
                Object payload,
                Record<String, ?> record) {
            Envelope envelope =
                    Envelope.newBuilder(Envelopes.create(SOURCE, Instant.now()))
                            .setCorrelationId(jobId)
                            .setCausationId(cause == null ? null : cause.getEventId().toString())
                            .build();
            ConversationEvent event =
                    ConversationEvent.newBuilder()
                            .setEnvelope(envelope)
                            .setConversationId(conversationId)
                            .setPayload(payload)
                            .build();
            context.forward(
                    new Record<>(
                            conversationId, new Output(event, null, null), record.timestamp()));
        }

        private void reject(Record<String, Input> record, Decoded<JobEvent> decoded, String why) {
            if (readOnly) {
                return;
            }
            DeadLetter letter = decoded.reject(application, DeadLetterReason.INVALID_EVENT, why);
            context.forward(
                    new Record<>(
                            record.key(),
                            new Output(null, decoded.rawKey(), letter),
                            record.timestamp()));
        }

        /** Deletes a finished job's listed conversations; {@code jobs} keeps its counts. */
        private void forget(String jobId) {
            try (KeyValueIterator<String, byte[]> it =
                    specs.range(specKey(jobId, 0), specKey(jobId, Integer.MAX_VALUE))) {
                it.forEachRemaining(kv -> specs.delete(kv.key));
            }
        }
    }
}
