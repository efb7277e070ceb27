package ams.conversations.llm;

import ams.events.GenerationParameters;

/**
 * One way of producing a turn's text. Implementations are thread-safe; the caller bounds
 * concurrency and retries.
 */
public interface ChatProvider {

    /** {@code scripted}, {@code openai} or {@code ollama}. */
    String name();

    Reply reply(Prompt prompt, GenerationParameters generation);

    /**
     * Like {@link #reply(Prompt, GenerationParameters)}, giving {@code tokens} each piece of the
     * reply as it is written; the pieces concatenated are the returned content. A provider that
     * cannot stream gives the whole content as one piece.
     */
    default Reply reply(Prompt prompt, GenerationParameters generation, TokenSink tokens) {
        Reply reply = reply(prompt, generation);
        if (!reply.content().isEmpty()) {
            tokens.token(reply.content());
        }
        return reply;
    }

    /**
     * Which participant should speak next (the model-selected policy); {@code prompt.instruction()}
     * lists the candidates. Returns the raw answer; the caller matches it to a participant.
     */
    default String selectSpeaker(Prompt prompt, GenerationParameters generation) {
        return reply(prompt, generation).content();
    }

    /** What a model wrote and what it cost. {@code estimated} = the provider reported no usage. */
    record Reply(
            String content,
            String model,
            int promptTokens,
            int completionTokens,
            int totalTokens,
            boolean estimated) {}
}
