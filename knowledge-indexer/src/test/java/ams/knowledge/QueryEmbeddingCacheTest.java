package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ams.knowledge.embedding.Embedder;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryEmbeddingCacheTest {

    /** A deterministic model that records every text it is given. */
    private static final class RecordingModel implements EmbeddingModel {
        final List<String> texts = new ArrayList<>();
        private final float seed;

        RecordingModel(float seed) {
            this.seed = seed;
        }

        @Override
        public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
            List<Embedding> out = new ArrayList<>();
            for (TextSegment segment : segments) {
                texts.add(segment.text());
                out.add(Embedding.from(new float[] {seed, segment.text().length()}));
            }
            return Response.from(out);
        }
    }

    @Test
    void shouldEmbedARepeatedQueryOnceAndCountHitsAndMisses() {
        RecordingModel model = new RecordingModel(1);
        Embedder embedder = new Embedder(model, "m1");
        QueryEmbeddingCache cache = new QueryEmbeddingCache(10);

        float[] first = cache.embed(embedder, "cats need taurine");
        float[] again = cache.embed(embedder, "  cats   need\ttaurine ");

        assertSame(first, again, "same normalized text: the cached vector");
        assertEquals(List.of("cats need taurine"), model.texts, "the model saw the text once");
        assertEquals(1, cache.hits());
        assertEquals(1, cache.misses());
        assertEquals(1, cache.size());
    }

    @Test
    void shouldNotReuseAVectorForAnotherModel() {
        RecordingModel one = new RecordingModel(1);
        RecordingModel two = new RecordingModel(2);
        QueryEmbeddingCache cache = new QueryEmbeddingCache(10);

        float[] fromOne = cache.embed(new Embedder(one, "m1"), "cats");
        float[] fromTwo = cache.embed(new Embedder(two, "m2"), "cats");

        assertNotEquals(fromOne[0], fromTwo[0]);
        assertEquals(List.of("cats"), two.texts, "another model's name misses");
        assertEquals(2, cache.misses());
        assertArrayEquals(fromOne, cache.embed(new Embedder(one, "m1"), "cats"));
        assertEquals(1, cache.hits());
    }

    @Test
    void shouldEvictTheLeastRecentlyUsedQueryBeyondCapacity() {
        RecordingModel model = new RecordingModel(1);
        Embedder embedder = new Embedder(model, "m1");
        QueryEmbeddingCache cache = new QueryEmbeddingCache(2);

        cache.embed(embedder, "a");
        cache.embed(embedder, "b");
        cache.embed(embedder, "a"); // a is now the most recent
        cache.embed(embedder, "c"); // evicts b
        cache.embed(embedder, "a");
        cache.embed(embedder, "b");

        assertEquals(List.of("a", "b", "c", "b"), model.texts);
        assertEquals(2, cache.size());
    }

    @Test
    void shouldKeepNothingAtCapacityZero() {
        RecordingModel model = new RecordingModel(1);
        Embedder embedder = new Embedder(model, "m1");
        QueryEmbeddingCache cache = new QueryEmbeddingCache(0);

        cache.embed(embedder, "a");
        cache.embed(embedder, "a");

        assertEquals(List.of("a", "a"), model.texts);
        assertEquals(0, cache.size());
        assertEquals(2, cache.misses());
    }

    @Test
    void shouldNormalizeUnicodeAndWhitespaceOnly() {
        assertEquals("café au lait", QueryEmbeddingCache.normalize(" cafe\u0301 \u00a0au\n lait "));
        assertEquals("Cats", QueryEmbeddingCache.normalize("Cats"), "case is the model's to judge");
        assertEquals(" \t ", QueryEmbeddingCache.normalize(" \t "), "nothing left: as it was");
    }
}
