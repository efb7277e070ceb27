package ams.knowledge.search;

/**
 * One result of an in-memory search: the best chunk of a document. {@code similarity} is the cosine
 * similarity to the query (vector, hybrid) or the BM25 score (lexical); {@code score} is what the
 * ranking used (cosine, BM25 or the reciprocal-rank-fusion sum).
 */
public record ChunkHit(String documentId, int chunkIndex, double similarity, double score) {}
