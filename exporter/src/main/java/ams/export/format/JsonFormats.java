package ams.export.format;

import ams.events.conversation.MessageAppended;
import ams.export.sink.CompletedConversation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * The JSON shapes of the datasets: the original AMS-DB turn line, OpenAI chat {@code messages} and
 * ShareGPT {@code conversations}. One instance per sink (ObjectMapper is thread-safe but keeping it
 * per owner avoids shared static state).
 */
public final class JsonFormats {

    private final ObjectMapper mapper = new ObjectMapper();

    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * The original's export line: conversation_id, turn_number, agent_id, message, timestamp,
     * metadata; role and message_id follow so that a training set can filter and deduplicate.
     */
    public ObjectNode turn(String conversationId, MessageAppended m, Instant timestamp) {
        ObjectNode line = mapper.createObjectNode();
        line.put("conversation_id", conversationId);
        line.put("turn_number", m.getTurnNumber());
        line.put("agent_id", m.getAgentId());
        line.put("message", m.getContent());
        line.put("timestamp", timestamp.toString());
        line.set("metadata", metadata(m.getMetadataJson()));
        line.put("role", Roles.original(m.getRole()));
        line.put("message_id", m.getMessageId());
        return line;
    }

    public ObjectNode chat(CompletedConversation c) {
        ObjectNode line = header(c, "conversation_id");
        ArrayNode messages = line.putArray("messages");
        for (CompletedConversation.Message msg : c.messages()) {
            ObjectNode m = messages.addObject();
            m.put("role", Roles.original(msg.message().getRole()));
            m.put("name", msg.message().getAgentId());
            m.put("content", msg.message().getContent());
        }
        return line;
    }

    public ObjectNode shareGpt(CompletedConversation c) {
        ObjectNode line = header(c, "id");
        ArrayNode turns = line.putArray("conversations");
        for (CompletedConversation.Message msg : c.messages()) {
            ObjectNode t = turns.addObject();
            t.put("from", Roles.shareGpt(msg.message().getRole()));
            t.put("value", msg.message().getContent());
            t.put("name", msg.message().getAgentId());
        }
        return line;
    }

    private ObjectNode header(CompletedConversation c, String idField) {
        ObjectNode line = mapper.createObjectNode();
        line.put(idField, c.conversationId());
        line.put("topic", c.topic());
        ArrayNode participants = line.putArray("participants");
        c.participants().forEach(participants::add);
        return line;
    }

    /** The metadata string as JSON; text that is not a JSON object is kept as a string. */
    public JsonNode metadata(String json) {
        if (json == null || json.isBlank()) {
            return mapper.createObjectNode();
        }
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            return mapper.getNodeFactory().textNode(json);
        }
    }

    public byte[] bytes(JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<String> strings(JsonNode array) {
        if (array == null || !array.isArray()) {
            return List.of();
        }
        return java.util.stream.StreamSupport.stream(array.spliterator(), false)
                .map(JsonNode::asText)
                .toList();
    }
}
