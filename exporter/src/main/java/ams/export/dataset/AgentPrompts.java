package ams.export.dataset;

import ams.events.agent.AgentConfigChanged;
import ams.events.agent.AgentCreated;
import ams.events.agent.AgentEvent;
import ams.events.agent.AgentFlagSet;
import ams.events.agent.AgentPromptSet;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every agent's system prompt and name over time, folded from {@code agent-events}, so a sample can
 * carry the prompt the agent had when it spoke.
 *
 * <p>Why read the topic and not the agent-processor's as-of query: a dataset export is a snapshot
 * over the log that must run without the services up (like {@code ams import}); the agent topic is
 * small, and one pass over it answers every (agent, time) question from memory instead of one HTTP
 * call per turn. The fold here is the subset of the agent-processor's that the prompt depends on
 * (creation, JSON merge patch, prompt and flag setting); events the processor would reject (an
 * unknown prompt type, a non-boolean flag, an event for an agent never created) are skipped here
 * too, so both agree on the prompt.
 *
 * <p>The system prompt is composed the way the orchestrator composes the fixed part of a turn's
 * prompt ({@code PromptBuilder}): {@code llmSystem} when {@code LLM_SYSTEM_PROMPT_FLAG} is set,
 * {@code llmBooster} when {@code LLM_BOOSTER_PROMPT_FLAG} is set, then "Prime directive: ...",
 * joined by blank lines. The per-turn parts (topic, retrieved knowledge, instruction) are not in
 * it.
 */
public final class AgentPrompts {

    private static final Set<String> AGENT_PROMPTS =
            Set.of("llmSystem", "llmBooster", "visionSystem", "visionBooster");
    private static final Set<String> TOP_PROMPTS = Set.of("primeDirective", "userInput");

    /** One version of an agent: valid from {@code from} until the next version's. */
    private record Version(Instant from, String name, String systemPrompt) {}

    private static final class Agent {
        ObjectNode config;
        String name;
        final List<Version> versions = new ArrayList<>();
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, Agent> agents = new HashMap<>();

    /** Applies one event of {@code agent-events}, in log order for its agent. */
    public void apply(AgentEvent event) {
        String id = event.getAgentId();
        Object payload = event.getPayload();
        Instant at = event.getEnvelope().getOccurredAt();
        Agent agent = agents.get(id);
        if (payload instanceof AgentCreated created) {
            if (agent != null) {
                return; // the processor rejects a second creation
            }
            JsonNode config = parse(created.getConfigJson());
            if (!(config instanceof ObjectNode object)) {
                return;
            }
            agent = new Agent();
            agent.config = object;
            agent.name = created.getAgentName();
            agents.put(id, agent);
        } else if (agent == null) {
            return;
        } else if (payload instanceof AgentConfigChanged changed) {
            JsonNode patch = parse(changed.getMergePatchJson());
            if (patch == null) {
                return;
            }
            JsonNode merged = mergePatch(agent.config, patch);
            if (!(merged instanceof ObjectNode object)) {
                return;
            }
            agent.config = object;
            if (changed.getAgentName() != null) {
                agent.name = changed.getAgentName();
            }
        } else if (payload instanceof AgentPromptSet prompt) {
            String type = prompt.getPromptType();
            if (AGENT_PROMPTS.contains(type)) {
                object(object(agent.config, "prompt_config"), "agent").put(type, prompt.getText());
            } else if (TOP_PROMPTS.contains(type)) {
                object(agent.config, "prompt_config").put(type, prompt.getText());
            } else {
                return;
            }
        } else if (payload instanceof AgentFlagSet flag) {
            if (!(flag.getValue() instanceof Boolean value)
                    || flag.getFlag() == null
                    || flag.getFlag().isBlank()) {
                return;
            }
            object(agent.config, "command_flags").put(flag.getFlag(), value);
        } else {
            return; // (de)activation changes neither the prompt nor the name
        }
        agent.versions.add(new Version(at, agent.name, compose(agent.config)));
    }

    /** Whether any event of this agent was seen. */
    public boolean knows(String agentId) {
        return agents.containsKey(agentId);
    }

    /**
     * The system prompt of the agent at {@code at}; empty when the agent is unknown or has none. A
     * turn earlier than the agent's creation (clock skew between processes) gets the first one.
     */
    public String systemPrompt(String agentId, Instant at) {
        Version v = version(agentId, at);
        return v == null ? "" : v.systemPrompt();
    }

    /** The agent's name at {@code at}; the id when unknown. */
    public String name(String agentId, Instant at) {
        Version v = version(agentId, at);
        return v == null || v.name() == null || v.name().isBlank() ? agentId : v.name();
    }

    private Version version(String agentId, Instant at) {
        Agent agent = agents.get(agentId);
        if (agent == null || agent.versions.isEmpty()) {
            return null;
        }
        List<Version> versions = agent.versions;
        int lo = 0;
        int hi = versions.size() - 1;
        // The last version whose start is not after `at`.
        int found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (!versions.get(mid).from().isAfter(at)) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return versions.get(found);
    }

    static String compose(JsonNode config) {
        List<String> parts = new ArrayList<>();
        JsonNode prompts = config.path("prompt_config");
        JsonNode flags = config.path("command_flags");
        String system = prompts.path("agent").path("llmSystem").asText("").strip();
        if (flags.path("LLM_SYSTEM_PROMPT_FLAG").asBoolean(false) && !system.isEmpty()) {
            parts.add(system);
        }
        String booster = prompts.path("agent").path("llmBooster").asText("").strip();
        if (flags.path("LLM_BOOSTER_PROMPT_FLAG").asBoolean(false) && !booster.isEmpty()) {
            parts.add(booster);
        }
        String prime = prompts.path("primeDirective").asText("").strip();
        if (!prime.isEmpty()) {
            parts.add("Prime directive: " + prime);
        }
        return String.join("\n\n", parts);
    }

    /** RFC 7396 JSON Merge Patch. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result =
                target != null && target.isObject()
                        ? ((ObjectNode) target).deepCopy()
                        : new ObjectMapper().createObjectNode();
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            if (field.getValue().isNull()) {
                result.remove(field.getKey());
            } else {
                result.set(
                        field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
            }
        }
        return result;
    }

    private static ObjectNode object(ObjectNode parent, String field) {
        JsonNode child = parent.get(field);
        if (child instanceof ObjectNode object) {
            return object;
        }
        return parent.putObject(field);
    }

    private JsonNode parse(String json) {
        try {
            return json == null ? null : mapper.readTree(json);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
