package ams.events.topics;

import ams.events.DeadLetter;
import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.job.JobEvent;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.media.MediaEvent;
import ams.events.serde.EventSerdes;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The topics of DESIGN.md under one configurable prefix (default {@code ams.}). Event topics are
 * the system of record: retention is forever ({@code -1}) and they are never compacted.
 */
public final class TopicCatalogue {

    public static final String DEFAULT_PREFIX = "ams.";
    public static final int DEFAULT_PARTITIONS = 3;

    private static final Map<String, String> FOREVER =
            Map.of(
                    TopicConfig.RETENTION_MS_CONFIG, "-1",
                    TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);

    private final Topic<String, AgentEvent> agentEvents;
    private final Topic<String, ConversationEvent> conversationEvents;
    private final Topic<String, KnowledgeEvent> knowledgeEvents;
    private final Topic<String, JobEvent> jobEvents;
    private final Topic<String, MediaEvent> mediaEvents;
    private final Topic<byte[], DeadLetter> deadLetters;

    public TopicCatalogue(String prefix, int partitions, short replicationFactor) {
        if (prefix == null) {
            throw new IllegalArgumentException("topic prefix must not be null (use \"\" for none)");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException(
                    "replication factor must be at least 1, was " + replicationFactor);
        }
        agentEvents =
                new Topic<>(
                        prefix + "agent-events",
                        Serdes.String(),
                        EventSerdes.agentEvents(),
                        partitions,
                        replicationFactor,
                        FOREVER);
        conversationEvents =
                new Topic<>(
                        prefix + "conversation-events",
                        Serdes.String(),
                        EventSerdes.conversationEvents(),
                        partitions,
                        replicationFactor,
                        FOREVER);
        knowledgeEvents =
                new Topic<>(
                        prefix + "knowledge-events",
                        Serdes.String(),
                        EventSerdes.knowledgeEvents(),
                        partitions,
                        replicationFactor,
                        FOREVER);
        // Batch generation jobs, keyed by jobId; the orchestrator drives them.
        jobEvents =
                new Topic<>(
                        prefix + "job-events",
                        Serdes.String(),
                        EventSerdes.jobEvents(),
                        partitions,
                        replicationFactor,
                        FOREVER);
        // What the media store holds, keyed by the bytes' SHA-256; the bytes themselves stay in the
        // store, so records are small. Replaying it rebuilds the media references.
        mediaEvents =
                new Topic<>(
                        prefix + "media-events",
                        Serdes.String(),
                        EventSerdes.mediaEvents(),
                        partitions,
                        replicationFactor,
                        FOREVER);
        // Keyed by the original key's bytes: a dead letter must keep whatever key arrived, even an
        // undecodable one.
        deadLetters =
                new Topic<>(
                        prefix + "dead-letters",
                        Serdes.ByteArray(),
                        EventSerdes.deadLetters(),
                        partitions,
                        replicationFactor,
                        FOREVER);
    }

    /** Default prefix and partitions, replication factor 1 (a single local broker). */
    public static TopicCatalogue defaults() {
        return new TopicCatalogue(DEFAULT_PREFIX, DEFAULT_PARTITIONS, (short) 1);
    }

    public Topic<String, AgentEvent> agentEvents() {
        return agentEvents;
    }

    public Topic<String, ConversationEvent> conversationEvents() {
        return conversationEvents;
    }

    public Topic<String, KnowledgeEvent> knowledgeEvents() {
        return knowledgeEvents;
    }

    public Topic<String, JobEvent> jobEvents() {
        return jobEvents;
    }

    public Topic<String, MediaEvent> mediaEvents() {
        return mediaEvents;
    }

    public Topic<byte[], DeadLetter> deadLetters() {
        return deadLetters;
    }

    public List<Topic<?, ?>> all() {
        return List.of(
                agentEvents,
                conversationEvents,
                knowledgeEvents,
                jobEvents,
                mediaEvents,
                deadLetters);
    }
}
