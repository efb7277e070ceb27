package ams.conversations.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.ConversationConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ModelEndpointsTest {

    private static ConversationConfig config(Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConversationConfig.LLM_PROVIDER, "openai");
        c.put(ConversationConfig.LLM_BASE_URL, "http://primary:8000/v1");
        c.putAll(extra);
        return new ConversationConfig(c);
    }

    @Test
    void shouldReadNamedEndpointsWithTheirOwnLimitsAndTheDefaultsForTheRest() {
        ModelEndpoints endpoints =
                ModelEndpoints.fromConfig(
                        config(
                                Map.of(
                                        ConversationConfig.LLM_REQUESTS_PER_MINUTE,
                                        60,
                                        ConversationConfig.LLM_TOKENS_PER_MINUTE,
                                        90_000L,
                                        ConversationConfig.LLM_RATE_WINDOW_MS,
                                        1000L,
                                        ConversationConfig.LLM_ENDPOINTS,
                                        "{\"backup\": {\"provider\": \"ollama\","
                                                + " \"base_url\": \"http://b:11434\","
                                                + " \"model\": \"qwen\","
                                                + " \"requests_per_minute\": 5}}")));
        ModelEndpoint backup = endpoints.named("backup").orElseThrow();
        assertEquals(new ModelEndpoint("ollama", "http://b:11434", "qwen", ""), backup);
        assertEquals(
                new RateLimiter.Limits(5, 90_000, Duration.ofSeconds(1)),
                endpoints.limitsFor(backup.server()));
        assertEquals(
                new RateLimiter.Limits(60, 90_000, Duration.ofSeconds(1)),
                endpoints.limitsFor(endpoints.primary().server()));
        assertEquals(
                new RateLimiter.Limits(60, 90_000, Duration.ofSeconds(1)),
                endpoints.limitsFor("openai http://elsewhere/v1"));
        assertTrue(endpoints.limitsFor("scripted").unlimited());
        assertEquals("gpt-4o-mini", endpoints.primary().model());
    }

    @Test
    void shouldRefuseABadEndpointsSettingAtStartNamingWhatToFix() {
        for (Map.Entry<String, String> bad :
                Map.of(
                                "{not json", "llm.endpoints is not JSON",
                                "[]", "must be a JSON object",
                                "{\"b\": {\"base_url\": \"x\"}}",
                                        "llm.endpoints.b.provider is required",
                                "{\"b\": {\"provider\": \"bard\"}}", "unknown provider 'bard'",
                                "{\"b\": {\"provider\": \"openai\", \"requests_per_minute\": -1}}",
                                        "llm.endpoints.b.requests_per_minute must be")
                        .entrySet()) {
            ConfigException e =
                    assertThrows(
                            ConfigException.class,
                            () -> config(Map.of(ConversationConfig.LLM_ENDPOINTS, bad.getKey())));
            assertTrue(e.getMessage().contains(bad.getValue()), e.getMessage());
        }
    }

    @Test
    void shouldReadEndpointsAndLimitsFromTheEnvironment() {
        ConversationConfig config =
                ConversationConfig.fromEnvironment(
                        Map.of(
                                "AMS_LLM_PROVIDER", "ollama",
                                "AMS_LLM_ENDPOINTS",
                                        "{\"backup\": {\"provider\": \"openai\","
                                                + " \"base_url\": \"http://b/v1\"}}",
                                "AMS_LLM_REQUESTS_PER_MINUTE", "7",
                                "AMS_LLM_TOKENS_PER_MINUTE", "700"),
                        new java.util.Properties());
        ModelEndpoints endpoints = ModelEndpoints.fromConfig(config);
        assertEquals("http://b/v1", endpoints.named("backup").orElseThrow().baseUrl());
        assertEquals(
                new RateLimiter.Limits(7, 700, Duration.ofMinutes(1)),
                endpoints.limitsFor(endpoints.primary().server()));
        assertFalse(config.toString().contains("http://b/v1"), "llm.endpoints is a password");
    }

    @Test
    void shouldNeverPrintAnApiKey() {
        ModelEndpoint e = new ModelEndpoint("openai", "", "m", "sk-secret");
        assertFalse(e.toString().contains("sk-secret"));
        assertEquals("https://api.openai.com/v1", e.baseUrl());
    }
}
