package ams.events.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the catalogue's topics that are missing and leaves existing ones alone. Idempotent:
 * running it twice, or from two processes at once, creates each topic once. A topic that exists
 * with another partition count is reported, not changed: repartitioning an event log moves keys.
 */
public final class TopicProvisioner {

    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);

    /** What provisioning found and did. */
    public record Report(
            List<String> created, List<String> existing, List<PartitionMismatch> mismatches) {
        public Report {
            created = List.copyOf(created);
            existing = List.copyOf(existing);
            mismatches = List.copyOf(mismatches);
        }

        public boolean consistent() {
            return mismatches.isEmpty();
        }
    }

    /** A topic that exists with a partition count other than the catalogue's. */
    public record PartitionMismatch(String topic, int expected, int actual) {
        @Override
        public String toString() {
            return topic + " has " + actual + " partitions, the catalogue expects " + expected;
        }
    }

    private final Admin admin;
    private final long timeoutMs;

    public TopicProvisioner(Admin admin, long timeoutMs) {
        this.admin = admin;
        this.timeoutMs = timeoutMs;
    }

    public Report provision(TopicCatalogue catalogue) {
        return provision(catalogue.all());
    }

    /**
     * Retries retriable broker errors within the timeout: right after another client created a
     * topic, describing it can briefly fail with UnknownTopicOrPartition until metadata propagates.
     */
    public Report provision(List<Topic<?, ?>> topics) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        // Kept across attempts: a topic this call created before a retry is still reported as
        // created
        // by it, not as found existing (callers racing each other count on exactly one "created").
        Set<String> createdHere = new LinkedHashSet<>();
        for (int attempt = 1; ; attempt++) {
            try {
                return provisionOnce(topics, createdHere);
            } catch (IllegalStateException e) {
                boolean retriable =
                        e.getCause() instanceof ExecutionException cause
                                && cause.getCause() instanceof RetriableException;
                if (!retriable || System.nanoTime() + 200L * attempt * 1_000_000 > deadline) {
                    throw e;
                }
                log.info("Provisioning topics failed ({}), retrying", e.getMessage());
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private Report provisionOnce(List<Topic<?, ?>> topics, Set<String> createdHere) {
        try {
            Set<String> present = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            List<String> created = new ArrayList<>();
            List<String> existing = new ArrayList<>();
            for (Topic<?, ?> topic : topics) {
                if (createdHere.contains(topic.name())) {
                    created.add(topic.name());
                } else if (present.contains(topic.name())) {
                    existing.add(topic.name());
                } else if (create(topic)) {
                    createdHere.add(topic.name());
                    created.add(topic.name());
                } else {
                    existing.add(topic.name());
                }
            }
            if (!created.isEmpty()) {
                awaitVisible(created);
            }
            List<PartitionMismatch> mismatches = findMismatches(topics, existing);
            Report report = new Report(created, existing, mismatches);
            if (!created.isEmpty()) {
                log.info("Created topics {}", created);
            }
            mismatches.forEach(m -> log.warn("Topic mismatch: {}", m));
            return report;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while provisioning topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "Cannot provision topics within " + timeoutMs + " ms: " + e.getMessage(), e);
        }
    }

    /**
     * Waits until the broker's metadata shows every partition of these topics with a leader.
     * Creation returns once the controller committed it; the brokers' metadata follows a moment
     * later, and a Streams application started in between finds its source topics missing.
     */
    public void awaitVisible(Collection<String> names) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        try {
            while (true) {
                try {
                    Map<String, TopicDescription> descriptions =
                            admin.describeTopics(names)
                                    .allTopicNames()
                                    .get(timeoutMs, TimeUnit.MILLISECONDS);
                    if (descriptions.values().stream()
                            .allMatch(
                                    t ->
                                            !t.partitions().isEmpty()
                                                    && t.partitions().stream()
                                                            .allMatch(p -> p.leader() != null))) {
                        return;
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RetriableException)) {
                        throw new IllegalStateException(
                                "Cannot describe topics " + names + ": " + e.getMessage(), e);
                    }
                } catch (TimeoutException e) {
                    // asked again below, until the deadline
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "Topics "
                                    + names
                                    + " have no leader for every partition after "
                                    + timeoutMs
                                    + " ms");
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for topics " + names, e);
        }
    }

    /** Returns false when another process created the topic first. */
    private boolean create(Topic<?, ?> topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        CreateTopicsResult result = admin.createTopics(List.of(topic.newTopic()));
        try {
            result.all().get(timeoutMs, TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw e;
        }
    }

    private List<PartitionMismatch> findMismatches(List<Topic<?, ?>> topics, List<String> existing)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (existing.isEmpty()) {
            return List.of();
        }
        Map<String, TopicDescription> descriptions =
                admin.describeTopics(existing)
                        .allTopicNames()
                        .get(timeoutMs, TimeUnit.MILLISECONDS);
        List<PartitionMismatch> mismatches = new ArrayList<>();
        for (Topic<?, ?> topic : topics) {
            TopicDescription description = descriptions.get(topic.name());
            if (description != null && description.partitions().size() != topic.partitions()) {
                mismatches.add(
                        new PartitionMismatch(
                                topic.name(), topic.partitions(), description.partitions().size()));
            }
        }
        return mismatches;
    }
}
