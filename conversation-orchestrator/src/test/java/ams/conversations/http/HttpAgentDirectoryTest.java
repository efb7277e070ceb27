package ams.conversations.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.AgentProfile;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The standalone orchestrator's view of agents reads {@code is_active} from the agent-processor's
 * answer, so a deactivated agent is refused there as under {@code ams up}.
 */
class HttpAgentDirectoryTest {

    @Test
    void readsWhetherTheAgentIsActive() {
        Javalin processor =
                Javalin.create()
                        .get(
                                "/agents/on",
                                ctx ->
                                        ctx.contentType("application/json")
                                                .result(
                                                        "{\"agent_id\":\"on\",\"agent_name\":\"On\","
                                                                + "\"is_active\":true,\"config\":{}}"))
                        .get(
                                "/agents/off",
                                ctx ->
                                        ctx.contentType("application/json")
                                                .result(
                                                        "{\"agent_id\":\"off\",\"agent_name\":\"Off\","
                                                                + "\"is_active\":false,\"config\":{}}"))
                        .start("127.0.0.1", 0);
        try {
            HttpAgentDirectory directory =
                    new HttpAgentDirectory(
                            "http://127.0.0.1:" + processor.port(), Duration.ofSeconds(5));
            assertTrue(directory.find("on").orElseThrow().inactiveReason().isEmpty());
            AgentProfile off = directory.find("off").orElseThrow();
            assertTrue(off.inactiveReason().orElseThrow().contains("'off' is deactivated"));
            assertEquals(Optional.empty(), directory.find("nobody"));
        } finally {
            processor.stop();
        }
    }
}
