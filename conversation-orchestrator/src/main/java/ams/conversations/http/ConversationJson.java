package ams.conversations.http;

import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.ConversationStateMachine;
import ams.conversations.statemachine.StoredMessage;
import ams.events.conversation.ConversationRequested;
import ams.service.http.ServiceJson;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The HTTP JSON shapes of the cross-module contract (snake_case, ISO-8601 times), built on the
 * shared mapper.
 */
final class ConversationJson {

    private final ObjectMapper mapper = ServiceJson.mapper();

    /** An empty object to answer with. */
    ObjectNode object() {
        return mapper.createObjectNode();
    }

    ObjectNode conversation(ConversationState s) {
        ObjectNode n = mapper.createObjectNode();
        n.put("conversation_id", s.conversationId());
        n.put("status", s.status().name());
        n.set("participants", strings(s.participants()));
        n.put("topic", s.topic());
        n.put("turns_done", s.turnsDone());
        n.put("max_turns", s.maxTurns());
        n.put("next_speaker", s.nextSpeaker());
        n.put("reason", s.reason());
        n.put("speaker_policy", s.speakerPolicy().toLowerCase(java.util.Locale.ROOT));
        n.put("tokens_used", s.tokensUsed());
        n.put("messages", s.messageCount());
        n.put("provider", s.provider());
        n.put("model", s.model());
        n.put("session_id", s.sessionId());
        n.set("speaker_order", strings(s.speakerOrder()));
        n.put("seed", s.seed());
        n.set("stop_phrases", strings(s.stopPhrases()));
        n.put("token_budget", s.tokenBudget());
        n.put("timeout_ms", s.timeoutMillis());
        n.put("termination", s.termination());
        n.set("human_participants", strings(s.humanParticipants()));
        if (s.humanTurns() == null) {
            n.putNull("human_turns");
        } else {
            n.putObject("human_turns")
                    .put("timeout_ms", s.humanTurns().timeoutMillis())
                    .put("on_timeout", s.humanTurns().onTimeout().toLowerCase(Locale.ROOT));
        }
        n.put("awaiting_human", s.awaitingHuman());
        n.put("created_at", Instant.ofEpochMilli(s.requestedAt()).toString());
        n.put("updated_at", Instant.ofEpochMilli(s.updatedAt()).toString());
        return n;
    }

    /**
     * The first field of {@code existing} (a conversation as {@link #conversation} shows it) that
     * {@code request} asks otherwise, or null when the request is the one that started it. Compared
     * as JSON text so that a conversation forwarded from another instance compares like a local
     * one.
     */
    String differenceFrom(JsonNode existing, ConversationRequested request) {
        ConversationState asked = ConversationStateMachine.started("", request, 0L);
        ObjectNode wanted = conversation(asked);
        for (String field :
                List.of(
                        "participants",
                        "topic",
                        "max_turns",
                        "speaker_policy",
                        "speaker_order",
                        "seed",
                        "stop_phrases",
                        "token_budget",
                        "timeout_ms",
                        "termination",
                        "session_id",
                        "human_participants",
                        "human_turns",
                        "provider",
                        "model")) {
            if (!wanted.path(field).toString().equals(existing.path(field).toString())) {
                return field;
            }
        }
        return null;
    }

    ObjectNode messages(String conversationId, List<StoredMessage> messages) {
        ObjectNode n = mapper.createObjectNode();
        n.put("conversation_id", conversationId);
        ArrayNode list = n.putArray("messages");
        for (StoredMessage m : messages) {
            list.add(message(m));
        }
        return n;
    }

    /**
     * The same document as {@link #messages}, written straight to bytes: the messages route answers
     * at thousands of requests a second, and a tree per message (a map per object, a node per
     * field) was a large share of the server's allocation, whose young collections set the route's
     * p99 (bench/RESULTS.md, messages-queries). Same fields in the same order; metadata still goes
     * through {@link #metadata}, so a stored text that is not JSON is answered the same way.
     */
    byte[] messagesBytes(String conversationId, List<StoredMessage> messages) {
        // As ObjectMapper.writeValueAsBytes does: the builder's blocks come from Jackson's pool.
        try (ByteArrayBuilder out =
                new ByteArrayBuilder(mapper.getFactory()._getBufferRecycler())) {
            try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("conversation_id", conversationId);
                g.writeArrayFieldStart("messages");
                for (StoredMessage m : messages) {
                    writeMessage(g, m);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            return out.getClearAndRelease();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeMessage(JsonGenerator g, StoredMessage m) throws IOException {
        g.writeStartObject();
        g.writeStringField("message_id", m.messageId());
        g.writeNumberField("turn_number", m.turnNumber());
        g.writeStringField("agent_id", m.agentId());
        g.writeStringField("role", m.role());
        g.writeStringField("content", m.content());
        g.writeStringField("message_type", m.messageType());
        g.writeStringField("timestamp", Instant.ofEpochMilli(m.timestamp()).toString());
        g.writeStringField("model", m.model());
        if (m.usage() == null) {
            g.writeNullField("usage");
        } else {
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", m.usage().promptTokens());
            g.writeNumberField("completion_tokens", m.usage().completionTokens());
            g.writeNumberField("total_tokens", m.usage().totalTokens());
            g.writeBooleanField("estimated", m.usage().estimated());
            g.writeEndObject();
        }
        if (m.latencyMillis() == null) {
            g.writeNullField("latency_ms");
        } else {
            g.writeNumberField("latency_ms", m.latencyMillis());
        }
        g.writeArrayFieldStart("knowledge_ids");
        for (String id : m.knowledgeIds()) {
            g.writeString(id);
        }
        g.writeEndArray();
        g.writeFieldName("metadata");
        String metadata = m.metadataJson();
        if (metadata == null || metadata.isBlank() || metadata.equals("{}")) {
            g.writeStartObject();
            g.writeEndObject();
        } else {
            mapper.writeTree(g, metadata(metadata));
        }
        g.writeStringField("session_id", m.sessionId());
        g.writeEndObject();
    }

    ObjectNode message(StoredMessage m) {
        ObjectNode n = mapper.createObjectNode();
        n.put("message_id", m.messageId());
        n.put("turn_number", m.turnNumber());
        n.put("agent_id", m.agentId());
        n.put("role", m.role());
        n.put("content", m.content());
        n.put("message_type", m.messageType());
        n.put("timestamp", Instant.ofEpochMilli(m.timestamp()).toString());
        n.put("model", m.model());
        if (m.usage() == null) {
            n.putNull("usage");
        } else {
            ObjectNode u = n.putObject("usage");
            u.put("prompt_tokens", m.usage().promptTokens());
            u.put("completion_tokens", m.usage().completionTokens());
            u.put("total_tokens", m.usage().totalTokens());
            u.put("estimated", m.usage().estimated());
        }
        if (m.latencyMillis() == null) {
            n.putNull("latency_ms");
        } else {
            n.put("latency_ms", m.latencyMillis());
        }
        n.set("knowledge_ids", strings(m.knowledgeIds()));
        n.set("metadata", metadata(m.metadataJson()));
        n.put("session_id", m.sessionId());
        return n;
    }

    private JsonNode metadata(String json) {
        try {
            return json == null || json.isBlank()
                    ? mapper.createObjectNode()
                    : mapper.readTree(json);
        } catch (java.io.IOException e) {
            return mapper.createObjectNode().put("raw", json);
        }
    }

    private ArrayNode strings(List<String> values) {
        ArrayNode a = mapper.createArrayNode();
        values.forEach(a::add);
        return a;
    }
}
