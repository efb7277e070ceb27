package ams.agents;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The configuration a new agent gets when it is created without one: the original AMS-DB's default,
 * shaped as its templates are (every model slot with empty {@code names}/{@code instances}/{@code
 * model_config_template}, the four agent prompts and the prime directive empty, every command flag
 * of the templates, the five database paths empty, the templates' conversation modes and
 * categories). Flags follow the original's {@code AgentConfig} defaults: {@code AGENT_FLAG}, {@code
 * EMBEDDING_FLAG} and {@code LLM_SYSTEM_PROMPT_FLAG} on (the agent is active, its knowledge is
 * retrieved, its system prompt used), the others off.
 */
public final class AgentConfigSkeleton {

    static final List<String> MODEL_SLOTS =
            List.of(
                    "largeLanguageModel",
                    "embeddingModel",
                    "largeLanguageAndVisionAssistant",
                    "yoloVision",
                    "speechRecognitionSTT",
                    "voiceGenerationTTS");

    static final List<String> FLAGS_OFF =
            List.of(
                    "TTS_FLAG",
                    "STT_FLAG",
                    "CHUNK_AUDIO_FLAG",
                    "AUTO_SPEECH_FLAG",
                    "LLAVA_FLAG",
                    "SCREEN_SHOT_FLAG",
                    "SPLICE_VIDEO_FLAG",
                    "AUTO_COMMANDS_FLAG",
                    "CLEAR_MEMORY_FLAG",
                    "ACTIVE_AGENT_FLAG",
                    "LLM_BOOSTER_PROMPT_FLAG",
                    "VISION_SYSTEM_PROMPT_FLAG",
                    "VISION_BOOSTER_PROMPT_FLAG",
                    "LATEX_FLAG",
                    "CMD_RUN_FLAG",
                    "MEMORY_CLEAR_FLAG");

    static final List<String> FLAGS_ON =
            List.of("EMBEDDING_FLAG", "LLM_SYSTEM_PROMPT_FLAG", "AGENT_FLAG");

    static final List<String> DATABASES =
            List.of(
                    "agent_matrix",
                    "conversation_history",
                    "knowledge_base",
                    "research_collection",
                    "template_files");

    private AgentConfigSkeleton() {}

    public static ObjectNode of(ObjectMapper json, String agentId) {
        ObjectNode config = json.createObjectNode();
        config.put("agent_id", agentId);
        ObjectNode models = config.putObject("model_config");
        for (String slot : MODEL_SLOTS) {
            ObjectNode model = models.putObject(slot);
            model.putArray("names");
            model.putArray("instances");
            model.putObject("model_config_template");
        }
        ObjectNode prompts = config.putObject("prompt_config");
        prompts.put("userInput", "");
        ObjectNode agent = prompts.putObject("agent");
        for (String prompt : List.of("llmSystem", "llmBooster", "visionSystem", "visionBooster")) {
            agent.put(prompt, "");
        }
        prompts.put("primeDirective", "");
        ObjectNode flags = config.putObject("command_flags");
        FLAGS_OFF.forEach(flag -> flags.put(flag, false));
        FLAGS_ON.forEach(flag -> flags.put(flag, true));
        ObjectNode databases = config.putObject("databases");
        DATABASES.forEach(database -> databases.put(database, ""));
        ObjectNode databaseConfig = config.putObject("database_config");
        ObjectNode modes = databaseConfig.putObject("conversation_modes");
        modes.put("current_session_only", false);
        modes.put("use_past_conversations", true);
        modes.put("max_history_turns", 100);
        databaseConfig
                .putArray("knowledge_base_categories")
                .add("general")
                .add("technical")
                .add("domain_specific");
        databaseConfig.putObject("research_collection_fields");
        return config;
    }
}
