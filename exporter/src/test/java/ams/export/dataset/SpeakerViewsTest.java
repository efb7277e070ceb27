package ams.export.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.conversation.MessageRole;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpeakerViewsTest {

    /** TestEvents.minimalConfig's prime directive, composed after the system prompt. */
    private static final String PRIME = "\n\nPrime directive: Help.";

    private static SpeakerViews views(Logs logs, boolean humans, int maxTurns) {
        return new SpeakerViews(
                logs.prompts(), new SpeakerViews.Options(Set.of(), humans, maxTurns));
    }

    @Test
    void shouldGiveEachAgentItsOwnViewWithItsOwnTurnsAsAssistant() {
        Logs logs =
                new Logs()
                        .agent("a", "Alice", "You are Alice.")
                        .agent("b", "Bob", "You are Bob.")
                        .requested("c1", "tea", "a", "b")
                        .say("c1", 0, "a", "a0")
                        .say("c1", 1, "b", "b1")
                        .say("c1", 2, "a", "a2")
                        .say("c1", 3, "b", "b3")
                        .completed("c1");
        List<Sample> samples = views(logs, true, 0).samples(logs.conversations().get(0));

        assertEquals(2, samples.size());
        Sample alice = samples.get(0);
        assertEquals("a", alice.agentId());
        assertEquals("You are Alice.\n\nPrime directive: Help.", alice.system());
        assertEquals(
                List.of(
                        new Sample.ChatTurn("user", null, "Topic: tea"),
                        new Sample.ChatTurn("assistant", null, "a0"),
                        new Sample.ChatTurn("user", "Bob", "b1"),
                        new Sample.ChatTurn("assistant", null, "a2")),
                alice.turns()); // Bob's last turn has no answer from Alice: dropped
        Sample bob = samples.get(1);
        assertEquals("You are Bob.\n\nPrime directive: Help.", bob.system());
        assertEquals(
                List.of(
                        new Sample.ChatTurn("user", "Alice", "a0"),
                        new Sample.ChatTurn("assistant", null, "b1"),
                        new Sample.ChatTurn("user", "Alice", "a2"),
                        new Sample.ChatTurn("assistant", null, "b3")),
                bob.turns());
    }

    @Test
    void shouldMergeConsecutiveTurnsOfOneRoleAndNameEachSpeaker() {
        Logs logs =
                new Logs()
                        .agent("a", "Alice", "A.")
                        .agent("b", "Bob", "B.")
                        .agent("c", "Carol", "C.")
                        .requested("c1", "x", "a", "b", "c")
                        .human("c1", 0, "hank", "hello all")
                        .say("c1", 0, "b", "b0")
                        .say("c1", 1, "c", "c1")
                        .say("c1", 2, "a", "a2")
                        .say("c1", 3, "a", "a3")
                        .completed("c1");
        Sample alice = views(logs, true, 0).view(logs.conversations().get(0), "a").get(0);
        assertEquals(
                List.of(
                        new Sample.ChatTurn(
                                "user", null, "hank: hello all\n\nBob: b0\n\nCarol: c1"),
                        new Sample.ChatTurn("assistant", null, "a2\n\na3")),
                alice.turns());

        Sample noHumans = views(logs, false, 0).view(logs.conversations().get(0), "a").get(0);
        assertEquals("Bob: b0\n\nCarol: c1", noHumans.turns().get(0).content());
        assertNull(noHumans.turns().get(0).name());
    }

    @Test
    void shouldStartANewSampleWhenTheSystemPromptChangesOrTheSampleIsFull() {
        Logs logs =
                new Logs()
                        .agent("a", "Alice", "first prompt")
                        .agent("b", "Bob", "B.")
                        .requested("c1", "x", "a", "b")
                        .say("c1", 0, "b", "b0")
                        .say("c1", 1, "a", "a1")
                        .say("c1", 2, "b", "b2")
                        .say("c1", 3, "a", "a3");
        logs.prompt("a", "second prompt")
                .say("c1", 4, "b", "b4")
                .say("c1", 5, "a", "a5")
                .say("c1", 6, "b", "b6")
                .say("c1", 7, "a", "a7")
                .say("c1", 8, "b", "b8")
                .say("c1", 9, "a", "a9")
                .completed("c1");
        List<Sample> samples = views(logs, true, 4).view(logs.conversations().get(0), "a");
        assertEquals(3, samples.size());
        assertEquals("first prompt" + PRIME, samples.get(0).system());
        assertEquals(4, samples.get(0).turns().size());
        assertEquals("second prompt" + PRIME, samples.get(1).system());
        assertEquals("a7", samples.get(1).turns().get(3).content());
        assertEquals("second prompt" + PRIME, samples.get(2).system());
        assertEquals(
                List.of("b8", "a9"),
                samples.get(2).turns().stream().map(Sample.ChatTurn::content).toList());
        assertEquals("c1/a/2", samples.get(2).id());
    }

    /** Random speakers, humans and roles: every sample of every view must alternate. */
    @Test
    void everySampleAlternatesWhateverTheSpeakingOrder() {
        Random random = new Random(7);
        Logs logs = new Logs();
        String[] agents = {"a", "b", "c"};
        for (String a : agents) {
            logs.agent(a, a.toUpperCase(java.util.Locale.ROOT), "prompt " + a);
        }
        int samples = 0;
        for (int c = 0; c < 200; c++) {
            String id = "c" + c;
            logs.requested(id, "t" + c, agents);
            int turns = random.nextInt(12);
            for (int t = 0; t < turns; t++) {
                int kind = random.nextInt(10);
                if (kind == 0) {
                    logs.human(id, t, "human", "h" + t);
                } else if (kind == 1) {
                    logs.say(id, t, "sys", "s" + t, MessageRole.SYSTEM, null);
                } else {
                    logs.say(id, t, agents[random.nextInt(3)], "m" + t);
                }
                if (random.nextInt(20) == 0) {
                    logs.prompt(agents[random.nextInt(3)], "changed " + t);
                }
            }
            logs.completed(id);
        }
        for (boolean humans : new boolean[] {true, false}) {
            for (int max : new int[] {0, 2, 3, 6}) {
                SpeakerViews views = views(logs, humans, max);
                for (LogConversation c : logs.conversations()) {
                    for (Sample s : views.samples(c)) {
                        samples++;
                        assertTrue(s.alternates(), () -> "not alternating: " + s);
                        if (max > 0) {
                            assertTrue(s.turns().size() <= max, () -> "too long: " + s);
                        }
                    }
                }
            }
        }
        assertTrue(samples > 500, "samples checked: " + samples);
    }
}
