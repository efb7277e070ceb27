package ams.conversations.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.AgentDirectory;
import ams.conversations.Harness;
import ams.conversations.KnowledgeSearch;
import ams.conversations.llm.PromptBuilder;
import ams.conversations.llm.Providers;
import ams.conversations.llm.ScriptedProvider;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import ams.testkit.TestEvents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The chaos test's finding: while the agent-processor or the knowledge-indexer restarts, their
 * lookups fail with "unavailable"; that used up a turn's model attempts within seconds and failed
 * the conversation. A turn now waits such an outage out (up to dependency.wait.ms).
 */
class TurnRunnerDependencyTest {

    private static final ConversationSnapshot CONVERSATION =
            new ConversationSnapshot(
                    "c", List.of("a", "b"), "testing", 1L, null, null, "corr", List.of());
    private static final TurnRequested TURN =
            (TurnRequested) TestEvents.turnRequested("c", 0, "a").getPayload();

    /** Unavailable for the first {@code outages} calls, then answers. */
    private static AgentDirectory restartingDirectory(int outages, AtomicInteger calls) {
        return id -> {
            if (calls.incrementAndGet() <= outages) {
                throw new UncheckedIOException(
                        "Agent directory unavailable: refused", new IOException("refused"));
            }
            return Optional.of(Harness.profile(id, TestEvents.minimalConfig(id)));
        };
    }

    private static KnowledgeSearch restartingKnowledge(int outages, AtomicInteger calls) {
        return (agentId, query, k) -> {
            if (calls.incrementAndGet() <= outages) {
                throw new UncheckedIOException(
                        "Knowledge search unavailable: null", new IOException("503"));
            }
            return List.of();
        };
    }

    private static TurnRunner runner(
            AgentDirectory agents, KnowledgeSearch knowledge, long dependencyWaitMs) {
        // Two model attempts with short backoff: before the fix, six outages used them up.
        return new TurnRunner(
                agents,
                knowledge,
                new Providers("scripted", 1, name -> new ScriptedProvider()),
                new PromptBuilder(20, 3000),
                3,
                2,
                1,
                5,
                dependencyWaitMs);
    }

    @Test
    void shouldWaitOutRestartingProcessorsWithoutUsingUpModelAttempts() {
        AtomicInteger agentCalls = new AtomicInteger();
        AtomicInteger knowledgeCalls = new AtomicInteger();
        List<Object> out =
                runner(
                                restartingDirectory(6, agentCalls),
                                restartingKnowledge(6, knowledgeCalls),
                                10_000)
                        .run(CONVERSATION, TURN);
        assertEquals(1, out.size(), "only the message, no TurnFailed: " + out);
        assertInstanceOf(MessageAppended.class, out.get(0));
        assertTrue(
                agentCalls.get() >= 7, "the directory was asked until it answered: " + agentCalls);
        assertEquals(7, knowledgeCalls.get(), "the search was asked until it answered");
    }

    @Test
    void shouldFailTheAttemptWhenTheOutageOutlastsTheWait() {
        List<Object> out =
                runner(
                                restartingDirectory(Integer.MAX_VALUE, new AtomicInteger()),
                                KnowledgeSearch.none(),
                                0)
                        .run(CONVERSATION, TURN);
        assertEquals(2, out.size(), "one TurnFailed per model attempt: " + out);
        TurnFailed last = assertInstanceOf(TurnFailed.class, out.get(1));
        assertFalse(last.getRetriable());
    }
}
