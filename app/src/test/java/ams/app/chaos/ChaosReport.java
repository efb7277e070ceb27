package ams.app.chaos;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The counts a chaos run prints, and every loss it found: the run passes when there is none. */
final class ChaosReport {

    final Map<String, Integer> kills = new TreeMap<>();
    final Map<String, Integer> unexpectedExits = new TreeMap<>();
    final Map<String, Long> deadLetters = new TreeMap<>();
    final List<String> losses = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    int conversations;
    int completed;
    int failedAsIntended;
    long turns;
    long duplicates;
    long missing;
    long badRecordsSent;
    long badRequestsSent;
    long rest4xx;
    long restOther;
    long parquetRows;
    long turnRows;
    long chatLines;
    boolean digestsEqual;
    long seconds;

    boolean passed() {
        return losses.isEmpty();
    }

    int totalKills() {
        return kills.values().stream().mapToInt(Integer::intValue).sum();
    }

    void print(PrintStream out) {
        out.println(
                "==== chaos run: " + (passed() ? "NO LOSS" : "LOSS") + " (" + seconds + " s) ====");
        out.println("kills:           " + totalKills() + " " + kills);
        out.println("unexpected exits: " + unexpectedExits);
        out.println(
                "conversations:   "
                        + conversations
                        + " (completed "
                        + completed
                        + ", failed as intended "
                        + failedAsIntended
                        + ")");
        out.println("turns:           " + turns);
        out.println("duplicates:      " + duplicates);
        out.println("missing:         " + missing);
        out.println(
                "datasets:        "
                        + parquetRows
                        + " Parquet rows, "
                        + turnRows
                        + " JSONL turns, "
                        + chatLines
                        + " chat lines");
        out.println(
                "store digests:   "
                        + (digestsEqual ? "replay equal to live" : "DIFFERENT or not computed"));
        out.println(
                "bad records:     "
                        + badRecordsSent
                        + " sent; dead letters by source topic "
                        + deadLetters);
        out.println(
                "bad requests:    "
                        + badRequestsSent
                        + " sent; "
                        + rest4xx
                        + " answered 4xx, "
                        + restOther
                        + " answered otherwise");
        notes.forEach(n -> out.println("note: " + n));
        losses.forEach(l -> out.println("LOSS: " + l));
    }
}
