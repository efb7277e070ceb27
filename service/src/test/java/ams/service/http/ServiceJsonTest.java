package ams.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.InvalidRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared mapping reads strictly and says which field is wrong. */
class ServiceJsonTest {

    /** A typed request as the routes read them: snake_case on the wire. */
    record CreateAgent(String agentName, int maxTurns, boolean isActive, List<String> tags) {}

    @Test
    void shouldReadATypedRequestInSnakeCase() {
        CreateAgent request =
                ServiceJson.read(
                        "{\"agent_name\":\"Ada\",\"max_turns\":3,\"is_active\":true,\"tags\":[\"x\"]}",
                        CreateAgent.class);
        assertEquals(new CreateAgent("Ada", 3, true, List.of("x")), request);
        assertEquals(
                "{\"agent_name\":\"Ada\",\"max_turns\":3,\"is_active\":true,\"tags\":[\"x\"]}",
                ServiceJson.write(request));
    }

    @Test
    void shouldRefuseTextAfterTheObject() {
        InvalidRequestException trailing =
                assertThrows(
                        InvalidRequestException.class,
                        () -> ServiceJson.object("{\"agent_name\":\"Ada\"},"));
        assertTrue(trailing.getMessage().contains("not valid JSON"), trailing.getMessage());
        assertThrows(
                InvalidRequestException.class,
                () -> ServiceJson.read("{\"max_turns\":1} {}", CreateAgent.class));
    }

    @Test
    void shouldNameAnUnknownField() {
        InvalidRequestException unknown =
                assertThrows(
                        InvalidRequestException.class,
                        () ->
                                ServiceJson.read(
                                        "{\"agent_name\":\"Ada\",\"max_turns\":3,\"is_active\":true,"
                                                + "\"agent_nam\":\"Ada\"}",
                                        CreateAgent.class));
        assertTrue(unknown.getMessage().contains("'agent_nam'"), unknown.getMessage());
        assertTrue(
                unknown.getMessage().contains("agent_name"),
                "lists the fields there are: " + unknown.getMessage());
    }

    @Test
    void shouldRefuseAStringForANumberNamingTheField() {
        InvalidRequestException string =
                assertThrows(
                        InvalidRequestException.class,
                        () -> ServiceJson.read("{\"max_turns\":\"3\"}", CreateAgent.class));
        assertTrue(string.getMessage().contains("'max_turns'"), string.getMessage());
        assertTrue(string.getMessage().contains("a number"), string.getMessage());
        InvalidRequestException flag =
                assertThrows(
                        InvalidRequestException.class,
                        () -> ServiceJson.read("{\"is_active\":\"true\"}", CreateAgent.class));
        assertTrue(flag.getMessage().contains("'is_active'"), flag.getMessage());
    }

    @Test
    void shouldRefuseABodyThatIsNotAnObject() {
        assertThrows(InvalidRequestException.class, () -> ServiceJson.object(""));
        assertThrows(InvalidRequestException.class, () -> ServiceJson.object("[1,2]"));
        assertThrows(InvalidRequestException.class, () -> ServiceJson.object("{\"a\":"));
    }
}
