package ams.knowledge;

import ams.knowledge.embedding.Embedder;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model that fails its first calls as a service outage would (retriable) and refuses any text
 * containing POISON as a bad request would (fatal for that document); otherwise delegates.
 */
final class FlakyEmbedder implements EmbeddingModel {

    private final Embedder delegate;
    private final AtomicInteger outagesLeft;
    private final AtomicInteger retriableFailures = new AtomicInteger();

    FlakyEmbedder(Embedder delegate, int outages) {
        this.delegate = delegate;
        this.outagesLeft = new AtomicInteger(outages);
    }

    Embedder embedder() {
        return new Embedder(this, delegate.modelName());
    }

    int retriableFailures() {
        return retriableFailures.get();
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        if (outagesLeft.getAndDecrement() > 0) {
            retriableFailures.incrementAndGet();
            throw new RetriableException("service unavailable (test outage)");
        }
        for (TextSegment segment : segments) {
            if (segment.text().contains("POISON")) {
                throw new InvalidRequestException("input rejected: contains POISON");
            }
        }
        return delegate.model().embedAll(segments);
    }
}
