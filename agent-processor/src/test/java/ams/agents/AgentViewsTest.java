package ams.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.agents.state.AgentState;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent route writes the stored configuration as stored; the answer must not change by it. */
class AgentViewsTest {

    private final ObjectMapper mapper = Json.mapper();

    @Test
    void shouldWriteTheSameJsonWithTheStoredConfigurationAsWithAParsedOne() throws Exception {
        String config =
                new AgentConfigDocument(mapper)
                        .write(
                                mapper.readTree(
                                        "{\"agent_id\":\"a-1\",\"prompt_config\":{\"agent\":"
                                                + "{\"llmSystem\":\"Sei gentile \\u00e8 \\\"preciso\\\"\\n\"}},"
                                                + "\"model_config\":{\"temperature\":0.7,\"max\":12345678901,"
                                                + "\"names\":[\"llama3\",null,true]},\"empty\":{}}"));
        AgentState state =
                AgentState.newBuilder()
                        .setAgentId("a-1")
                        .setAgentName("Agent \"one\"")
                        .setDescription("")
                        .setTags(List.of("x", "y"))
                        .setActive(false)
                        .setConfigJson(config)
                        .setCreatedAt(Instant.parse("2026-01-01T00:00:00Z"))
                        .setUpdatedAt(Instant.parse("2026-01-02T03:04:05.678Z"))
                        .setVersion(7L)
                        .setValidFrom(Instant.parse("2026-01-02T03:04:05.678Z"))
                        .setLastEventId("e-7")
                        .setLastEventType("AgentConfigChanged")
                        .setLastEventPartition(1)
                        .setLastEventOffset(42L)
                        .setLastChange(null)
                        .build();

        String parsed = mapper.writeValueAsString(AgentViews.agent(state, mapper));
        String raw = new String(AgentViews.agentJson(state, mapper), StandardCharsets.UTF_8);

        assertEquals(parsed, raw);
        assertEquals(
                AgentViews.agent(state, mapper),
                mapper.readValue(raw, AgentViews.Agent.class),
                "a forwarding instance reads the raw answer back as the same Agent");
    }
}
