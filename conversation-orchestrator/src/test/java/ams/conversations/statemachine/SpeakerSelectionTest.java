package ams.conversations.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpeakerSelectionTest {

    private static final List<String> ABC = List.of("a", "b", "c");

    private static List<String> sequence(String policy, List<String> order, long seed, int turns) {
        List<String> out = new ArrayList<>();
        String last = null;
        for (int t = 0; t < turns; t++) {
            last = SpeakerSelection.speakerFor(policy, ABC, order, seed, t, last);
            out.add(last);
        }
        return out;
    }

    @Test
    void shouldRotateRoundRobin() {
        assertEquals(List.of("a", "b", "c", "a"), sequence("ROUND_ROBIN", List.of(), 1, 4));
    }

    @Test
    void shouldFollowExplicitOrderCyclically() {
        assertEquals(
                List.of("b", "b", "a", "b", "b"),
                sequence("EXPLICIT", List.of("b", "b", "a"), 1, 5));
    }

    @Test
    void shouldChooseRandomSpeakersReproduciblyWithoutImmediateRepeats() {
        List<String> first = sequence("RANDOM", List.of(), 99, 50);
        assertEquals(first, sequence("RANDOM", List.of(), 99, 50));
        for (int i = 1; i < first.size(); i++) {
            assertNotEquals(first.get(i - 1), first.get(i));
        }
        assertNotEquals(first, sequence("RANDOM", List.of(), 100, 50));
    }

    @Test
    void shouldHandTheTurnToTheAgentNamedOnTheLastNextLine() {
        assertEquals("c", SpeakerSelection.handedTo(ABC, 1, "a", "Over to you.\nNEXT: c"));
        assertEquals("b", SpeakerSelection.handedTo(ABC, 1, "a", "next: c\r\n  Next: @b  "));
        // Itself, a stranger, or no line: the round-robin turn.
        assertEquals("b", SpeakerSelection.handedTo(ABC, 1, "a", "NEXT: a"));
        assertEquals("c", SpeakerSelection.handedTo(ABC, 2, "b", "NEXT: zed"));
        assertEquals("a", SpeakerSelection.handedTo(ABC, 3, "c", "the NEXT: b is mid-line"));
        assertEquals("b", SpeakerSelection.handedTo(ABC, 4, "a", null));
    }

    @Test
    void shouldLeaveModelSelectionToTheWorkerUnlessThereIsOneParticipant() {
        assertEquals(
                SpeakerSelection.MODEL_SELECTED,
                SpeakerSelection.speakerFor("MODEL_SELECTED", ABC, List.of(), 1L, 0, null));
        assertEquals(
                "a",
                SpeakerSelection.speakerFor("MODEL_SELECTED", List.of("a"), List.of(), 1L, 3, "a"));
    }
}
