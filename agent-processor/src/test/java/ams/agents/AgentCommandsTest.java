package ams.agents;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.InvalidRequestException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Updates the fold would refuse whatever the agent's state is are refused before publishing. */
class AgentCommandsTest {

    private final AgentCommands commands = new AgentCommands("test");
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void shouldRefuseAPatchThatMakesAFlagAString() throws Exception {
        InvalidRequestException refused =
                assertThrows(
                        InvalidRequestException.class,
                        () ->
                                commands.changeConfig(
                                        "ada", patch("{\"command_flags\":{\"TTS_FLAG\":\"on\"}}")));
        assertTrue(refused.getMessage().contains("command_flags.TTS_FLAG"), refused.getMessage());
    }

    @Test
    void shouldRefuseAPatchThatChangesAgentId() throws Exception {
        InvalidRequestException refused =
                assertThrows(
                        InvalidRequestException.class,
                        () -> commands.changeConfig("ada", patch("{\"agent_id\":\"bob\"}")));
        assertTrue(refused.getMessage().contains("agent_id"), refused.getMessage());
    }

    @Test
    void shouldRefuseAPatchThatMakesASectionAString() throws Exception {
        assertThrows(
                InvalidRequestException.class,
                () -> commands.changeConfig("ada", patch("{\"prompt_config\":\"be nice\"}")));
    }

    @Test
    void shouldAcceptValidPatchesAndRemovals() throws Exception {
        assertDoesNotThrow(
                () ->
                        commands.changeConfig(
                                "ada",
                                patch(
                                        "{\"agent_id\":\"ada\",\"command_flags\":{\"TTS_FLAG\":true,"
                                                + "\"OLD_FLAG\":null},\"prompt_config\":{\"agent\":"
                                                + "{\"llmSystem\":\"Be brief.\"}}}")));
        assertDoesNotThrow(() -> commands.changeConfig("ada", patch("{\"description\":null}")));
    }

    private JsonNode patch(String text) throws Exception {
        return json.readTree(text);
    }
}
