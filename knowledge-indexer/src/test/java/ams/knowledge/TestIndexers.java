package ams.knowledge;

import ams.events.topics.TopicCatalogue;
import ams.knowledge.embedding.Embedder;
import ams.knowledge.embedding.EmbeddingModels;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;

/** Starting indexers against a test catalogue. The in-process model is loaded once per test JVM. */
final class TestIndexers {

    private TestIndexers() {}

    /** Holder idiom: the model is immutable and expensive, so one instance serves every test. */
    private static final class Model {
        static final Embedder IN_PROCESS = EmbeddingModels.inProcess();
    }

    static Embedder model() {
        return Model.IN_PROCESS;
    }

    static String prefixOf(TopicCatalogue catalogue) {
        String name = catalogue.agentEvents().name();
        return name.substring(0, name.length() - "agent-events".length());
    }

    static int freePort() {
        return ams.testkit.FreePorts.next();
    }

    static Map<String, Object> config(
            TestKafka kafka,
            TopicCatalogue catalogue,
            String applicationId,
            Path stateDir,
            int port) {
        Map<String, Object> props = new HashMap<>();
        props.put(KnowledgeIndexerConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        props.put(KnowledgeIndexerConfig.TOPIC_PREFIX, prefixOf(catalogue));
        props.put(KnowledgeIndexerConfig.TOPIC_PARTITIONS, catalogue.agentEvents().partitions());
        props.put(KnowledgeIndexerConfig.APPLICATION_ID, applicationId);
        props.put(KnowledgeIndexerConfig.STATE_DIR, stateDir.toString());
        props.put(KnowledgeIndexerConfig.HTTP_PORT, port);
        props.put(KnowledgeIndexerConfig.EMBEDDING_RETRY_BACKOFF_MS, 10L);
        return props;
    }

    static String newApplicationId() {
        return "ki-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static KnowledgeIndexer start(Map<String, Object> props, Embedder embedder) {
        KnowledgeIndexer indexer =
                KnowledgeIndexer.start(new KnowledgeIndexerConfig(props), embedder);
        Wait.until(
                "indexer streams running",
                java.time.Duration.ofSeconds(60),
                () -> indexer.streams().state() == KafkaStreams.State.RUNNING);
        return indexer;
    }
}
