package ams.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The text edits of prompts and flags give exactly the text of the tree edits they stand in for, on
 * the original templates and on documents missing or misshaping the sections they write into.
 */
class AgentConfigDocumentTest {

    private final AgentConfigDocument documents = new AgentConfigDocument(Json.mapper());

    @Test
    void shouldEditTextExactlyAsTheTreeEditsWould() throws Exception {
        List<String> configs = new ArrayList<>();
        for (String template :
                List.of(
                        "expert_coder_agent_template.json",
                        "minecraft_agent_template.json",
                        "wizard_agent_template.json")) {
            configs.add(documents.write(documents.parse(resource(template))));
        }
        configs.add("{}");
        configs.add("{\"agent_id\":\"a\",\"command_flags\":\"off\",\"prompt_config\":7}");
        configs.add(
                "{\"prompt_config\":{\"agent\":\"x\",\"userInput\":\"u\"},\"z\":[1,2.5,-3e-7,null]}");
        configs.add(
                "{\"model_config\":{\"t\":0.7,\"big\":12345678901234567890,\"nested\":{\"a\":[{}]}},"
                        + "\"command_flags\":{\"TTS_FLAG\":false,\"EMBEDDING_FLAG\":true}}");
        List<String> texts =
                List.of("Be brief.", "", "quotes \" and \\\\ and \n newlines", "naïve ✓ 🧙 \u0001");
        int compared = 0;
        for (String config : configs) {
            for (String type :
                    List.of(
                            "llmSystem",
                            "llmBooster",
                            "visionSystem",
                            "visionBooster",
                            "primeDirective",
                            "userInput")) {
                for (String text : texts) {
                    assertEquals(
                            documents.write(
                                    documents.withPrompt(documents.parse(config), type, text)),
                            documents.withPromptJson(config, type, text),
                            type + " on " + config);
                    compared++;
                }
            }
            for (String flag : List.of("TTS_FLAG", "EMBEDDING_FLAG", "NEW_FLAG")) {
                for (boolean value : new boolean[] {true, false}) {
                    assertEquals(
                            documents.write(
                                    documents.withFlag(documents.parse(config), flag, value)),
                            documents.withFlagJson(config, flag, value),
                            flag + " on " + config);
                    compared++;
                }
            }
        }
        assertEquals(configs.size() * (6 * texts.size() + 6), compared);
    }

    @Test
    void shouldMergePatchTextExactlyAsTheTreeMergeWouldWhenThePatchKeepsTheShape()
            throws Exception {
        List<String> configs = new ArrayList<>();
        for (String template :
                List.of(
                        "expert_coder_agent_template.json",
                        "minecraft_agent_template.json",
                        "wizard_agent_template.json")) {
            configs.add(documents.write(documents.parse(resource(template))));
        }
        configs.add("{}");
        configs.add("{\"agent_id\":\"a\",\"z\":[1,2.5,-3e-7,null],\"database_config\":7}");
        configs.add(
                "{\"model_config\":{\"t\":{\"x\":0.7},\"big\":{\"n\":12345678901234567890}},"
                        + "\"command_flags\":{\"TTS_FLAG\":false,\"EMBEDDING_FLAG\":true},"
                        + "\"prompt_config\":{\"agent\":{\"llmSystem\":\"s\"},\"userInput\":\"u\"}}");
        List<String> keepShape =
                List.of(
                        "{}",
                        "{\"database_config\":{\"conversation_modes\":{\"max_history_turns\":7}}}",
                        "{\"model_config\":{\"largeLanguageModel\":{\"names\":[\"llama3\"]}}}",
                        "{\"model_config\":{\"t\":{\"x\":null,\"y\":{\"deep\":null,\"k\":1.5e3}}}}",
                        "{\"command_flags\":{\"TTS_FLAG\":true,\"EMBEDDING_FLAG\":null,\"NEW\":false}}",
                        "{\"prompt_config\":{\"agent\":{\"llmSystem\":\"naïve ✓ \\\" \\n\",\"llmBooster\":null},"
                                + "\"primeDirective\":\"p\",\"userInput\":null,\"other\":[1,{\"a\":null}]}}",
                        "{\"prompt_config\":null,\"databases\":{\"kb\":\"kb.db\",\"old\":null}}",
                        "{\"z\":null,\"new\":{\"a\":null,\"b\":{\"c\":null,\"d\":[null]}},\"n\":-0.0}",
                        "{\"database_config\":null,\"description_like\":\"x\",\"z\":{\"q\":1}}");
        List<String> mayBreakShape =
                List.of(
                        "{\"agent_id\":\"a\"}",
                        "{\"command_flags\":{\"TTS_FLAG\":\"yes\"}}",
                        "{\"command_flags\":[]}",
                        "{\"model_config\":{\"m\":7}}",
                        "{\"databases\":{\"kb\":1}}",
                        "{\"prompt_config\":{\"agent\":{\"llmSystem\":{}}}}",
                        "{\"prompt_config\":{\"agent\":\"x\"}}",
                        "{\"prompt_config\":{\"userInput\":3}}");
        int compared = 0;
        for (String config : configs) {
            for (String text : keepShape) {
                ObjectNode patch = (ObjectNode) documents.parse(text);
                JsonNode tree = documents.mergePatch(documents.parse(config), patch);
                assertEquals(
                        Optional.of(documents.write(tree)),
                        documents.mergePatchJson(config, patch),
                        text + " on " + config);
                if (documents.shapeError(documents.parse(config)).isEmpty()) {
                    assertEquals(Optional.empty(), documents.shapeError(tree), text);
                }
                compared++;
            }
            for (String text : mayBreakShape) {
                assertEquals(
                        Optional.empty(),
                        documents.mergePatchJson(config, (ObjectNode) documents.parse(text)),
                        text);
            }
        }
        assertEquals(configs.size() * keepShape.size(), compared);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in =
                AgentConfigDocumentTest.class.getResourceAsStream(
                        "/original-agent-templates/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
