package ams.conversations.statemachine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A conversation's termination expression: conditions combined with {@code &} (and), {@code |}
 * (or), {@code !} (not) and parentheses, e.g. {@code max_turns(20) | (stop_phrase("DONE") &
 * min_turns(4))}. It is checked after every turn, from the turn alone (count, tokens, the envelope
 * time, the text and its speaker), so a replay ends a conversation at the same turn.
 *
 * <p>Conditions:
 *
 * <ul>
 *   <li>{@code max_turns(n)}, {@code min_turns(n)}: at least n turns are done (two names, one
 *       meaning: read as "stop at n" and "not before n");
 *   <li>{@code stop_phrase("a", "b", ...)}: the turn's text contains one of them, ignoring case;
 *   <li>{@code token_budget(n)}: the conversation has used at least n tokens;
 *   <li>{@code elapsed_ms(n)}: at least n ms have passed since the request (checked when a turn
 *       ends; the request's {@code timeout_ms} also ends a conversation that waits);
 *   <li>{@code speaker("id", ...)}: the turn was spoken by one of these agents.
 * </ul>
 *
 * <p>{@code &} binds tighter than {@code |}. Strings take double or single quotes, with {@code \}
 * escaping the quote or itself. A conversation also ends at its {@code num_turns} whatever the
 * expression says.
 */
public final class EndCondition {

    /** What a condition is checked against: the state just after a turn. */
    public record Turn(
            int turnsDone, long tokensUsed, long elapsedMillis, String content, String speaker) {}

    /** A malformed expression; the message names the place and what was expected. */
    public static final class InvalidException extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        InvalidException(String source, int column, String problem) {
            super(problem + " at column " + column + " of '" + source + "'");
        }
    }

    /** The conditions a user may write, in the order the error message lists them. */
    public static final List<String> CONDITIONS =
            List.of(
                    "max_turns",
                    "min_turns",
                    "stop_phrase",
                    "token_budget",
                    "elapsed_ms",
                    "speaker");

    private static final int MAX_LENGTH = 2_000;
    private static final int MAX_DEPTH = 32;

    /** Parsed expressions by source: a conversation's expression is read on each of its turns. */
    private static final ConcurrentHashMap<String, EndCondition> PARSED = new ConcurrentHashMap<>();

    private static final int PARSED_MAX = 10_000;

    private final String source;
    private final List<Node> alternatives;

    private EndCondition(String source, List<Node> alternatives) {
        this.source = source;
        this.alternatives = alternatives;
    }

    /**
     * Parses an expression.
     *
     * @throws InvalidException naming the column and what was expected there
     */
    public static EndCondition parse(String source) {
        if (source == null || source.isBlank()) {
            throw new InvalidException(String.valueOf(source), 1, "empty expression");
        }
        if (source.length() > MAX_LENGTH) {
            throw new InvalidException(
                    source.substring(0, 40) + "...",
                    MAX_LENGTH,
                    "expression longer than " + MAX_LENGTH + " characters");
        }
        EndCondition cached = PARSED.get(source);
        if (cached != null) {
            return cached;
        }
        Parser parser = new Parser(source);
        List<Node> alternatives = parser.alternatives();
        parser.end();
        EndCondition parsed = new EndCondition(source, List.copyOf(alternatives));
        if (PARSED.size() < PARSED_MAX) {
            PARSED.put(source, parsed);
        }
        return parsed;
    }

    public String source() {
        return source;
    }

    /** The agent ids the expression's {@code speaker(...)} conditions name. */
    public Set<String> speakers() {
        Set<String> ids = new java.util.LinkedHashSet<>();
        alternatives.forEach(node -> node.collectSpeakers(ids));
        return ids;
    }

    /**
     * Whether the conversation ends after this turn: the text of the first top-level alternative
     * that holds (the reason to record), or empty.
     */
    public Optional<String> satisfiedBy(Turn turn) {
        for (Node alternative : alternatives) {
            if (alternative.holds(turn)) {
                return Optional.of(alternative.text());
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return source;
    }

    /** A part of the expression. */
    private interface Node {
        boolean holds(Turn turn);

        /** The part as the user wrote it (for the reason). */
        String text();

        default void collectSpeakers(Set<String> into) {}
    }

    private record Or(List<Node> parts, String text) implements Node {
        @Override
        public boolean holds(Turn turn) {
            return parts.stream().anyMatch(p -> p.holds(turn));
        }

        @Override
        public void collectSpeakers(Set<String> into) {
            parts.forEach(p -> p.collectSpeakers(into));
        }
    }

    private record And(List<Node> parts, String text) implements Node {
        @Override
        public boolean holds(Turn turn) {
            return parts.stream().allMatch(p -> p.holds(turn));
        }

        @Override
        public void collectSpeakers(Set<String> into) {
            parts.forEach(p -> p.collectSpeakers(into));
        }
    }

    private record Not(Node part, String text) implements Node {
        @Override
        public boolean holds(Turn turn) {
            return !part.holds(turn);
        }

        @Override
        public void collectSpeakers(Set<String> into) {
            part.collectSpeakers(into);
        }
    }

    private record AtLeast(String name, long n, String text) implements Node {
        @Override
        public boolean holds(Turn turn) {
            long value =
                    switch (name) {
                        case "token_budget" -> turn.tokensUsed();
                        case "elapsed_ms" -> turn.elapsedMillis();
                        default -> turn.turnsDone();
                    };
            return value >= n;
        }
    }

    private record Phrase(List<String> lowerCase, String text) implements Node {
        @Override
        public boolean holds(Turn turn) {
            String content = turn.content() == null ? "" : turn.content().toLowerCase(Locale.ROOT);
            return lowerCase.stream().anyMatch(content::contains);
        }
    }

    private record Speaker(List<String> ids, String text) implements Node {
        @Override
        public boolean holds(Turn turn) {
            return ids.contains(turn.speaker());
        }

        @Override
        public void collectSpeakers(Set<String> into) {
            into.addAll(ids);
        }
    }

    /** Recursive descent over the grammar {@code or := and ('|' and)*; and := not ('&' not)*}. */
    private static final class Parser {

        private final String source;
        private int at;
        private int depth;

        Parser(String source) {
            this.source = source;
        }

        /** The top level: its alternatives are kept apart so the reason names the one that held. */
        List<Node> alternatives() {
            List<Node> parts = new ArrayList<>();
            parts.add(and());
            while (skip('|')) {
                parts.add(and());
            }
            return parts;
        }

        void end() {
            space();
            if (at < source.length()) {
                throw error("expected '&', '|' or the end, found '" + source.charAt(at) + "'");
            }
        }

        private Node or() {
            int from = position();
            List<Node> parts = alternatives();
            return parts.size() == 1 ? parts.get(0) : new Or(parts, text(from));
        }

        private Node and() {
            int from = position();
            List<Node> parts = new ArrayList<>();
            parts.add(unary());
            while (skip('&')) {
                parts.add(unary());
            }
            return parts.size() == 1 ? parts.get(0) : new And(parts, text(from));
        }

        private Node unary() {
            int from = position();
            if (++depth > MAX_DEPTH) {
                throw error("expression nested deeper than " + MAX_DEPTH + " levels");
            }
            try {
                if (skip('!')) {
                    Node part = unary();
                    return new Not(part, text(from));
                }
                if (skip('(')) {
                    Node inner = or();
                    expect(')', "to close the '(' at column " + (from + 1));
                    return inner;
                }
                return condition();
            } finally {
                depth--;
            }
        }

        private Node condition() {
            int from = position();
            StringBuilder name = new StringBuilder();
            while (at < source.length()
                    && (Character.isLetterOrDigit(source.charAt(at)) || source.charAt(at) == '_')) {
                name.append(source.charAt(at++));
            }
            if (name.length() == 0) {
                throw error(
                        at < source.length()
                                ? "expected a condition, found '" + source.charAt(at) + "'"
                                : "expected a condition, found the end");
            }
            String condition = name.toString();
            if (!CONDITIONS.contains(condition)) {
                at = from;
                throw error("unknown condition '" + condition + "' (known: " + CONDITIONS + ")");
            }
            expect('(', "after " + condition);
            List<Object> args = new ArrayList<>();
            if (!skip(')')) {
                do {
                    args.add(argument());
                } while (skip(','));
                expect(')', "after the arguments of " + condition);
            }
            String text = text(from);
            return switch (condition) {
                case "stop_phrase" ->
                        new Phrase(
                                strings(condition, args, from).stream()
                                        .map(s -> s.toLowerCase(Locale.ROOT))
                                        .toList(),
                                text);
                case "speaker" -> new Speaker(strings(condition, args, from), text);
                default -> new AtLeast(condition, number(condition, args, from), text);
            };
        }

        private Object argument() {
            space();
            if (at >= source.length()) {
                throw error("expected a number or a quoted string, found the end");
            }
            char c = source.charAt(at);
            if (c == '"' || c == '\'') {
                return string(c);
            }
            int from = at;
            while (at < source.length() && Character.isDigit(source.charAt(at))) {
                at++;
            }
            if (from == at) {
                throw error("expected a number or a quoted string, found '" + c + "'");
            }
            try {
                return Long.parseLong(source.substring(from, at));
            } catch (NumberFormatException e) {
                at = from;
                throw error("number too large");
            }
        }

        private String string(char quote) {
            int from = at;
            at++;
            StringBuilder value = new StringBuilder();
            while (at < source.length() && source.charAt(at) != quote) {
                char c = source.charAt(at++);
                if (c == '\\' && at < source.length()) {
                    c = source.charAt(at++);
                }
                value.append(c);
            }
            if (at >= source.length()) {
                at = from;
                throw error("string not closed (" + quote + " expected)");
            }
            at++;
            return value.toString();
        }

        private List<String> strings(String condition, List<Object> args, int from) {
            List<String> values = new ArrayList<>();
            for (Object arg : args) {
                if (!(arg instanceof String s) || s.isBlank()) {
                    at = from;
                    throw error(condition + "(...) takes one or more non-blank quoted strings");
                }
                values.add(s);
            }
            if (values.isEmpty()) {
                at = from;
                throw error(condition + "(...) takes one or more non-blank quoted strings");
            }
            return List.copyOf(values);
        }

        private long number(String condition, List<Object> args, int from) {
            if (args.size() != 1 || !(args.get(0) instanceof Long n) || n < 1) {
                at = from;
                throw error(condition + "(n) takes one positive whole number");
            }
            return n;
        }

        private boolean skip(char c) {
            space();
            if (at < source.length() && source.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c, String why) {
            if (!skip(c)) {
                throw error(
                        "expected '"
                                + c
                                + "' "
                                + why
                                + ", found "
                                + (at < source.length()
                                        ? "'" + source.charAt(at) + "'"
                                        : "the end"));
            }
        }

        private int position() {
            space();
            return at;
        }

        private String text(int from) {
            return source.substring(from, at).strip();
        }

        private void space() {
            while (at < source.length() && Character.isWhitespace(source.charAt(at))) {
                at++;
            }
        }

        private InvalidException error(String problem) {
            return new InvalidException(source, at + 1, problem);
        }
    }
}
