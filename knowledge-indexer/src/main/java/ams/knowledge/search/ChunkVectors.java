package ams.knowledge.search;

/**
 * Where a search reads the float vector of a chunk to re-rank its best candidates exactly (and to
 * scan exactly when asked): the {@code chunks} store, which the in-memory index only quantizes.
 */
@FunctionalInterface
public interface ChunkVectors {

    /** The chunk's vector as embedded (not normalised), or null when the store no longer has it. */
    float[] vector(String documentId, int chunkIndex);
}
