package ams.export.snapshot;

import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.topics.Topic;
import ams.export.format.AtomicFiles;
import ams.export.format.JsonFormats;
import ams.export.format.MessageRows;
import ams.export.format.TableFormat;
import ams.export.format.TableWriter;
import ams.export.sink.SegmentName;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;

/**
 * One-shot export of one conversation or all of them, read straight from conversation-events to the
 * topic's current end: the original's {@code conversation export --format jsonl|json|csv}, Parquet,
 * and the Markdown of its extension points.
 */
public final class ConversationExport {

    /** A conversation as the log tells it, up to the moment of the export. */
    public record Conversation(
            String conversationId,
            String topic,
            List<String> participants,
            String status,
            List<GenericRecord> messages) {}

    private final String bootstrapServers;
    private final Topic<String, ConversationEvent> topic;
    private final JsonFormats json = new JsonFormats();
    private final TableWriter tables;

    public ConversationExport(
            String bootstrapServers, Topic<String, ConversationEvent> topic, String codec) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.tables = new TableWriter(codec);
    }

    /**
     * Exports one conversation ({@code conversationId} present) or all; returns how many
     * conversations were written.
     */
    public int export(Optional<String> conversationId, TableFormat format, Path target)
            throws IOException {
        List<Conversation> conversations = read(conversationId);
        if (conversationId.isPresent() && conversations.isEmpty()) {
            throw new IllegalArgumentException(
                    "No conversation '" + conversationId.get() + "' on " + topic.name());
        }
        switch (format) {
            case PARQUET, CSV ->
                    tables.write(
                            MessageRows.SCHEMA,
                            conversations.stream().flatMap(c -> c.messages().stream()).toList(),
                            format,
                            target);
            case JSONL -> writeText(target, jsonl(conversations));
            case JSON -> writeText(target, json(conversations));
            case MARKDOWN -> writeText(target, markdown(conversations));
        }
        return conversations.size();
    }

    /** Reads the topic from the beginning to its current end. */
    public List<Conversation> read(Optional<String> only) {
        Map<String, ConversationRequested> requested = new LinkedHashMap<>();
        Map<String, String> status = new LinkedHashMap<>();
        Map<String, Map<String, GenericRecord>> messages = new LinkedHashMap<>();
        TopicScan.scan(
                bootstrapServers,
                topic,
                (event, partition, offset) -> {
                    // undecodable records: the continuous sink dead-letters them; an export has
                    // nothing to show for them
                    if (only.isPresent() && !only.get().equals(event.getConversationId())) {
                        return;
                    }
                    String id = event.getConversationId();
                    Object payload = event.getPayload();
                    if (payload instanceof ConversationRequested r) {
                        requested.putIfAbsent(id, r);
                        status.putIfAbsent(id, "RUNNING");
                    } else if (payload instanceof MessageAppended m) {
                        messages.computeIfAbsent(id, k -> new LinkedHashMap<>())
                                .putIfAbsent(
                                        m.getMessageId(),
                                        MessageRows.of(event, m, partition, offset));
                        status.putIfAbsent(id, "RUNNING");
                    } else if (payload instanceof ConversationCompleted) {
                        status.put(id, "COMPLETED");
                    } else if (payload instanceof ConversationFailed) {
                        status.put(id, "FAILED");
                    } else if (payload instanceof ConversationCancelled) {
                        status.put(id, "CANCELLED");
                    }
                });
        List<Conversation> out = new ArrayList<>();
        for (String id : status.keySet()) {
            List<GenericRecord> rows =
                    new ArrayList<>(messages.getOrDefault(id, Map.of()).values());
            rows.sort(
                    (a, b) ->
                            Integer.compare(
                                    (Integer) a.get("turn_number"),
                                    (Integer) b.get("turn_number")));
            ConversationRequested r = requested.get(id);
            Set<String> participants = new LinkedHashSet<>();
            if (r != null) {
                participants.addAll(r.getParticipants());
            } else {
                rows.forEach(m -> participants.add(m.get("agent_id").toString()));
            }
            out.add(
                    new Conversation(
                            id,
                            r == null ? "" : r.getTopic(),
                            new ArrayList<>(participants),
                            status.get(id),
                            rows));
        }
        return out;
    }

    private String jsonl(List<Conversation> conversations) {
        StringBuilder out = new StringBuilder();
        for (Conversation c : conversations) {
            for (GenericRecord m : c.messages()) {
                out.append(new String(json.bytes(turnLine(m)), StandardCharsets.UTF_8))
                        .append('\n');
            }
        }
        return out.toString();
    }

    private String json(List<Conversation> conversations) {
        ArrayNode array = json.mapper().createArrayNode();
        for (Conversation c : conversations) {
            ObjectNode node = array.addObject();
            node.put("conversation_id", c.conversationId());
            node.put("topic", c.topic());
            ArrayNode participants = node.putArray("participants");
            c.participants().forEach(participants::add);
            node.put("status", c.status());
            ArrayNode turns = node.putArray("turns");
            c.messages().forEach(m -> turns.add(turnLine(m)));
        }
        try {
            return json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(array) + "\n";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The original's export_conversation_markdown layout. */
    private String markdown(List<Conversation> conversations) {
        StringBuilder out = new StringBuilder();
        for (Conversation c : conversations) {
            out.append("# Conversation: ").append(c.conversationId()).append("\n");
            out.append("Topic: ").append(c.topic()).append("\n");
            out.append("Participants: ").append(String.join(", ", c.participants())).append("\n");
            out.append("Status: ").append(c.status()).append("\n\n");
            for (GenericRecord m : c.messages()) {
                out.append("## ").append(m.get("agent_id")).append("\n");
                out.append('*')
                        .append(java.time.Instant.ofEpochMilli((Long) m.get("timestamp")))
                        .append("*\n\n");
                out.append(m.get("content")).append("\n\n");
            }
        }
        return out.toString();
    }

    private ObjectNode turnLine(GenericRecord m) {
        ObjectNode line = json.mapper().createObjectNode();
        line.put("conversation_id", m.get("conversation_id").toString());
        line.put("turn_number", (Integer) m.get("turn_number"));
        line.put("agent_id", m.get("agent_id").toString());
        line.put("message", m.get("content").toString());
        line.put("timestamp", java.time.Instant.ofEpochMilli((Long) m.get("timestamp")).toString());
        line.set("metadata", json.metadata(m.get("metadata").toString()));
        line.put("role", m.get("role").toString());
        line.put("message_id", m.get("message_id").toString());
        return line;
    }

    private static void writeText(Path target, String text) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        java.nio.file.Files.createDirectories(dir);
        Path temp = dir.resolve("." + target.getFileName() + SegmentName.IN_PROGRESS);
        java.nio.file.Files.writeString(temp, text, StandardCharsets.UTF_8);
        AtomicFiles.publish(temp, target);
    }
}
