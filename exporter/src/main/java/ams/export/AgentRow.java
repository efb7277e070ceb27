package ams.export;

import java.time.Instant;
import java.util.List;

/** One row of the original's agent_matrix. */
public record AgentRow(
        String agentId,
        String agentName,
        Instant createdAt,
        Instant updatedAt,
        String configJson,
        String description,
        List<String> tags,
        boolean active) {

    public AgentRow {
        tags = List.copyOf(tags);
    }
}
