package ams.conversations.http;

import ams.conversations.AgentDirectory;
import ams.conversations.AgentProfile;
import ams.events.http.BearerToken;
import java.time.Duration;
import java.util.Optional;

/**
 * {@link AgentDirectory} over the agent-processor's {@code GET /agents/{id}} (separate-process
 * mode).
 */
public final class HttpAgentDirectory implements AgentDirectory {

    private final ProcessorClient agents;

    public HttpAgentDirectory(String baseUrl, Duration timeout) {
        this(baseUrl, timeout, Optional.empty());
    }

    /** With the API token the processor's port requires. */
    public HttpAgentDirectory(String baseUrl, Duration timeout, Optional<BearerToken> token) {
        this.agents = new ProcessorClient(baseUrl, timeout, token, "Agent directory");
    }

    @Override
    public Optional<AgentProfile> find(String agentId) {
        return agents.get("/agents/" + ProcessorClient.encode(agentId))
                .map(
                        agent ->
                                new AgentProfile(
                                        agentId,
                                        agent.path("agent_name").asText(agentId),
                                        agent.path("config"),
                                        agent.path("is_active").asBoolean(true),
                                        agent.path("version").asLong(0L)));
    }
}
