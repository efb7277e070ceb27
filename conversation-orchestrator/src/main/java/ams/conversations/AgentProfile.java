package ams.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Optional;

/**
 * What a turn needs to know about its speaker: the name and the original AMS-DB agent config
 * document.
 */
public record AgentProfile(String agentId, String name, JsonNode config) {

    public AgentProfile {
        config = config == null ? MissingNode.getInstance() : config;
        name = name == null || name.isBlank() ? agentId : name;
    }

    public boolean flag(String flag) {
        return config.path("command_flags").path(flag).asBoolean(false);
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

    public Optional<Integer> maxHistoryTurns() {
        JsonNode n =
                config.path("database_config").path("conversation_modes").path("max_history_turns");
        return n.canConvertToInt() && n.isNumber() ? Optional.of(n.asInt()) : Optional.empty();
    }
}
