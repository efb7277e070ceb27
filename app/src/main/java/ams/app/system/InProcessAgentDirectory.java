package ams.app.system;

import ams.agents.AgentQueries;
import ams.conversations.AgentDirectory;
import ams.conversations.AgentProfile;
import java.util.Optional;

/** The orchestrator's view of agents, answered by the agent-processor in the same JVM. */
final class InProcessAgentDirectory implements AgentDirectory {

    private final AgentQueries agents;

    InProcessAgentDirectory(AgentQueries agents) {
        this.agents = agents;
    }

    @Override
    public Optional<AgentProfile> find(String agentId) {
        return agents.agent(agentId)
                .map(
                        a ->
                                new AgentProfile(
                                        a.agentId(),
                                        a.agentName(),
                                        a.config(),
                                        a.isActive(),
                                        a.version()));
    }
}
