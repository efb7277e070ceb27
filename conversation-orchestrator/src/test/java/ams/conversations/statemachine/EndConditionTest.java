package ams.conversations.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EndConditionTest {

    private static EndCondition.Turn turn(int done, String content) {
        return new EndCondition.Turn(done, 100, 1_000, content, "a");
    }

    @Test
    void shouldBindAndTighterThanOr() {
        EndCondition c = EndCondition.parse("max_turns(9) | stop_phrase(\"done\") & min_turns(4)");
        assertEquals(Optional.empty(), c.satisfiedBy(turn(3, "we are DONE")));
        assertEquals(
                Optional.of("stop_phrase(\"done\") & min_turns(4)"),
                c.satisfiedBy(turn(4, "we are DONE")));
        assertEquals(Optional.of("max_turns(9)"), c.satisfiedBy(turn(9, "more")));
        // Parentheses change it: now the phrase alone is not enough below 9 turns either way.
        EndCondition grouped =
                EndCondition.parse("(max_turns(9) | stop_phrase('done')) & min_turns(4)");
        assertEquals(Optional.empty(), grouped.satisfiedBy(turn(3, "done")));
        assertTrue(grouped.satisfiedBy(turn(4, "done")).isPresent());
    }

    @Test
    void shouldEvaluateEveryCondition() {
        EndCondition.Turn t = new EndCondition.Turn(5, 700, 30_000, "Goodbye, all", "judge");
        assertTrue(EndCondition.parse("token_budget(700)").satisfiedBy(t).isPresent());
        assertTrue(EndCondition.parse("token_budget(701)").satisfiedBy(t).isEmpty());
        assertTrue(EndCondition.parse("elapsed_ms(30000)").satisfiedBy(t).isPresent());
        assertTrue(EndCondition.parse("elapsed_ms(30001)").satisfiedBy(t).isEmpty());
        assertTrue(EndCondition.parse("speaker('x', \"judge\")").satisfiedBy(t).isPresent());
        assertTrue(EndCondition.parse("!speaker('judge')").satisfiedBy(t).isEmpty());
        assertTrue(EndCondition.parse("stop_phrase('bye', 'GOODBYE')").satisfiedBy(t).isPresent());
        assertTrue(EndCondition.parse("stop_phrase('it\\'s over')").satisfiedBy(t).isEmpty());
        assertTrue(EndCondition.parse("!!min_turns(5)").satisfiedBy(t).isPresent());
        assertEquals(
                Set.of("x", "y"),
                EndCondition.parse("speaker('x') | !(speaker(\"y\") & min_turns(1))").speakers());
    }

    @Test
    void shouldSayWhereAnExpressionIsWrong() {
        assertMessage(
                "max_turns(3",
                "expected ')' after the arguments of max_turns, found the end at column 12");
        assertMessage("max_turn(3)", "unknown condition 'max_turn'");
        assertMessage(
                "max_turns(3) min_turns(2)",
                "expected '&', '|' or the end, found 'm' at column 14");
        assertMessage("max_turns(0)", "max_turns(n) takes one positive whole number at column 1");
        assertMessage("max_turns('3')", "max_turns(n) takes one positive whole number");
        assertMessage(
                "stop_phrase(3)", "stop_phrase(...) takes one or more non-blank quoted strings");
        assertMessage(
                "stop_phrase()", "stop_phrase(...) takes one or more non-blank quoted strings");
        assertMessage("stop_phrase('open", "string not closed");
        assertMessage("(max_turns(3)", "to close the '(' at column 1");
        assertMessage("max_turns(3) |", "expected a condition, found the end");
        assertMessage("  ", "empty expression");
        assertMessage("(".repeat(40) + "max_turns(1)" + ")".repeat(40), "nested deeper than 32");
    }

    private static void assertMessage(String source, String expected) {
        EndCondition.InvalidException e =
                assertThrows(EndCondition.InvalidException.class, () -> EndCondition.parse(source));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
