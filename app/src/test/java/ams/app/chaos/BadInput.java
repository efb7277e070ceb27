package ams.app.chaos;

import java.io.PrintStream;
import java.util.Map;

/**
 * The bad-input load of issue #8 item 3 (random and truncated records on every input topic,
 * malformed REST requests) during the chaos run. Its generators live in {@code badinput/}.
 */
final class BadInput {

    private BadInput() {
    }

    static BadInput start(String bootstrap, String topicPrefix, String api, ChaosSizes sizes, PrintStream out) {
        out.println("[chaos] bad input: not wired yet");
        return new BadInput();
    }

    void finish(ChaosReport report) {
        report.notes.add("bad input was not sent");
    }

    static Map<String, Long> deadLetters(String bootstrap, String topicPrefix, ChaosReport report) {
        return Map.of();
    }
}
