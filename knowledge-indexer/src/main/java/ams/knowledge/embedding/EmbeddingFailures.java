package ams.knowledge.embedding;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.NonRetriableException;
import dev.langchain4j.exception.RetriableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpTimeoutException;

/**
 * The one place that decides what an embedding failure means: the service is unwell (retry the
 * batch later, never dead-letter good documents because of it) or this input cannot be embedded
 * (dead-letter the document with the reason).
 */
final class EmbeddingFailures {

    public enum Kind {
        RETRIABLE,
        FATAL_FOR_RECORD
    }

    private EmbeddingFailures() {}

    public static Kind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof Embedder.InvalidEmbeddingException
                    || t instanceof NonRetriableException) {
                return Kind.FATAL_FOR_RECORD;
            }
            if (t instanceof RetriableException
                    || t instanceof HttpTimeoutException
                    || t instanceof IOException
                    || t instanceof UncheckedIOException) {
                return Kind.RETRIABLE;
            }
            if (t instanceof HttpException http) {
                int status = http.statusCode();
                return status == 408 || status == 429 || status >= 500
                        ? Kind.RETRIABLE
                        : Kind.FATAL_FOR_RECORD;
            }
        }
        return Kind.FATAL_FOR_RECORD;
    }
}
