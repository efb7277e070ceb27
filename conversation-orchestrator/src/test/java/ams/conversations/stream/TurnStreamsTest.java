package ams.conversations.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class TurnStreamsTest {

    private final TurnStreams streams = new TurnStreams();
    private final List<TurnStreams.TurnEvent> seen = new CopyOnWriteArrayList<>();

    @Test
    void shouldPassTokensOnAndVoidThemWhenTheAttemptFails() {
        try (TurnStreams.Subscription s = streams.subscribe("c", seen::add)) {
            assertTrue(s.partials().isEmpty(), "nothing streaming yet");
            TurnStreams.Run first = streams.begin("c", 0, "a");
            first.token("Hel");
            first.reset("429");
            first.token("lost"); // after its reset: dropped
            TurnStreams.Run second = streams.begin("c", 0, "a");
            second.token("Hello ");
            second.token("there");
            second.finish();
            assertEquals(
                    List.of("Hel", "429!", "Hello ", "there"),
                    seen.stream().map(e -> e.reset() ? e.text() + "!" : e.text()).toList());
            assertTrue(s.partials().isEmpty());
        }
    }

    @Test
    void shouldVoidAStoppedWorkersTokensWhenTheTurnStartsAgain() {
        try (TurnStreams.Subscription s = streams.subscribe("c", seen::add)) {
            assertTrue(s.partials().isEmpty(), "nothing streaming yet");
            TurnStreams.Run halted = streams.begin("c", 2, "b");
            halted.token("half a rep");
            TurnStreams.Run redo = streams.begin("c", 2, "b");
            halted.token("ly"); // the stopped worker's late token: not the current run
            redo.token("whole reply");
            assertEquals(3, seen.size());
            assertTrue(seen.get(1).reset());
            assertEquals("whole reply", seen.get(2).text());
        }
    }

    @Test
    void shouldGiveALateSubscriberTheReplySoFarAndForgetIdleConversations() {
        TurnStreams.Run run = streams.begin("c", 1, "a");
        run.token("one ");
        run.token("two ");
        try (TurnStreams.Subscription late = streams.subscribe("c", seen::add)) {
            assertEquals(List.of(new TurnStreams.Partial(1, "a", "one two ")), late.partials());
            run.token("three");
            assertEquals("three", seen.get(0).text());
        }
        run.reset("gone");
        assertEquals(0, streams.channels(), "no listener and no run: nothing kept");
    }

    @Test
    void shouldKeepNoTextOfAFinishedTurnNobodyWatches() {
        TurnStreams.Run run = streams.begin("busy", 0, "a");
        run.token("a whole reply");
        run.finish();
        assertEquals(0, streams.channels());
    }

    @Test
    void shouldKeepNothingForAConversationNobodyWatchesOnceItsTurnFailed() {
        TurnStreams.Run run = streams.begin("quiet", 0, "a");
        run.token("x");
        run.reset("failed");
        assertEquals(0, streams.channels());
    }
}
