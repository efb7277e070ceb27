package ams.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Optional;

/**
 * What a turn needs to know about its speaker: the name, whether it is active (the matrix row's
 * {@code is_active}), the original AMS-DB agent config document, and the agent's version (the
 * matrix row's {@code version}, counting its applied events; 0 = the directory did not say), which
 * a turn's provenance records.
 */
public record AgentProfile(
        String agentId, String name, JsonNode config, boolean isActive, long version) {

    /**
     * The original's flag for "the agent is active". A config without it falls back to {@value
     * #ACTIVE_AGENT_FLAG}; with it, {@value #ACTIVE_AGENT_FLAG} is not read, because the original
     * templates ship {@code ACTIVE_AGENT_FLAG: false} next to {@code AGENT_FLAG: true} for agents
     * meant to converse (there it marks the agent a UI has selected, not whether it may speak).
     */
    public static final String AGENT_FLAG = "AGENT_FLAG";

    public static final String ACTIVE_AGENT_FLAG = "ACTIVE_AGENT_FLAG";

    /** Whether the agent's knowledge is retrieved for its turns (absent: retrieved). */
    public static final String EMBEDDING_FLAG = "EMBEDDING_FLAG";

    public AgentProfile {
        config = config == null ? MissingNode.getInstance() : config;
        name = name == null || name.isBlank() ? agentId : name;
    }

    /** An active agent (what a directory without an activity column reports). */
    public AgentProfile(String agentId, String name, JsonNode config) {
        this(agentId, name, config, true);
    }

    /** An agent whose version the directory does not report. */
    public AgentProfile(String agentId, String name, JsonNode config, boolean isActive) {
        this(agentId, name, config, isActive, 0L);
    }

    public boolean flag(String flag) {
        return config.path("command_flags").path(flag).asBoolean(false);
    }

    /** Empty when the flag is absent or not a boolean. */
    private Optional<Boolean> explicitFlag(String flag) {
        JsonNode value = config.path("command_flags").path(flag);
        return value.isBoolean() ? Optional.of(value.booleanValue()) : Optional.empty();
    }

    /**
     * Why the agent may not speak now, or empty when it may: deactivated ({@code is_active} false),
     * or its config's {@value #AGENT_FLAG} (else {@value #ACTIVE_AGENT_FLAG}) is false. The text
     * says what to do about it.
     */
    public Optional<String> inactiveReason() {
        if (!isActive) {
            return Optional.of(
                    "'"
                            + agentId
                            + "' is deactivated (reactivate it: POST /agents/"
                            + agentId
                            + "/reactivate or ams agent reactivate "
                            + agentId
                            + ")");
        }
        Optional<Boolean> agentFlag = explicitFlag(AGENT_FLAG);
        String flag = agentFlag.isPresent() ? AGENT_FLAG : ACTIVE_AGENT_FLAG;
        boolean on = agentFlag.orElseGet(() -> explicitFlag(ACTIVE_AGENT_FLAG).orElse(true));
        if (!on) {
            return Optional.of(
                    "'"
                            + agentId
                            + "' has command_flags."
                            + flag
                            + " false (set it: PUT /agents/"
                            + agentId
                            + "/flags/"
                            + flag
                            + " {\"value\":true} or ams agent set-flag "
                            + agentId
                            + " "
                            + flag
                            + " true)");
        }
        return Optional.empty();
    }

    /**
     * Whether knowledge is retrieved for this agent's turns: {@value #EMBEDDING_FLAG}, absent =
     * yes.
     */
    public boolean retrievesKnowledge() {
        return explicitFlag(EMBEDDING_FLAG).orElse(true);
    }

    /**
     * {@code llmSystem}, {@code llmBooster}, ... from {@code prompt_config.agent}; empty string
     * when absent.
     */
    public String agentPrompt(String type) {
        return config.path("prompt_config").path("agent").path(type).asText("").strip();
    }

    public String primeDirective() {
        return config.path("prompt_config").path("primeDirective").asText("").strip();
    }

    /**
     * {@code database_config.conversation_modes.use_past_conversations}: the speaker's prompt
     * recalls its earlier conversations. Absent: no (the seed templates and the skeleton say true).
     */
    public boolean usesPastConversations() {
        return conversationMode("use_past_conversations");
    }

    /**
     * {@code database_config.conversation_modes.current_session_only}: the earlier conversations
     * recalled are only those of the same session ({@code session_id}).
     */
    public boolean currentSessionOnly() {
        return conversationMode("current_session_only");
    }

    private boolean conversationMode(String mode) {
        JsonNode n = config.path("database_config").path("conversation_modes").path(mode);
        return n.isBoolean() && n.booleanValue();
    }

    public Optional<Integer> maxHistoryTurns() {
        JsonNode n =
                config.path("database_config").path("conversation_modes").path("max_history_turns");
        return n.canConvertToInt() && n.isNumber() ? Optional.of(n.asInt()) : Optional.empty();
    }
}
