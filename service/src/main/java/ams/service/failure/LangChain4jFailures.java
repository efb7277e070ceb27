package ams.service.failure;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.NonRetriableException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.exception.TimeoutException;

/**
 * The rules for LangChain4j's exceptions, shared by the LLM and the embedding callers: its rate
 * limits, server errors and timeouts are retriable, an {@link HttpException} goes by its status,
 * and otherwise its own {@link RetriableException} / {@link NonRetriableException} split decides.
 *
 * <p>langchain4j-core is an optional dependency of the service module: only the processes that call
 * models (and have it on their class path already) load this class.
 */
public class LangChain4jFailures extends FailureClassifier {

    @Override
    protected Verdict rule(Throwable link) {
        if (link instanceof RateLimitException) {
            return retriable("rate limited (429): ", link);
        }
        if (link instanceof InternalServerException) {
            return retriable("server error (5xx): ", link);
        }
        if (link instanceof TimeoutException) {
            return retriable("timeout: ", link);
        }
        if (link instanceof HttpException http) {
            return httpStatus(http.statusCode(), link);
        }
        if (link instanceof NonRetriableException) {
            return permanent("", link);
        }
        if (link instanceof RetriableException) {
            return retriable("", link);
        }
        return super.rule(link);
    }
}
