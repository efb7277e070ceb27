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
