package ams.knowledge.embedding;

import ams.service.failure.LangChain4jFailures;

/**
 * The one place that decides what an embedding failure means: the service is unwell (retry the
 * batch later, never dead-letter good documents because of it) or this input cannot be embedded
 * (dead-letter the document with the reason). The shared rules ({@link LangChain4jFailures}) plus
 * one of its own: a model that answers with unusable vectors has refused this input.
 */
final class EmbeddingFailures extends LangChain4jFailures {

    public enum Kind {
        RETRIABLE,
        FATAL_FOR_RECORD
    }

    private static final EmbeddingFailures RULES = new EmbeddingFailures();

    private EmbeddingFailures() {}

    public static Kind classify(Throwable failure) {
        return RULES.verdict(failure).retriable() ? Kind.RETRIABLE : Kind.FATAL_FOR_RECORD;
    }

    @Override
    protected Verdict rule(Throwable link) {
        if (link instanceof Embedder.InvalidEmbeddingException) {
            return permanent("invalid embedding: ", link);
        }
        return super.rule(link);
    }
}
