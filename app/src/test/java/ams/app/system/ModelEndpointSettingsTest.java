package ams.app.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.conversations.ConversationConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelEndpointSettingsTest {

    @Test
    void shouldPassTheOrchestratorsEndpointAndRateLimitVariablesToAmsUp() {
        Map<String, Object> props =
                AmsSystem.modelEndpointSettings(
                        Map.of(
                                "AMS_LLM_ENDPOINTS", "{\"backup\": {\"provider\": \"ollama\"}}",
                                "AMS_LLM_REQUESTS_PER_MINUTE", "60",
                                "AMS_LLM_TOKENS_PER_MINUTE", "",
                                "AMS_UNRELATED", "x"));
        assertEquals(
                Map.of(
                        ConversationConfig.LLM_ENDPOINTS,
                        "{\"backup\": {\"provider\": \"ollama\"}}",
                        ConversationConfig.LLM_REQUESTS_PER_MINUTE,
                        "60"),
                props);
    }
}
