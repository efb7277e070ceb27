package ams.agents;

import ams.agents.AgentConfigDocument.InvalidDocumentException;
import ams.agents.state.AgentState;
import ams.events.DeadLetterReason;
import ams.events.agent.AgentConfigChanged;
import ams.events.agent.AgentCreated;
import ams.events.agent.AgentDeactivated;
import ams.events.agent.AgentEvent;
import ams.events.agent.AgentFlagSet;
import ams.events.agent.AgentPromptSet;
import ams.events.agent.AgentReactivated;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The agent matrix's event handler: {@code (state, event) -> new state | rejection}. Pure: no Kafka
 * here, so replay gives the same states and the rules are testable without a broker.
 */
final class AgentFold {

    /** Where the event was read; kept in the state so the history can point back at the log. */
    public record Position(int partition, long offset) {}

    private final AgentConfigDocument documents;
    private final int maxTextBytes;
    private final int maxConfigBytes;

    public AgentFold(AgentConfigDocument documents, int maxTextBytes, int maxConfigBytes) {
        this.documents = documents;
        this.maxTextBytes = maxTextBytes;
        this.maxConfigBytes = maxConfigBytes;
    }

    /**
     * Applies one event to an agent's state: the new state, or a rejection with its reason.
     *
     * @param key the record key, which must be the event's agentId
     * @param current the agent's state, null when the agent is unknown
     */
    public FoldResult apply(String key, AgentState current, AgentEvent event, Position position) {
        return apply(key, current, null, event, position);
    }

