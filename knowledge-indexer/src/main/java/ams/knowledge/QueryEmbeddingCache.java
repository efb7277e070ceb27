package ams.knowledge;

import ams.knowledge.embedding.Embedder;
import java.text.Normalizer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The embeddings of recent search queries, least recently used first out, so a repeated query does
 * not run the model again: embedding the query is nearly all of a vector or hybrid search's cost
 * (about 42 ms of CPU with the in-process model against well under a millisecond for the search
 * itself, bench/RESULTS.md).
 *
 * <p>Keyed by the model's name and the normalized query text, so a vector is never reused for
 * another model (a cache shared by two embedders, or one whose model was reconfigured, misses).
 * Normalization (Unicode NFC, whitespace trimmed and runs of it collapsed to one space) is applied
 * before the model sees the text too, so a hit returns exactly what a miss would have computed. The
 * vectors handed out are shared: callers must not write to them (the search does not).
 *
 * <p>Two threads missing on the same text at once both embed it (the model is not called under the
 * lock); the second result replaces the first, which is equal.
 */
public final class QueryEmbeddingCache {

    private final int capacity;
    private final Map<Key, float[]> vectors;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    /**
     * @param capacity the most query embeddings kept; 0 keeps none (every query runs the model)
     */
    public QueryEmbeddingCache(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, was " + capacity);
        }
        this.capacity = capacity;
        this.vectors =
                new LinkedHashMap<>(16, 0.75f, true) {
                    private static final long serialVersionUID = 1L;

                    @Override
                    protected boolean removeEldestEntry(Map.Entry<Key, float[]> eldest) {
                        return size() > QueryEmbeddingCache.this.capacity;
                    }
                };
    }

    /** The query's embedding by {@code embedder}, from the cache when it holds one. */
    public float[] embed(Embedder embedder, String query) {
        String text = normalize(query);
        Key key = new Key(embedder.modelName(), text);
        float[] vector;
        synchronized (vectors) {
            vector = vectors.get(key);
        }
        if (vector != null) {
            hits.increment();
            return vector;
        }
        misses.increment();
        vector = embedder.embed(text);
        if (capacity > 0) {
            synchronized (vectors) {
                vectors.put(key, vector);
            }
        }
        return vector;
    }

    /**
     * The text the model is given for {@code query}: NFC, trimmed, whitespace runs as one space. A
     * query of whitespace only is left as it is (a model may refuse an empty text).
     */
    static String normalize(String query) {
        String nfc = Normalizer.normalize(query, Normalizer.Form.NFC);
        StringBuilder out = new StringBuilder(nfc.length());
        boolean space = false;
        for (int i = 0; i < nfc.length(); i++) {
            char c = nfc.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                space = out.length() > 0;
            } else {
                if (space) {
                    out.append(' ');
                    space = false;
                }
                out.append(c);
            }
        }
        return out.length() == 0 ? query : out.toString();
    }

    /** Queries answered from the cache since start. */
    public long hits() {
        return hits.sum();
    }

    /** Queries that ran the model since start. */
    public long misses() {
        return misses.sum();
    }

    /** Embeddings held now. */
    public int size() {
        synchronized (vectors) {
            return vectors.size();
        }
    }

    public int capacity() {
        return capacity;
    }

    private record Key(String model, String text) {}
}
