package ams.conversations.llm;

/**
 * Where a provider puts the pieces of a reply as the model writes them. Called from whatever thread
 * the model client delivers on; an implementation must not block (it feeds live views only: the
 * stored message is the reply the call returns).
 */
@FunctionalInterface
public interface TokenSink {

    /** Sinks nothing: a call nobody watches. */
    TokenSink NONE = text -> {};

    void token(String text);
}
