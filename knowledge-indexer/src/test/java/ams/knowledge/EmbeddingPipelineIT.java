package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.events.knowledge.KnowledgeEvent;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.knowledge.avro.IndexedDocument;
import ams.knowledge.embedding.BatchIndexer;
import ams.knowledge.embedding.Chunker;
import ams.knowledge.embedding.Embedder;
import ams.knowledge.embedding.EmbeddingWorker;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pipelined embedding worker keeps the unpipelined loop's guarantees: every document is written
 * once to the chunks topic (read committed), each agent's documents in input order, when a model
 * outage rewinds the worker with polls in flight and when a second worker joins and the partitions
 * are revoked with polls in flight. Small polls and a model slower than polling keep two polls in
 * flight most of the time.
 */
@ExtendWith(KafkaClusterExtension.class)
class EmbeddingPipelineIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int DOCUMENTS = 40;
    private static final int AGENTS = 4;

    @Test
    void writesEveryDocumentOnceInOrderWhenTheModelFailsWithPollsInFlight(TestKafka kafka)
            throws Exception {
        Setup setup = new Setup(kafka);
        // Calls 4 and 7 fail; with one attempt each failure rewinds the worker.
        SlowModel model = new SlowModel(Set.of(4, 7));
        List<String> input = setup.sendDocuments();
        try (EmbeddingWorker worker = setup.worker(model, "a")) {
            worker.start();
            Wait.until(
                    "all documents indexed", TIMEOUT, () -> worker.documentsIndexed() >= DOCUMENTS);
            assertEquals(2, model.failures());
        }
        setup.assertEachDocumentOnceInInputOrder(input);
    }

    @Test
    void writesEveryDocumentOnceInOrderWhenPartitionsAreRevokedWithPollsInFlight(TestKafka kafka)
            throws Exception {
        Setup setup = new Setup(kafka);
        SlowModel model = new SlowModel(Set.of());
        List<String> input = setup.sendDocuments();
        try (EmbeddingWorker first = setup.worker(model, "a")) {
            first.start();
            Wait.until("some documents indexed", TIMEOUT, () -> first.documentsIndexed() >= 6);
            try (EmbeddingWorker second = setup.worker(model, "b")) {
                second.start();
                Wait.until(
                        "all documents indexed by the two",
                        TIMEOUT,
                        () -> first.documentsIndexed() + second.documentsIndexed() >= DOCUMENTS);
            }
        }
        setup.assertEachDocumentOnceInInputOrder(input);
    }

    /** Topics, input and workers of one test. */
    private static final class Setup {
        private final TestKafka kafka;
        private final TopicCatalogue catalogue;
        private final KnowledgeTopics topics;
        private final String group = TestIndexers.newApplicationId();

        Setup(TestKafka kafka) {
            this.kafka = kafka;
            this.catalogue = kafka.newCatalogue(2);
            this.topics =
                    new KnowledgeTopics(catalogue, TestIndexers.prefixOf(catalogue), 2, (short) 1);
            try (Admin admin = kafka.admin()) {
                new TopicProvisioner(admin, 30_000).provision(topics.all());
            }
        }

        /** The documents over the agents, in one order; returns "agent/document" in that order. */
        List<String> sendDocuments() {
            List<String> sent = new ArrayList<>();
            try (KafkaProducer<String, KnowledgeEvent> producer =
                    kafka.producer(catalogue.knowledgeEvents())) {
                for (int i = 0; i < DOCUMENTS; i++) {
                    String agent = "agent-" + (i % AGENTS);
                    String document = "doc-" + i;
                    producer.send(
                            new ProducerRecord<>(
                                    catalogue.knowledgeEvents().name(),
                                    agent,
                                    Events.added(agent, document, "", "text of " + document)));
                    sent.add(agent + "/" + document);
                }
                producer.flush();
            }
            return sent;
        }

        EmbeddingWorker worker(SlowModel model, String instance) {
            BatchIndexer indexer =
                    new BatchIndexer(
                            group,
                            catalogue.knowledgeEvents(),
                            new Chunker(500, 50),
                            new Embedder(model, "slow-test-model"),
                            2,
                            400,
                            1,
                            1,
                            Thread::sleep);
            return new EmbeddingWorker(
                    kafka.bootstrapServers(),
                    group + "-embedder",
                    group + "-embedder-" + instance,
                    3,
                    catalogue.knowledgeEvents().name(),
                    topics.chunks(),
                    catalogue.deadLetters(),
                    indexer);
        }

        /**
         * Reads the chunks topic to its end (read committed): each document once, and each agent's
         * in the order it was sent.
         */
        void assertEachDocumentOnceInInputOrder(List<String> input) {
            List<String> written = new ArrayList<>();
            try (KafkaConsumer<String, IndexedDocument> consumer =
                    new KafkaConsumer<>(
                            kafka.consumerProperties(group + "-check"),
                            topics.chunks().keySerde().deserializer(),
                            topics.chunks().valueSerde().deserializer())) {
                List<TopicPartition> partitions = new ArrayList<>();
                for (int p = 0; p < 2; p++) {
                    partitions.add(new TopicPartition(topics.chunks().name(), p));
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                Wait.until(
                        "the chunks topic read to its end",
                        TIMEOUT,
                        () -> {
                            for (ConsumerRecord<String, IndexedDocument> r :
                                    consumer.poll(Duration.ofMillis(100))) {
                                written.add(r.key() + "/" + r.value().getDocumentId());
                            }
                            return partitions.stream()
                                    .allMatch(tp -> consumer.position(tp) >= ends.get(tp));
                        });
            }
            // Once each: the same multiset, so a duplicate or a gap fails.
            assertEquals(input.stream().sorted().toList(), written.stream().sorted().toList());
            assertEquals(byAgent(input), byAgent(written));
        }

        private static Map<String, List<String>> byAgent(List<String> documents) {
            Map<String, List<String>> byAgent = new LinkedHashMap<>();
            for (String d : documents) {
                byAgent.computeIfAbsent(d.substring(0, d.indexOf('/')), a -> new ArrayList<>())
                        .add(d);
            }
            return new HashMap<>(byAgent);
        }
    }

    /**
     * A model slower than polling (so polls queue behind it) that fails the given calls (1-based)
     * as an outage would; its vectors are a function of the text.
     */
    private static final class SlowModel implements EmbeddingModel {
        private final Set<Integer> failingCalls;
        private final AtomicInteger calls = new AtomicInteger();
        private final AtomicInteger failures = new AtomicInteger();

        SlowModel(Set<Integer> failingCalls) {
            this.failingCalls = failingCalls;
        }

        int failures() {
            return failures.get();
        }

        @Override
        public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
            int call = calls.incrementAndGet();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (failingCalls.contains(call)) {
                failures.incrementAndGet();
                throw new RetriableException(
                        "service unavailable (test outage, call " + call + ")");
            }
            List<Embedding> vectors = new ArrayList<>();
            for (TextSegment segment : segments) {
                int h = segment.text().hashCode();
                vectors.add(Embedding.from(new float[] {1, h & 0xff, (h >> 8) & 0xff, 1}));
            }
            return Response.from(vectors);
        }
    }
}
