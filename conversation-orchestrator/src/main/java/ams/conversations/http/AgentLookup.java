package ams.conversations.http;

import ams.conversations.AgentDirectory;
import ams.conversations.AgentProfile;
import ams.service.http.ServiceUnavailableException;
import java.io.UncheckedIOException;
import java.util.Optional;

/** Looking an agent up for a route: a directory that does not answer now is a 503, not a 500. */
final class AgentLookup {

    private AgentLookup() {}

    static Optional<AgentProfile> find(AgentDirectory agents, String agentId) {
        try {
            return agents.find(agentId);
        } catch (UncheckedIOException e) {
            throw new ServiceUnavailableException(
                    "A service this route needs is unavailable, retry shortly: " + e.getMessage(),
                    e);
        }
    }
}
