package ams.conversations.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.AgentProfile;
import ams.conversations.ConversationConfig;
import ams.events.GenerationParameters;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentModelsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final GenerationParameters NONE = GenerationParameters.newBuilder().build();

    private static ModelEndpoints endpoints(String provider, String endpointsJson) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConversationConfig.LLM_PROVIDER, provider);
        c.put(ConversationConfig.LLM_BASE_URL, "http://primary:8000/v1");
        c.put(ConversationConfig.LLM_MODEL, "default-model");
        c.put(ConversationConfig.LLM_API_KEY, "primary-key");
        c.put(ConversationConfig.LLM_REQUESTS_PER_MINUTE, 100);
        c.put(ConversationConfig.LLM_ENDPOINTS, endpointsJson);
        return ModelEndpoints.fromConfig(new ConversationConfig(c));
    }

    private static AgentProfile agent(String llm) throws IOException {
        return new AgentProfile(
                "x",
                "X",
                JSON.readTree("{\"model_config\": {\"largeLanguageModel\": " + llm + "}}"),
                true,
                5);
    }

    @Test
    void shouldUseTheProcessDefaultsForTheSeedTemplates() throws IOException {
        AgentModels models = new AgentModels(endpoints("openai", ""));
        for (String template :
                List.of(
                        "expert_coder_agent_template.json",
                        "minecraft_agent_template.json",
                        "wizard_agent_template.json")) {
            Path file = Path.of("/work/shared/reference/original-agent-templates", template);
            if (!Files.exists(file)) {
                continue;
            }
            AgentProfile seed = new AgentProfile("s", "S", JSON.readTree(Files.readString(file)));
            List<AgentModels.Candidate> c = models.candidates(seed, NONE);
            assertEquals(1, c.size());
            assertEquals("primary", c.get(0).instance());
            assertEquals("default-model", c.get(0).endpoint().model());
            assertEquals("http://primary:8000/v1", c.get(0).endpoint().baseUrl());
            assertEquals(AgentModels.Source.PROCESS, c.get(0).source());
        }
    }

    @Test
    void shouldPairNamesWithInstancesAndTakeTheTemplatesSettings() throws IOException {
        AgentModels models =
                new AgentModels(
                        endpoints(
                                "openai",
                                "{\"backup\": {\"provider\": \"ollama\","
                                        + " \"base_url\": \"http://backup:11434\"}}"));
        List<AgentModels.Candidate> c =
                models.candidates(
                        agent(
                                "{\"names\": [\"llama3.1:70b\", \"qwen2.5:32b\"],"
                                        + " \"instances\": [\"primary\", \"backup\"],"
                                        + " \"model_config_template\": {\"temperature\": 0.7,"
                                        + " \"max_tokens\": 4096, \"top_p\": 0.9}}"),
                        NONE);
        assertEquals(2, c.size());
        assertEquals("primary", c.get(0).instance());
        assertEquals(
                new ModelEndpoint(
                        "openai", "http://primary:8000/v1", "llama3.1:70b", "primary-key"),
                c.get(0).endpoint());
        assertEquals("backup", c.get(1).instance());
        assertEquals(
                new ModelEndpoint("ollama", "http://backup:11434", "qwen2.5:32b", ""),
                c.get(1).endpoint());
        assertEquals(0.7, c.get(1).settings().getTemperature());
        assertEquals(4096, c.get(1).settings().getMaxTokens());
        assertEquals(0.9, c.get(1).settings().getTopP());
        assertEquals("qwen2.5:32b", c.get(1).settings().getModel());
        assertEquals(AgentModels.Source.AGENT, c.get(0).source());
    }

    @Test
    void shouldServeAnUnconfiguredInstanceFromThePrimaryServer() throws IOException {
        AgentModels models = new AgentModels(endpoints("ollama", ""));
        List<AgentModels.Candidate> c =
                models.candidates(
                        agent(
                                "{\"names\": [\"a\", \"b\"], \"instances\": [\"primary\", \"backup\"]}"),
                        NONE);
        assertEquals("backup", c.get(1).instance());
        assertEquals(c.get(0).endpoint().server(), c.get(1).endpoint().server());
        assertEquals("b", c.get(1).endpoint().model());
    }

    @Test
    void shouldNeverSendAConfiguredKeyToAServerOnlyAnAgentConfigNames() throws IOException {
        AgentModels models = new AgentModels(endpoints("openai", ""));
        List<AgentModels.Candidate> elsewhere =
                models.candidates(
                        agent(
                                "{\"instances\": [{\"provider\": \"openai\", \"base_url\":"
                                        + " \"http://other:9/v1\", \"model\": \"m\","
                                        + " \"api_key\": \"stolen?\"}]}"),
                        NONE);
        assertEquals("", elsewhere.get(0).endpoint().apiKey());
        assertEquals("m", elsewhere.get(0).endpoint().model());
        List<AgentModels.Candidate> same =
                models.candidates(
                        agent(
                                "{\"instances\": [{\"provider\": \"openai\", \"base_url\":"
                                        + " \"http://primary:8000/v1/\", \"model\": \"m\"}]}"),
                        NONE);
        assertEquals("primary-key", same.get(0).endpoint().apiKey());
    }

    @Test
    void shouldLetTheRequestWin() throws IOException {
        AgentModels models = new AgentModels(endpoints("openai", ""));
        AgentProfile x =
                agent(
                        "{\"names\": [\"agent-model\"], \"instances\": [\"primary\", \"backup\"],"
                                + " \"model_config_template\": {\"temperature\": 0.7, \"top_p\": 0.9}}");
        GenerationParameters request =
                GenerationParameters.newBuilder().setModel("asked").setTemperature(0.1).build();
        List<AgentModels.Candidate> c = models.candidates(x, request);
        assertEquals(1, c.size());
        assertEquals("asked", c.get(0).endpoint().model());
        assertEquals(0.1, c.get(0).settings().getTemperature());
        assertEquals(0.9, c.get(0).settings().getTopP());
        assertEquals(AgentModels.Source.REQUEST, c.get(0).source());
        // Only a setting: the agent's models stay, the setting wins.
        List<AgentModels.Candidate> settingOnly =
                models.candidates(x, GenerationParameters.newBuilder().setMaxTokens(5).build());
        assertEquals(2, settingOnly.size());
        assertEquals(5, settingOnly.get(0).settings().getMaxTokens());
        assertEquals(0.7, settingOnly.get(0).settings().getTemperature());
    }

    @Test
    void shouldStayScriptedWhenTheProcessIsOffline() throws IOException {
        AgentModels models = new AgentModels(endpoints("scripted", ""));
        AgentModels.Candidate c =
                models.candidates(agent("{\"names\": [\"llama3.1:70b\"]}"), NONE).get(0);
        assertEquals("scripted", c.endpoint().model());
        assertEquals("scripted", c.settings().getModel());
        assertNull(c.settings().getTemperature());
    }

    @Test
    void shouldNameTheFieldOfABadModelConfig() {
        AgentModels models = new AgentModels(endpoints("openai", ""));
        assertTrue(
                assertThrows(
                                AgentModels.ModelConfigException.class,
                                () -> models.candidates(agent("{\"instances\": [3]}"), NONE))
                        .getMessage()
                        .contains("model_config.largeLanguageModel.instances[0]"));
        assertTrue(
                assertThrows(
                                AgentModels.ModelConfigException.class,
                                () ->
                                        models.candidates(
                                                agent(
                                                        "{\"instances\": [{\"provider\":"
                                                                + " \"nope\"}]}"),
                                                NONE))
                        .getMessage()
                        .contains("unknown provider 'nope'"));
        assertTrue(
                assertThrows(
                                AgentModels.ModelConfigException.class,
                                () ->
                                        models.candidates(
                                                agent(
                                                        "{\"model_config_template\":"
                                                                + " {\"temperature\": \"hot\"}}"),
                                                NONE))
                        .getMessage()
                        .contains("model_config_template.temperature must be a number"));
    }
}
