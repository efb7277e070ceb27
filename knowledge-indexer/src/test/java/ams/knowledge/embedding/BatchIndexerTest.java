package ams.knowledge.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.DeadLetterReason;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import ams.knowledge.avro.IndexOperation;
import ams.testkit.TestEvents;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class BatchIndexerTest {

    private final Topic<String, KnowledgeEvent> topic = TopicCatalogue.defaults().knowledgeEvents();
    private final AtomicInteger calls = new AtomicInteger();
    private final List<Long> pauses = new ArrayList<>();

    /**
     * Vectors from text length; refuses POISON as a bad request; fails with 500 while {@code
     * outage} is set.
     */
    private final class FakeModel implements EmbeddingModel {
        volatile boolean outage;

        @Override
        public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
            calls.incrementAndGet();
            if (outage) {
                throw new InternalServerException("down");
            }
            List<Embedding> out = new ArrayList<>();
            for (TextSegment segment : segments) {
                if (segment.text().contains("POISON")) {
                    throw new InvalidRequestException("bad input");
                }
                out.add(Embedding.from(new float[] {segment.text().length(), 1, 0}));
            }
            return Response.from(out);
        }
    }

    private BatchIndexer indexer(FakeModel model, int maxChunks) {
        return new BatchIndexer(
                "test-app",
                topic,
                new Chunker(40, 5),
                new Embedder(model, "fake"),
                8,
                maxChunks,
                3,
                100,
                pauses::add);
    }

    private ConsumerRecord<byte[], byte[]> record(long offset, KnowledgeEvent event) {
        return new ConsumerRecord<>(
                topic.name(),
                0,
                offset,
                event.getAgentId().getBytes(),
                topic.valueSerde().serializer().serialize(topic.name(), event));
    }

    @Test
    void shouldChunkEmbedAndDeadLetterOnlyTheBadDocuments() throws InterruptedException {
        FakeModel model = new FakeModel();
        List<ConsumerRecord<byte[], byte[]>> records =
                List.of(
                        record(
                                0,
                                TestEvents.documentAdded(
                                        "a",
                                        "long",
                                        "Title",
                                        "one two three four five six seven eight nine ten "
                                                + "eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen")),
                        record(1, TestEvents.documentAdded("a", "bad", "T", "POISON here")),
                        record(2, TestEvents.documentRemoved("a", "old")),
                        new ConsumerRecord<>(
                                topic.name(), 0, 3, "a".getBytes(), "garbage".getBytes()),
                        record(4, TestEvents.documentAdded("a", "big", "T", "word ".repeat(200))));
        List<BatchIndexer.Outcome> outcomes = indexer(model, 5).index(records);

        assertNull(outcomes.get(0).deadLetter());
        assertTrue(
                outcomes.get(0).indexed().getChunks().size() > 1, "split into overlapping chunks");
        assertEquals(3, outcomes.get(0).indexed().getChunks().get(0).getDimension());
        assertEquals("fake", outcomes.get(0).indexed().getDocument().getModel());
        assertEquals(DeadLetterReason.EMBEDDING_FAILED, outcomes.get(1).deadLetter().getReason());
        assertEquals(IndexOperation.REMOVE, outcomes.get(2).indexed().getOperation());
        assertEquals(DeadLetterReason.UNDECODABLE, outcomes.get(3).deadLetter().getReason());
        assertEquals(DeadLetterReason.TEXT_TOO_LARGE, outcomes.get(4).deadLetter().getReason());
        assertNotNull(outcomes.get(1).deadLetter().getOriginalValue());
    }

    @Test
    void shouldRetryAnOutageThenAskForTheBatchToBeRetriedLater() {
        FakeModel model = new FakeModel();
        model.outage = true;
        BatchIndexer indexer = indexer(model, 10);
        assertThrows(
                BatchIndexer.RetryLaterException.class,
                () ->
                        indexer.index(
                                List.of(
                                        record(
                                                0,
                                                TestEvents.documentAdded("a", "d", "T", "text")))));
        assertEquals(3, calls.get(), "embedding.max.attempts");
        assertEquals(List.of(100L, 200L), pauses, "exponential backoff");
    }

    @Test
    void shouldClassifyFailures() {
        assertEquals(
                EmbeddingFailures.Kind.RETRIABLE,
                EmbeddingFailures.classify(new InternalServerException("x")));
        assertEquals(
                EmbeddingFailures.Kind.RETRIABLE,
                EmbeddingFailures.classify(
                        new RuntimeException(new java.net.http.HttpTimeoutException("slow"))));
        assertEquals(
                EmbeddingFailures.Kind.FATAL_FOR_RECORD,
                EmbeddingFailures.classify(new InvalidRequestException("x")));
        assertEquals(
                EmbeddingFailures.Kind.FATAL_FOR_RECORD,
                EmbeddingFailures.classify(new IllegalArgumentException("x")));
    }
}
