package ams.app.rest;

import ams.service.http.NotFoundException;

/**
 * Whether an agent exists, asked before publishing a write about one (a knowledge document), so a
 * write on an unknown agent is refused with 404 instead of being accepted for nothing.
 */
@FunctionalInterface
public interface KnownAgents {

    /** A server without an agent view to ask: nothing is checked. */
    KnownAgents UNCHECKED = agentId -> true;

    /** Whether the agent view has {@code agentId} now. */
    boolean exists(String agentId);

    /** Throws {@link NotFoundException} (404) unless the agent exists. */
    default void require(String agentId) {
        if (!exists(agentId)) {
            throw new NotFoundException(
                    "no agent '"
                            + agentId
                            + "': create it first (POST /agents); an agent created a moment ago"
                            + " may not be applied yet (ams agent create --wait waits for it)");
        }
    }
}
