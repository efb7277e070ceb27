package ams.conversations.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.Harness;
import ams.conversations.KnowledgeSearch;
import ams.conversations.llm.ChatProvider;
import ams.conversations.llm.Prompt;
import ams.conversations.llm.PromptBuilder;
import ams.conversations.llm.Providers;
import ams.conversations.llm.ScriptedProvider;
import ams.conversations.llm.TokenSink;
import ams.conversations.stream.TurnStreams;
import ams.events.GenerationParameters;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import ams.testkit.TestEvents;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The tokens a turn runner streams add up to the message it returns, across a retry. */
class TurnRunnerStreamTest {

    private static final ConversationSnapshot CONVERSATION =
            new ConversationSnapshot(
                    "c", List.of("a", "b"), "testing", 1L, null, null, "corr", List.of());
    private static final TurnRequested TURN =
            (TurnRequested) TestEvents.turnRequested("c", 0, "a").getPayload();

    private static TurnRunner runner(ChatProvider provider) {
        return new TurnRunner(
                id -> Optional.of(Harness.profile(id, TestEvents.minimalConfig(id))),
                (KnowledgeSearch) (agentId, query, k) -> List.of(),
                new Providers("scripted", 1, name -> provider),
                new PromptBuilder(20, 3000),
                3,
                3,
                1,
                5);
    }

    /** The tokens after the last reset, concatenated. */
    private static String afterLastReset(List<TurnStreams.TurnEvent> events) {
        StringBuilder text = new StringBuilder();
        for (TurnStreams.TurnEvent e : events) {
            if (e.reset()) {
                text.setLength(0);
            } else {
                text.append(e.text());
            }
        }
        return text.toString();
    }

    @Test
    void shouldStreamTheScriptedReplyWordByWord() {
        TurnStreams streams = new TurnStreams();
        List<TurnStreams.TurnEvent> seen = new CopyOnWriteArrayList<>();
        try (TurnStreams.Subscription s = streams.subscribe("c", seen::add)) {
            assertTrue(s.partials().isEmpty(), "nothing streaming yet");
            List<Object> out =
                    runner(new ScriptedProvider()).streamTo(streams).run(CONVERSATION, TURN);
            MessageAppended message = assertInstanceOf(MessageAppended.class, out.get(0));
            assertTrue(seen.size() > 5, "word by word: " + seen);
            assertEquals(message.getContent(), afterLastReset(seen));
            assertEquals("scripted", message.getModel());
        }
    }

    @Test
    void shouldResetTheTokensOfAFailedAttempt() {
        AtomicInteger calls = new AtomicInteger();
        ChatProvider brokenOnce =
                new ChatProvider() {
                    @Override
                    public String name() {
                        return "flaky";
                    }

                    @Override
                    public Reply reply(Prompt prompt, GenerationParameters generation) {
                        return new Reply("fine answer", "m", 1, 2, 3, false);
                    }

                    @Override
                    public Reply reply(
                            Prompt prompt, GenerationParameters generation, TokenSink tokens) {
                        tokens.token("broken ");
                        if (calls.incrementAndGet() == 1) {
                            throw new dev.langchain4j.exception.HttpException(
                                    503, "stream broke off");
                        }
                        return new Reply("broken answer", "m", 1, 2, 3, false);
                    }
                };
        TurnStreams streams = new TurnStreams();
        List<TurnStreams.TurnEvent> seen = new CopyOnWriteArrayList<>();
        try (TurnStreams.Subscription s = streams.subscribe("c", seen::add)) {
            assertTrue(s.partials().isEmpty(), "nothing streaming yet");
            List<Object> out =
                    runner(tokensThen(brokenOnce)).streamTo(streams).run(CONVERSATION, TURN);
            assertInstanceOf(TurnFailed.class, out.get(0));
            MessageAppended message = assertInstanceOf(MessageAppended.class, out.get(1));
            assertTrue(seen.stream().anyMatch(TurnStreams.TurnEvent::reset), seen.toString());
            assertEquals(message.getContent(), afterLastReset(seen));
        }
    }

    /** Streams "broken " then "answer" on success, so the pieces add up to the content. */
    private static ChatProvider tokensThen(ChatProvider inner) {
        return new ChatProvider() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public Reply reply(Prompt prompt, GenerationParameters generation) {
                return inner.reply(prompt, generation);
            }

            @Override
            public Reply reply(Prompt prompt, GenerationParameters generation, TokenSink tokens) {
                Reply reply = inner.reply(prompt, generation, tokens);
                tokens.token("answer");
                return reply;
            }
        };
    }
}
