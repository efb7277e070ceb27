package ams.agents;

import ams.events.AgentIds;
import ams.events.Envelopes;
import ams.events.InvalidRequestException;
import ams.events.agent.AgentConfigChanged;
import ams.events.agent.AgentCreated;
import ams.events.agent.AgentDeactivated;
import ams.events.agent.AgentEvent;
import ams.events.agent.AgentFlagSet;
import ams.events.agent.AgentPromptSet;
import ams.events.agent.AgentReactivated;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns requests about agents into validated events. Checks here are the ones a client can make
 * alone (shape, names, types); the agent-processor validates again against the current state.
 */
public final class AgentCommands {

    public static final List<String> PROMPT_TYPES =
            List.of(
                    "llmSystem",
                    "llmBooster",
                    "visionSystem",
                    "visionBooster",
                    "primeDirective",
                    "userInput");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AgentConfigDocument DOCUMENTS = new AgentConfigDocument(JSON);

    private final String source;

    public AgentCommands(String source) {
        this.source = source;
    }

    /**
     * A new agent from an original-style config document; the config's agent_id, if any, must
     * match.
     */
    public AgentEvent create(
            String agentId, String name, String description, List<String> tags, JsonNode config) {
        AgentIds.require(agentId);
        if (config == null || !config.isObject()) {
            throw new InvalidRequestException(
                    "config must be a JSON object (the agent configuration document)");
        }
        JsonNode configId = config.get("agent_id");
        if (configId != null && !configId.asText().equals(agentId)) {
            throw new InvalidRequestException(
                    "config.agent_id is '"
                            + configId.asText()
                            + "' but agent_id is '"
                            + agentId
                            + "': make them equal or leave config.agent_id out");
        }
        ObjectNode document = config.deepCopy();
        if (configId == null) {
            document.put("agent_id", agentId);
        }
        return event(
                agentId,
                AgentCreated.newBuilder()
                        .setAgentName(name == null || name.isBlank() ? agentId : name)
                        .setDescription(description == null ? "" : description)
                        .setTags(tags == null ? List.of() : List.copyOf(tags))
                        .setConfigJson(write(document))
                        .setActive(true)
                        .build());
    }

    /** A creation request as the REST API takes it, and whether its id was generated here. */
    public record Creation(AgentEvent event, boolean idGenerated) {
        public String agentId() {
            return event.getAgentId();
        }
    }

    /**
     * A creation request in the original's shape and ours: {@code agent_id} (optional: else the
     * config's {@code agent_id}, else generated), {@code agent_name} or the original's {@code name}
     * (both given and different: refused), {@code description}, {@code tags}, {@code config}
     * (optional: else {@link AgentConfigSkeleton the original's default skeleton}).
     */
    public Creation create(JsonNode request) {
        if (request == null || !request.isObject()) {
            throw new InvalidRequestException("the request must be a JSON object");
        }
        String name = text(request, "agent_name");
        String originalName = text(request, "name");
        if (name != null && originalName != null && !name.equals(originalName)) {
            throw new InvalidRequestException(
                    "'name' ('"
                            + originalName
                            + "') and 'agent_name' ('"
                            + name
                            + "') differ: they are the same field (name is the original"
                            + " AMS-DB's spelling); send one of them");
        }
        JsonNode config = request.get("config");
        if (config != null && config.isNull()) {
            config = null;
        }
        String agentId = text(request, "agent_id");
        boolean generated = false;
        if (agentId == null && config != null && config.path("agent_id").isTextual()) {
            agentId = config.path("agent_id").asText();
        }
        if (agentId == null) {
            agentId = "agent_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            generated = true;
        }
        AgentIds.require(agentId);
        return new Creation(
                create(
                        agentId,
                        name != null ? name : originalName,
                        text(request, "description"),
                        tags(request),
                        config == null ? AgentConfigSkeleton.of(JSON, agentId) : config),
                generated);
    }

    private static String text(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidRequestException("field '" + field + "' must be a string");
        }
        return value.asText();
    }

    private static List<String> tags(JsonNode request) {
        JsonNode value = request.get("tags");
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw new InvalidRequestException("field 'tags' must be an array of strings");
        }
        List<String> tags = new ArrayList<>();
        for (JsonNode tag : value) {
            if (!tag.isTextual()) {
                throw new InvalidRequestException("field 'tags' must be an array of strings");
            }
            tags.add(tag.asText());
        }
        return tags;
    }

    public AgentEvent changeConfig(String agentId, JsonNode mergePatch) {
        AgentIds.require(agentId);
        if (mergePatch == null || !mergePatch.isObject()) {
            throw new InvalidRequestException(
                    "the update must be a JSON object (a JSON Merge Patch, RFC 7396)");
        }
        // What the fold would refuse whatever the agent's configuration is now is refused here,
        // with a 400, instead of being accepted and then only dead-lettered. A merge patch sets
        // its non-null values verbatim, so a shape error in the patch applied to {} is one in the
        // patch applied to any configuration.
        JsonNode patchedAgentId = mergePatch.get("agent_id");
        if (patchedAgentId != null
                && !patchedAgentId.isNull()
                && !patchedAgentId.asText().equals(agentId)) {
            throw new InvalidRequestException(
                    "the update must not change agent_id (it is '"
                            + agentId
                            + "'; was set to "
                            + patchedAgentId
                            + ")");
        }
        Optional<String> shape =
                DOCUMENTS.shapeError(DOCUMENTS.mergePatch(JSON.createObjectNode(), mergePatch));
        if (shape.isPresent()) {
            throw new InvalidRequestException(
                    "the update would make the configuration invalid: " + shape.get());
        }
        return event(
                agentId,
                AgentConfigChanged.newBuilder().setMergePatchJson(write(mergePatch)).build());
    }

    public AgentEvent setPrompt(String agentId, String promptType, String text) {
        AgentIds.require(agentId);
        if (!PROMPT_TYPES.contains(promptType)) {
            throw new InvalidRequestException(
                    "prompt type must be one of " + PROMPT_TYPES + "; was '" + promptType + "'");
        }
        if (text == null) {
            throw new InvalidRequestException("prompt text is missing");
        }
        return event(
                agentId,
                AgentPromptSet.newBuilder().setPromptType(promptType).setText(text).build());
    }

    public AgentEvent setFlag(String agentId, String flag, boolean value) {
        AgentIds.require(agentId);
        if (flag == null || flag.isBlank()) {
            throw new InvalidRequestException("flag name is missing (e.g. TTS_FLAG)");
        }
        return event(agentId, AgentFlagSet.newBuilder().setFlag(flag).setValue(value).build());
    }

    public AgentEvent deactivate(String agentId, String reason) {
        AgentIds.require(agentId);
        return event(agentId, AgentDeactivated.newBuilder().setReason(reason).build());
    }

    public AgentEvent reactivate(String agentId, String reason) {
        AgentIds.require(agentId);
        return event(agentId, AgentReactivated.newBuilder().setReason(reason).build());
    }

    private AgentEvent event(String agentId, Object payload) {
        return AgentEvent.newBuilder()
                .setEnvelope(Envelopes.create(source))
                .setAgentId(agentId)
                .setPayload(payload)
                .build();
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("cannot serialise JSON: " + e.getOriginalMessage());
        }
    }
}
