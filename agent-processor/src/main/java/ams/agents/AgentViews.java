package ams.agents;

import ams.agents.AgentConfigDocument.InvalidDocumentException;
import ams.agents.state.AgentActivity;
import ams.agents.state.AgentState;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;

/**
 * The answers of the agent queries; their JSON (snake_case) is the HTTP contract in DESIGN/README.
 */
public final class AgentViews {

    private AgentViews() {}

    /** One agent-matrix row with its configuration document. */
    public record Agent(
            String agentId,
            String agentName,
            String description,
            List<String> tags,
            boolean isActive,
            String createdAt,
            String updatedAt,
            long version,
            JsonNode config) {}

    /**
     * {@link Agent} as JSON with the configuration copied as stored: the stored text is what the
     * fold wrote from a parsed tree with the same mapper, so it equals what writing {@link Agent}
     * would produce (AgentViewsTest holds the two to the same bytes).
     */
    record AgentJson(
            String agentId,
            String agentName,
            String description,
            List<String> tags,
            boolean isActive,
            String createdAt,
            String updatedAt,
            long version,
            @JsonRawValue String config) {}

    public record AgentPage(List<Agent> agents, long total, int offset, int limit) {}

    public record Activity(
            String agentId, long messagesWritten, long conversationsJoined, String lastActiveAt) {}

    /** One applied event of an agent, pointing back at the log. */
    public record HistoryEntry(
            String eventId,
            String type,
            String occurredAt,
            int partition,
            long offset,
            long version,
            String change,
            String validFrom) {}

    public record History(String agentId, List<HistoryEntry> events) {}

    /** Which agents a listing returns. Null fields do not filter. */
    public record AgentFilter(String tag, Boolean active) {

        public static AgentFilter all() {
            return new AgentFilter(null, null);
        }

        public boolean test(AgentState state) {
            return (tag == null || state.getTags().contains(tag))
                    && (active == null || active == state.getActive());
        }
    }

    static Agent agent(AgentState state, ObjectMapper mapper) {
        JsonNode config;
        try {
            config = new AgentConfigDocument(mapper).parse(state.getConfigJson());
        } catch (InvalidDocumentException e) {
            throw new IllegalStateException(
                    "Stored configuration of " + state.getAgentId() + " is not JSON", e);
        }
        return new Agent(
                state.getAgentId(),
                state.getAgentName(),
                state.getDescription(),
                List.copyOf(state.getTags()),
                state.getActive(),
                iso(state.getCreatedAt()),
                iso(state.getUpdatedAt()),
                state.getVersion(),
                config);
    }

    /** The JSON of {@link #agent}, without parsing the stored configuration. */
    static byte[] agentJson(AgentState state, ObjectMapper mapper) {
        AgentJson json =
                new AgentJson(
                        state.getAgentId(),
                        state.getAgentName(),
                        state.getDescription(),
                        List.copyOf(state.getTags()),
                        state.getActive(),
                        iso(state.getCreatedAt()),
                        iso(state.getUpdatedAt()),
                        state.getVersion(),
                        state.getConfigJson());
        try {
            // UTF-8 bytes straight away: a String first cost a UTF-16 copy of the answer and its
            // encoding again, the route's largest share of garbage (JFR of the query bench).
            return mapper.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write agent " + state.getAgentId(), e);
        }
    }

    static Activity activity(String agentId, AgentActivity activity) {
        if (activity == null) {
            return new Activity(agentId, 0, 0, null);
        }
        return new Activity(
                agentId,
                activity.getMessagesWritten(),
                activity.getConversationsJoined(),
                iso(activity.getLastActiveAt()));
    }

    static HistoryEntry historyEntry(AgentState state) {
        return new HistoryEntry(
                state.getLastEventId(),
                state.getLastEventType(),
                iso(state.getUpdatedAt()),
                state.getLastEventPartition(),
                state.getLastEventOffset(),
                state.getVersion(),
                state.getLastChange(),
                iso(state.getValidFrom()));
    }

    private static String iso(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
