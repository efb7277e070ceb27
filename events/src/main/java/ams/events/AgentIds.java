package ams.events;

import java.util.regex.Pattern;

/**
 * The shape of an agent id, which every module that accepts one from a client checks the same way.
 */
public final class AgentIds {

    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    private AgentIds() {}

    /**
     * Returns {@code agentId} when it is well formed; otherwise says what a valid id looks like.
     */
    public static String require(String agentId) {
        if (agentId == null || !AGENT_ID.matcher(agentId).matches()) {
            throw new InvalidRequestException(
                    "agent_id must be 1-128 characters of letters, digits, '_', '.', ':' or '-', "
                            + "starting with a letter or digit; was "
                            + (agentId == null ? "missing" : "'" + agentId + "'"));
        }
        return agentId;
    }
}
