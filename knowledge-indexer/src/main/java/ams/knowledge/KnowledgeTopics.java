package ams.knowledge;

import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import ams.knowledge.avro.IndexedDocument;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The shared catalogue plus the topic this module owns: {@code <prefix>knowledge-indexer-chunks},
 * knowledge events after chunking and embedding. It has the partition count of knowledge-events and
 * the same key (agentId), so an agent's documents, chunks and graph state share one task.
 */
final class KnowledgeTopics {

    private final TopicCatalogue catalogue;
    private final Topic<String, IndexedDocument> chunks;

    public KnowledgeTopics(
            TopicCatalogue catalogue, String prefix, int partitions, short replicationFactor) {
        this.catalogue = catalogue;
        // Kept forever like its input: it is the record of what was embedded, and replaying it is
        // far cheaper than embedding again.
        this.chunks =
                new Topic<>(
                        prefix + "knowledge-indexer-chunks",
                        Serdes.String(),
                        KnowledgeSerdes.indexedDocuments(),
                        partitions,
                        replicationFactor,
                        Map.of(
                                TopicConfig.RETENTION_MS_CONFIG, "-1",
                                TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                                        String.valueOf(4 * 1024 * 1024)));
    }

    public static KnowledgeTopics of(KnowledgeIndexerConfig config) {
        String prefix = config.topicPrefix();
        int partitions = config.getInt(KnowledgeIndexerConfig.TOPIC_PARTITIONS);
        short replication = config.getShort(KnowledgeIndexerConfig.TOPIC_REPLICATION_FACTOR);
        return new KnowledgeTopics(
                new TopicCatalogue(prefix, partitions, replication),
                prefix,
                partitions,
                replication);
    }

    public TopicCatalogue catalogue() {
        return catalogue;
    }

    public Topic<String, IndexedDocument> chunks() {
        return chunks;
    }

    /** Everything this module reads or writes, for {@code TopicProvisioner}. */
    public List<Topic<?, ?>> all() {
        return List.of(
                catalogue.agentEvents(),
                catalogue.conversationEvents(),
                catalogue.knowledgeEvents(),
                catalogue.deadLetters(),
                chunks);
    }
}
