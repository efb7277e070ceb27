package ams.app.client;

import ams.events.InvalidRequestException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a job file into the body of {@code POST /jobs}: JSON Lines ({@code .jsonl}, {@code
 * .ndjson}: one generate request a line), YAML ({@code .yaml}, {@code .yml}) or JSON, where a list
 * is the job's conversations and an object is the whole body ({@code conversations} or {@code
 * cartesian}, and optionally {@code job_id}, {@code name}, {@code concurrency}). The server names a
 * bad conversation {@code conversations[i]}; {@code JobFile.where} turns that back into the file's
 * line.
 */
public final class JobFiles {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern ITEM = Pattern.compile("^conversations\\[(\\d+)\\]");

    /** The body, and for JSON Lines the file line of each conversation. */
    public record JobFile(ObjectNode body, List<Integer> lines) {

        /** A server error about {@code conversations[i]} with the file's line in its place. */
        public String where(Path file, String message) {
            Matcher m = ITEM.matcher(message);
            if (lines.isEmpty() || !m.find()) {
                return message;
            }
            int item = Integer.parseInt(m.group(1));
            if (item >= lines.size()) {
                return message;
            }
            return file.getFileName() + " line " + lines.get(item) + message.substring(m.end());
        }
    }

    private JobFiles() {}

    public static JobFile read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read job file " + file, e);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return jsonLines(file, text);
        }
        JsonNode root;
        try {
            root = (name.endsWith(".yaml") || name.endsWith(".yml") ? YAML : JSON).readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(
                    file.getFileName()
                            + " is not valid "
                            + (name.endsWith(".json") ? "JSON" : "YAML")
                            + ": "
                            + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (root != null && root.isArray()) {
            ObjectNode body = JSON.createObjectNode();
            body.set("conversations", root);
            return new JobFile(body, List.of());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRequestException(
                    file.getFileName()
                            + " must hold a list of generate requests or a job object"
                            + " (conversations or cartesian)");
        }
        return new JobFile((ObjectNode) root, List.of());
    }

    private static JobFile jsonLines(Path file, String text) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode conversations = body.putArray("conversations");
        List<Integer> lines = new ArrayList<>();
        String[] all = text.split("\n", -1);
        for (int i = 0; i < all.length; i++) {
            String line = all[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                conversations.add(JSON.readTree(line));
            } catch (JsonProcessingException e) {
                throw new InvalidRequestException(
                        file.getFileName()
                                + " line "
                                + (i + 1)
                                + ": not valid JSON: "
                                + e.getOriginalMessage());
            }
            lines.add(i + 1);
        }
        return new JobFile(body, lines);
    }
}