    /**
     * The same, given the current configuration already parsed (or null): a caller that keeps the
     * parsed document of a recently changed agent spares the parse of its whole configuration. The
     * fold never modifies {@code currentConfig}.
     */
    public FoldResult apply(
            String key,
            AgentState current,
            JsonNode currentConfig,
            AgentEvent event,
            Position position) {
        if (key == null || !key.equals(event.getAgentId())) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_EVENT,
                    "record key '"
                            + key
                            + "' is not the event's agentId '"
                            + event.getAgentId()
                            + "': agent events must be keyed by agentId");
        }
        Object payload = event.getPayload();
        if (payload instanceof AgentCreated created) {
            return current != null
                    ? FoldResult.rejected(
                            DeadLetterReason.DUPLICATE_AGENT,
                            "agent '"
                                    + key
                                    + "' already exists (created "
                                    + current.getCreatedAt()
                                    + "); change it with AgentConfigChanged instead of creating it again")
                    : create(key, created, event, position);
        }
        if (current == null) {
            return FoldResult.rejected(
                    DeadLetterReason.UNKNOWN_AGENT,
                    "no agent '" + key + "' exists; publish AgentCreated first");
        }
        if (payload instanceof AgentConfigChanged changed) {
            return changeConfig(current, currentConfig, changed, event, position);
        }
        if (payload instanceof AgentPromptSet prompt) {
            return setPrompt(current, currentConfig, prompt, event, position);
        }
        if (payload instanceof AgentFlagSet flag) {
            return setFlag(current, currentConfig, flag, event, position);
        }
        if (payload instanceof AgentDeactivated deactivated) {
            return applied(
                    next(
                                    current,
                                    event,
                                    position,
                                    "AgentDeactivated",
                                    reasonChange("deactivated", deactivated.getReason()))
                            .setActive(false),
                    currentConfig);
        }
        if (payload instanceof AgentReactivated reactivated) {
            return applied(
                    next(
                                    current,
                                    event,
                                    position,
                                    "AgentReactivated",
                                    reasonChange("reactivated", reactivated.getReason()))
                            .setActive(true),
                    currentConfig);
        }
        return FoldResult.rejected(
                DeadLetterReason.INVALID_EVENT,
                "unknown payload type "
                        + (payload == null ? "null" : payload.getClass().getName()));
    }

    private FoldResult create(
            String key, AgentCreated created, AgentEvent event, Position position) {
        Optional<FoldResult> tooLarge =
                tooLarge("agentName", created.getAgentName())
                        .or(() -> tooLarge("description", created.getDescription()))
                        .or(() -> tooLarge("configJson", created.getConfigJson()));
        if (tooLarge.isPresent()) {
            return tooLarge.get();
        }
        if (created.getAgentName().isBlank()) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_EVENT, "agentName must not be blank");
        }
        JsonNode config;
        try {
            config = documents.parse(created.getConfigJson());
        } catch (InvalidDocumentException e) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_CONFIG, "configJson is " + e.getMessage());
        }
        Optional<String> shape = documents.shapeError(config);
        if (shape.isPresent()) {
            return FoldResult.rejected(DeadLetterReason.INVALID_CONFIG, shape.get());
        }
        JsonNode configAgentId = config.get("agent_id");
        if (configAgentId != null && !configAgentId.asText().equals(key)) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_CONFIG,
                    "configJson.agent_id '"
                            + configAgentId.asText()
                            + "' differs from the event's agentId '"
                            + key
                            + "'");
        }
        Instant at = event.getEnvelope().getOccurredAt();
        AgentState state =
                AgentState.newBuilder()
                        .setAgentId(key)
                        .setAgentName(created.getAgentName())
                        .setDescription(created.getDescription())
                        .setTags(new ArrayList<>(created.getTags()))
                        .setActive(created.getActive())
                        .setConfigJson(documents.write(config))
                        .setCreatedAt(at)
                        .setUpdatedAt(at)
                        .setVersion(1L)
                        .setValidFrom(at)
                        .setLastEventId(event.getEnvelope().getEventId().toString())
                        .setLastEventType("AgentCreated")
                        .setLastEventPartition(position.partition())
                        .setLastEventOffset(position.offset())
                        .setLastChange(null)
                        .build();
        return applied(state, config);
    }

    private FoldResult changeConfig(
            AgentState current,
            JsonNode currentConfig,
            AgentConfigChanged changed,
            AgentEvent event,
            Position position) {
        Optional<FoldResult> tooLarge =
                tooLarge("mergePatchJson", changed.getMergePatchJson())
                        .or(() -> tooLarge("agentName", changed.getAgentName()))
                        .or(() -> tooLarge("description", changed.getDescription()));
        if (tooLarge.isPresent()) {
            return tooLarge.get();
        }
        if (changed.getAgentName() != null && changed.getAgentName().isBlank()) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_EVENT, "agentName, when given, must not be blank");
        }
        JsonNode patch;
        try {
            patch = documents.parse(changed.getMergePatchJson());
        } catch (InvalidDocumentException e) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_MERGE_PATCH, "mergePatchJson is " + e.getMessage());
        }
        if (!patch.isObject()) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_MERGE_PATCH,
                    "mergePatchJson must be a JSON object (RFC 7396), was " + patch.getNodeType());
        }
        // The text path when the patch cannot break the shape: no tree to parse, copy and write.
        Optional<String> merged =
                documents.mergePatchJson(current.getConfigJson(), (ObjectNode) patch);
        if (merged.isPresent()) {
            return changed(current, changed, event, position, merged.get(), null);
        }
        JsonNode original = config(current, currentConfig);
        JsonNode patched = documents.mergePatch(original, patch);
        Optional<String> shape = documents.shapeError(patched);
        if (shape.isPresent()) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_MERGE_PATCH,
                    "the patch would make the configuration invalid: " + shape.get());
        }
        JsonNode patchedId = patched.get("agent_id");
        JsonNode originalId = original.get("agent_id");
        if (originalId != null && (patchedId == null || !patchedId.equals(originalId))) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_MERGE_PATCH,
                    "the patch must not change or remove agent_id");
        }
        return changed(current, changed, event, position, documents.write(patched), patched);
    }

    /**
     * The state after a merge patch that gave {@code json} ({@code patched}: its tree, or null).
     */
    private FoldResult changed(
            AgentState current,
            AgentConfigChanged changed,
            AgentEvent event,
            Position position,
            String json,
            JsonNode patched) {
        if (utf8Length(json) > maxConfigBytes) {
            return FoldResult.rejected(
                    DeadLetterReason.TEXT_TOO_LARGE,
                    "the configuration would grow to more than "
                            + maxConfigBytes
                            + " bytes (max.config.bytes)");
        }
        AgentState.Builder next =
                next(current, event, position, "AgentConfigChanged", changed.getMergePatchJson())
                        .setConfigJson(json);
        if (changed.getAgentName() != null) {
            next.setAgentName(changed.getAgentName());
        }
        if (changed.getDescription() != null) {
            next.setDescription(changed.getDescription());
        }
        if (changed.getTags() != null) {
            next.setTags(new ArrayList<>(changed.getTags()));
        }
        return applied(next, patched);
    }

    private FoldResult setPrompt(
            AgentState current,
            JsonNode currentConfig,
            AgentPromptSet prompt,
            AgentEvent event,
            Position position) {
        if (!AgentConfigDocument.isPromptType(prompt.getPromptType())) {
            return FoldResult.rejected(
                    DeadLetterReason.UNKNOWN_PROMPT_TYPE,
                    "promptType '"
                            + prompt.getPromptType()
                            + "' is not one of llmSystem, llmBooster, visionSystem, visionBooster, primeDirective, userInput");
        }
        Optional<FoldResult> tooLarge = tooLarge("text", prompt.getText());
        if (tooLarge.isPresent()) {
            return tooLarge.get();
        }
        AgentState.Builder next =
                next(current, event, position, "AgentPromptSet", prompt.getPromptType());
        if (currentConfig == null) {
            // Nothing parsed at hand: edit the text instead of parsing the whole document.
            return applied(
                    next.setConfigJson(
                            documents.withPromptJson(
                                    current.getConfigJson(),
                                    prompt.getPromptType(),
                                    prompt.getText())),
                    null);
        }
        JsonNode config =
                documents.withPrompt(currentConfig, prompt.getPromptType(), prompt.getText());
        return applied(next.setConfigJson(documents.write(config)), config);
    }

    private FoldResult setFlag(
            AgentState current,
            JsonNode currentConfig,
            AgentFlagSet flag,
            AgentEvent event,
            Position position) {
        if (flag.getFlag() == null || flag.getFlag().isBlank()) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_EVENT, "flag name must not be blank");
        }
        if (!(flag.getValue() instanceof Boolean value)) {
            return FoldResult.rejected(
                    DeadLetterReason.INVALID_FLAG_VALUE,
                    "flag "
                            + flag.getFlag()
                            + " must be set to a boolean, was "
                            + (flag.getValue() == null
                                    ? "null"
                                    : flag.getValue().getClass().getSimpleName()
                                            + " '"
                                            + flag.getValue()
                                            + "'"));
        }
        AgentState.Builder next =
                next(current, event, position, "AgentFlagSet", flag.getFlag() + "=" + value);
        if (currentConfig == null) {
            return applied(
                    next.setConfigJson(
                            documents.withFlagJson(current.getConfigJson(), flag.getFlag(), value)),
                    null);
        }
        JsonNode config = documents.withFlag(currentConfig, flag.getFlag(), value);
        return applied(next.setConfigJson(documents.write(config)), config);
    }

    private JsonNode config(AgentState state, JsonNode parsed) {
        if (parsed != null) {
            return parsed;
        }
        try {
            return documents.parse(state.getConfigJson());
        } catch (InvalidDocumentException e) {
            throw new IllegalStateException(
                    "Stored configuration of agent " + state.getAgentId() + " is not JSON", e);
        }
    }

    private static AgentState.Builder next(
            AgentState current, AgentEvent event, Position position, String type, String change) {
        Instant at = event.getEnvelope().getOccurredAt();
        Instant validFrom =
                at.isAfter(current.getValidFrom()) ? at : current.getValidFrom().plusMillis(1);
        return AgentState.newBuilder(current)
                .setUpdatedAt(at)
                .setValidFrom(validFrom)
                .setVersion(current.getVersion() + 1)
                .setLastEventId(event.getEnvelope().getEventId().toString())
                .setLastEventType(type)
                .setLastEventPartition(position.partition())
                .setLastEventOffset(position.offset())
                .setLastChange(change);
    }

    private static String reasonChange(String what, String reason) {
        return reason == null ? what : what + ": " + reason;
    }

    private static FoldResult applied(AgentState.Builder builder, JsonNode config) {
        return applied(builder.build(), config);
    }

    private static FoldResult applied(AgentState state, JsonNode config) {
        return new FoldResult.Applied(state, config);
    }

    private Optional<FoldResult> tooLarge(String field, String text) {
        if (text == null || text.length() * 3L <= maxTextBytes) {
            return Optional.empty();
        }
        int bytes = utf8Length(text);
        return bytes <= maxTextBytes
                ? Optional.empty()
                : Optional.of(
                        FoldResult.rejected(
                                DeadLetterReason.TEXT_TOO_LARGE,
                                field
                                        + " is "
                                        + bytes
                                        + " bytes, more than max.text.bytes="
                                        + maxTextBytes));
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Tags as a plain list, for views. */
    public static List<String> tags(AgentState state) {
        return List.copyOf(state.getTags());
    }
}
