package ams.app.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads the exporter's datasets back with DuckDB (Parquet {@code messages}, JSONL {@code turns})
 * and Jackson (JSONL {@code chat}) and compares them with the log: the same messages, each once,
 * with the same content; a chat line for exactly the completed conversations; and nothing on disk
 * but published files.
 */
final class DatasetAudit {

    /** What differs; empty lists mean the datasets hold exactly the log. */
    record Result(
            long parquetRows,
            long turnRows,
            long chatLines,
            List<String> differences,
            List<String> strayFiles) {
        boolean exact() {
            return differences.isEmpty() && strayFiles.isEmpty();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private DatasetAudit() {}

    /**
     * @param logMessages every committed MessageAppended of the log
     * @param completed the completed conversations' messages, by id, in turn order
     */
    static Result compare(
            Path root,
            List<ConversationLog.Message> logMessages,
            Map<String, List<String>> completed) {
        List<String> differences = new ArrayList<>();
        Map<String, Integer> expected = new HashMap<>();
        for (ConversationLog.Message m : logMessages) {
            expected.merge(
                    m.conversationId()
                            + "/"
                            + m.turn()
                            + "@"
                            + m.partition()
                            + ":"
                            + m.offset()
                            + "="
                            + m.content(),
                    1,
                    Integer::sum);
        }
        Map<String, Integer> parquet = new HashMap<>();
        Map<String, Integer> turns = new HashMap<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
                Statement sql = duck.createStatement()) {
            if (hasFiles(root.resolve("messages"), ".parquet")) {
                try (ResultSet rows =
                        sql.executeQuery(
                                "SELECT conversation_id, turn_number, kafka_partition, kafka_offset, content FROM read_parquet('"
                                        + root.resolve("messages")
                                        + "/*/*.parquet')")) {
                    while (rows.next()) {
                        parquet.merge(
                                rows.getString(1)
                                        + "/"
                                        + rows.getInt(2)
                                        + "@"
                                        + rows.getInt(3)
                                        + ":"
                                        + rows.getLong(4)
                                        + "="
                                        + rows.getString(5),
                                1,
                                Integer::sum);
                    }
                }
            }
            if (hasFiles(root.resolve("jsonl").resolve("turns"), ".jsonl")) {
                try (ResultSet rows =
                        sql.executeQuery(
                                "SELECT conversation_id, turn_number, message FROM read_json('"
                                        + root.resolve("jsonl").resolve("turns")
                                        + "/*.jsonl', format = 'newline_delimited')")) {
                    while (rows.next()) {
                        turns.merge(
                                rows.getString(1) + "/" + rows.getInt(2) + "=" + rows.getString(3),
                                1,
                                Integer::sum);
                    }
                }
            }
        } catch (SQLException e) {
            differences.add("DuckDB cannot read the datasets: " + e.getMessage());
        }
        compareCounts("messages (Parquet)", expected, parquet, differences);
        Map<String, Integer> expectedTurns = new HashMap<>();
        for (ConversationLog.Message m : logMessages) {
            expectedTurns.merge(
                    m.conversationId() + "/" + m.turn() + "=" + m.content(), 1, Integer::sum);
        }
        compareCounts("turns (JSONL)", expectedTurns, turns, differences);

        Map<String, List<List<String>>> chat =
                readChat(root.resolve("jsonl").resolve("chat"), differences);
        for (Map.Entry<String, List<String>> c : completed.entrySet()) {
            List<List<String>> lines = chat.getOrDefault(c.getKey(), List.of());
            if (lines.size() != 1) {
                differences.add(
                        "chat (JSONL): "
                                + lines.size()
                                + " lines for completed conversation "
                                + c.getKey());
            } else if (!lines.get(0).equals(c.getValue())) {
                differences.add(
                        "chat (JSONL): messages of "
                                + c.getKey()
                                + " differ from the log: "
                                + lines.get(0)
                                + " vs "
                                + c.getValue());
            }
        }
        chat.keySet().stream()
                .filter(id -> !completed.containsKey(id))
                .sorted()
                .limit(20)
                .forEach(
                        id ->
                                differences.add(
                                        "chat (JSONL): line for "
                                                + id
                                                + ", which did not complete"));
        long chatLines = chat.values().stream().mapToLong(List::size).sum();
        return new Result(sum(parquet), sum(turns), chatLines, differences, strayFiles(root));
    }

    private static void compareCounts(
            String dataset,
            Map<String, Integer> expected,
            Map<String, Integer> actual,
            List<String> differences) {
        int shown = 0;
        for (Map.Entry<String, Integer> e : new TreeMap<>(expected).entrySet()) {
            int found = actual.getOrDefault(e.getKey(), 0);
            if (found != e.getValue() && shown++ < 10) {
                differences.add(
                        dataset
                                + ": "
                                + found
                                + " rows (expected "
                                + e.getValue()
                                + ") for "
                                + abbreviate(e.getKey()));
            }
        }
        for (Map.Entry<String, Integer> e : new TreeMap<>(actual).entrySet()) {
            if (!expected.containsKey(e.getKey()) && shown++ < 10) {
                differences.add(
                        dataset
                                + ": "
                                + e.getValue()
                                + " rows not in the log: "
                                + abbreviate(e.getKey()));
            }
        }
        if (shown > 10) {
            differences.add(dataset + ": ... " + (shown - 10) + " more differences");
        }
    }

    private static Map<String, List<List<String>>> readChat(Path dir, List<String> differences) {
        Map<String, List<List<String>>> chat = new HashMap<>();
        if (!Files.isDirectory(dir)) {
            return chat;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file :
                    files.filter(f -> f.getFileName().toString().endsWith(".jsonl"))
                            .sorted()
                            .toList()) {
                try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        JsonNode node = JSON.readTree(line);
                        List<String> contents = new ArrayList<>();
                        for (JsonNode message : node.path("messages")) {
                            if (!"system".equals(message.path("role").asText())) {
                                contents.add(message.path("content").asText());
                            }
                        }
                        chat.computeIfAbsent(
                                        node.path("conversation_id").asText(),
                                        id -> new ArrayList<>())
                                .add(contents);
                    }
                }
            }
        } catch (IOException e) {
            differences.add("chat (JSONL) unreadable: " + e);
        }
        return chat;
    }

    /**
     * Anything but a published dataset file: in-progress files, temp files, stray directories'
     * contents.
     */
    static List<String> strayFiles(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(
                            p ->
                                    !(p.matches(
                                                    "messages/date=[0-9-]+/[^/]+\\+[0-9]+\\+[0-9]+\\+[0-9]+\\.parquet")
                                            || p.matches(
                                                    "jsonl/(turns|chat|sharegpt)/[^/]+\\+[0-9]+\\+[0-9]+\\+[0-9]+(\\+[0-9]+)?\\.jsonl")))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean hasFiles(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.anyMatch(p -> p.getFileName().toString().endsWith(suffix));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long sum(Map<String, Integer> counts) {
        return counts.values().stream().mapToLong(Integer::longValue).sum();
    }

    private static String abbreviate(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }
}
