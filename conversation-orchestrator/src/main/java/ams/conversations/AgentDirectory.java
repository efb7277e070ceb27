package ams.conversations;

import java.util.Optional;

/**
 * Port to the agent-processor's view of agents. The app wires an in-process adapter; separate
 * processes use {@link HttpAgentDirectory}. Throwing means "try again later" (retried like a 5xx).
 */
@FunctionalInterface
public interface AgentDirectory {

    Optional<AgentProfile> find(String agentId);
}
