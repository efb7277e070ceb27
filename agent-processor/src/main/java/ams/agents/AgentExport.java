package ams.agents;

import ams.events.InvalidRequestException;
import ams.events.agent.AgentEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One agent as a portable JSON file, and back. The file holds the matrix row (name, description,
 * tags, active), the whole configuration document as stored (prompts, command flags, model
 * settings, databases: the original's shape) and references to the agent's knowledge documents (id,
 * title, type, source, tags; not their text, which stays in the knowledge base it came from).
 * Importing it publishes the events that recreate the agent: {@code AgentCreated}, then {@code
 * AgentDeactivated} when it was exported inactive. Knowledge is not recreated: the references say
 * what to add again where the documents are not already there.
 *
 * <pre>{@code
 * {"format": "ams-agent-export", "format_version": 1, "exported_at": "...",
 *  "agent": {"agent_id", "agent_name", "description", "tags", "is_active", "version"},
 *  "config": {... the original's agent config document ...},
 *  "knowledge": [{"document_id", "title", "content_type", "source", "tags"}]}
 * }</pre>
 */
public final class AgentExport {

    public static final String FORMAT = "ams-agent-export";
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> KNOWLEDGE_FIELDS =
            List.of("document_id", "title", "content_type", "source", "tags");

    private AgentExport() {}

    /**
     * The export of one agent.
     *
     * @param agent the agent as {@code GET /agents/{id}} answers it
     * @param knowledge the agent's documents as {@code GET /agents/{id}/knowledge} lists them
     */
    public static ObjectNode document(JsonNode agent, List<JsonNode> knowledge, Instant at) {
        ObjectNode file = JSON.createObjectNode();
        file.put("format", FORMAT);
        file.put("format_version", FORMAT_VERSION);
        file.put("exported_at", at.toString());
        ObjectNode row = file.putObject("agent");
        for (String field :
                List.of("agent_id", "agent_name", "description", "tags", "is_active", "version")) {
            if (agent.has(field)) {
                row.set(field, agent.get(field));
            }
        }
        file.set("config", agent.path("config"));
        ArrayNode references = file.putArray("knowledge");
        for (JsonNode document : knowledge) {
            ObjectNode reference = references.addObject();
            for (String field : KNOWLEDGE_FIELDS) {
                if (document.has(field)) {
                    reference.set(field, document.get(field));
                }
            }
        }
        return file;
    }

    /** The events that recreate the exported agent, in order; refuses what is not such a file. */
    public static List<AgentEvent> events(AgentCommands commands, JsonNode file) {
        if (file == null || !file.isObject() || !FORMAT.equals(file.path("format").asText())) {
            throw new InvalidRequestException(
                    "not an agent export: field 'format' must be '"
                            + FORMAT
                            + "' (write one with GET /agents/{id}/export or ams agent export)");
        }
        if (file.path("format_version").asInt(-1) != FORMAT_VERSION) {
            throw new InvalidRequestException(
                    "format_version "
                            + file.path("format_version")
                            + " is not supported; this version reads "
                            + FORMAT_VERSION);
        }
        JsonNode exportedAt = file.get("exported_at");
        if (exportedAt != null && !exportedAt.isNull() && !exportedAt.isTextual()) {
            throw new InvalidRequestException("field 'exported_at' must be a string");
        }
        JsonNode knowledge = file.get("knowledge");
        if (knowledge != null && !knowledge.isNull() && !knowledge.isArray()) {
            throw new InvalidRequestException(
                    "field 'knowledge' must be an array of document references");
        }
        JsonNode row = file.path("agent");
        if (!row.isObject()) {
            throw new InvalidRequestException("field 'agent' must be an object");
        }
        ObjectNode request = JSON.createObjectNode();
        for (String field : List.of("agent_id", "agent_name", "description", "tags")) {
            if (row.has(field)) {
                request.set(field, row.get(field));
            }
        }
        if (!row.path("agent_id").isTextual()) {
            throw new InvalidRequestException("field 'agent.agent_id' must be a string");
        }
        JsonNode config = file.get("config");
        if (config == null || !config.isObject()) {
            throw new InvalidRequestException(
                    "field 'config' must be the agent configuration document (a JSON object)");
        }
        request.set("config", config);
        List<AgentEvent> events = new ArrayList<>();
        AgentEvent created = commands.create(request).event();
        events.add(created);
        JsonNode active = row.get("is_active");
        if (active != null && active.isBoolean() && !active.booleanValue()) {
            events.add(commands.deactivate(created.getAgentId(), "imported inactive"));
        }
        return events;
    }
}
