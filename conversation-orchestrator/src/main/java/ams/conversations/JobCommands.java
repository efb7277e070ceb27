package ams.conversations;

import ams.conversations.jobs.JobPlan;
import ams.events.Envelopes;
import ams.events.job.JobCancelled;
import ams.events.job.JobEvent;
import ams.events.job.JobSpecsAdded;
import ams.events.job.JobSubmitted;
import ams.events.topics.Topic;
import ams.service.http.ServiceUnavailableException;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * Publishes jobs to {@code job-events}. A listed job goes as parts of {@value #PART} conversations
 * (JobSpecsAdded) and then its JobSubmitted, all in one transaction: the driver never sees half a
 * job, and no record grows with the job's size.
 */
public final class JobCommands implements AutoCloseable {

    public static final String SOURCE = "rest";
    static final int PART = 500;

    private final Topic<String, JobEvent> topic;
    private final KafkaProducer<String, JobEvent> producer;

    public JobCommands(String bootstrapServers, Topic<String, JobEvent> topic) {
        this.topic = topic;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // Unique per process: this producer only writes, so there is no zombie to fence.
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ams-job-commands-" + UUID.randomUUID());
        producer =
                new KafkaProducer<>(
                        p, topic.keySerde().serializer(), topic.valueSerde().serializer());
        producer.initTransactions();
    }

    public synchronized void submit(JobPlan plan) {
        try {
            producer.beginTransaction();
            for (int from = 0; from < plan.listed().size(); from += PART) {
                int to = Math.min(plan.listed().size(), from + PART);
                send(
                        plan.jobId(),
                        JobSpecsAdded.newBuilder()
                                .setFirstIndex(from)
                                .setConversations(plan.listed().subList(from, to))
                                .build());
            }
            send(
                    plan.jobId(),
                    JobSubmitted.newBuilder()
                            .setTotal(plan.total())
                            .setConcurrency(plan.concurrency())
                            .setName(plan.name())
                            .setCartesian(plan.cartesian())
                            .build());
            producer.commitTransaction();
        } catch (KafkaException e) {
            abort();
            throw new ServiceUnavailableException(
                    "Cannot publish job " + plan.jobId() + " to " + topic.name() + ": " + e, e);
        }
    }

    public synchronized void cancel(
            String jobId, String reason, String requestedBy, boolean cancelRunning) {
        try {
            producer.beginTransaction();
            send(
                    jobId,
                    JobCancelled.newBuilder()
                            .setReason(reason)
                            .setRequestedBy(requestedBy)
                            .setCancelRunning(cancelRunning)
                            .build());
            producer.commitTransaction();
        } catch (KafkaException e) {
            abort();
            throw new ServiceUnavailableException(
                    "Cannot publish the cancel of job " + jobId + ": " + e, e);
        }
    }

    // A failed send fails commitTransaction, which the callers turn into a 503.
    @SuppressWarnings("FutureReturnValueIgnored")
    private void send(String jobId, Object payload) {
        producer.send(
                new ProducerRecord<>(
                        topic.name(),
                        jobId,
                        JobEvent.newBuilder()
                                .setEnvelope(Envelopes.create(SOURCE, Instant.now()))
                                .setJobId(jobId)
                                .setPayload(payload)
                                .build()));
    }

    private void abort() {
        try {
            producer.abortTransaction();
        } catch (KafkaException ignored) {
            // Fatal for this producer; the next call fails the same way and answers 503.
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
