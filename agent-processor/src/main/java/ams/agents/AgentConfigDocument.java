package ams.agents;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rules of the original AMS-DB {@code AgentConfig} document: where prompts and flags live, JSON
 * Merge Patch (RFC 7396) for updates, and the shape a configuration must keep so that every reader
 * of it (the orchestrator building prompts, the exporter) can rely on it.
 */
final class AgentConfigDocument {

    /** Prompts kept under {@code prompt_config.agent}. */
    public static final Set<String> AGENT_PROMPTS =
            Set.of("llmSystem", "llmBooster", "visionSystem", "visionBooster");

    /** Prompts kept directly under {@code prompt_config}. */
    public static final Set<String> TOP_PROMPTS = Set.of("primeDirective", "userInput");

    private static final Set<String> OBJECT_SECTIONS =
            Set.of(
                    "model_config",
                    "prompt_config",
                    "command_flags",
                    "databases",
                    "database_config");

    private final ObjectMapper mapper;

    public AgentConfigDocument(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Parses JSON text; empty when it is not JSON, with the parser's message. */
    public JsonNode parse(String json) throws InvalidDocumentException {
        try {
            JsonNode node = mapper.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new InvalidDocumentException("empty document");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new InvalidDocumentException("not valid JSON: " + e.getOriginalMessage());
        }
    }

    public String write(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A parsed JSON tree cannot fail to serialize", e);
        }
    }

    /**
     * Why {@code config} does not have the original's shape, or empty when it does: an object;
     * {@code agent_id} a string; the sections objects; {@code prompt_config.agent} an object of
     * strings; {@code primeDirective}/{@code userInput} strings; every command flag a boolean;
     * every database path a string; every model entry an object. Unknown keys are kept.
     */
    public Optional<String> shapeError(JsonNode config) {
        if (!config.isObject()) {
            return Optional.of(
                    "the configuration must be a JSON object, was " + config.getNodeType());
        }
        JsonNode agentId = config.get("agent_id");
        if (agentId != null && !agentId.isTextual()) {
            return Optional.of("agent_id must be a string, was " + agentId.getNodeType());
        }
        for (String section : OBJECT_SECTIONS) {
            JsonNode node = config.get(section);
            if (node != null && !node.isObject()) {
                return Optional.of(section + " must be an object, was " + node.getNodeType());
            }
        }
        JsonNode prompts = config.path("prompt_config");
        JsonNode agentPrompts = prompts.get("agent");
        if (agentPrompts != null) {
            if (!agentPrompts.isObject()) {
                return Optional.of(
                        "prompt_config.agent must be an object, was " + agentPrompts.getNodeType());
            }
            Optional<String> error =
                    firstField(
                            agentPrompts, v -> !v.isTextual(), "prompt_config.agent.", "a string");
            if (error.isPresent()) {
                return error;
            }
        }
        for (String prompt : TOP_PROMPTS) {
            JsonNode node = prompts.get(prompt);
            if (node != null && !node.isTextual()) {
                return Optional.of(
                        "prompt_config." + prompt + " must be a string, was " + node.getNodeType());
            }
        }
        Optional<String> error =
                firstField(
                        config.path("command_flags"),
                        v -> !v.isBoolean(),
                        "command_flags.",
                        "a boolean");
        if (error.isPresent()) {
            return error;
        }
        error =
                firstField(
                        config.path("databases"),
                        v -> !v.isTextual(),
                        "databases.",
                        "a string (a file name)");
        if (error.isPresent()) {
            return error;
        }
        return firstField(
                config.path("model_config"), v -> !v.isObject(), "model_config.", "an object");
    }

    private static Optional<String> firstField(
            JsonNode object,
            java.util.function.Predicate<JsonNode> wrong,
            String path,
            String expected) {
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            if (wrong.test(field.getValue())) {
                return Optional.of(
                        path
                                + field.getKey()
                                + " must be "
                                + expected
                                + ", was "
                                + field.getValue().getNodeType());
            }
        }
        return Optional.empty();
    }

    /** RFC 7396: returns the patched document; {@code target} is not modified. */
    public JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result =
                target != null && target.isObject()
                        ? ((ObjectNode) target).deepCopy()
                        : mapper.createObjectNode();
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            if (field.getValue().isNull()) {
                result.remove(field.getKey());
            } else {
                result.set(
                        field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
            }
        }
        return result;
    }

    /** Sets a prompt where the original keeps it; the caller has checked {@link #isPromptType}. */
    public ObjectNode withPrompt(JsonNode config, String promptType, String text) {
        ObjectNode copy = ((ObjectNode) config).deepCopy();
        ObjectNode promptConfig = objectAt(copy, "prompt_config");
        if (AGENT_PROMPTS.contains(promptType)) {
            objectAt(promptConfig, "agent").put(promptType, text);
        } else {
            promptConfig.put(promptType, text);
        }
        return copy;
    }

    public ObjectNode withFlag(JsonNode config, String flag, boolean value) {
        ObjectNode copy = ((ObjectNode) config).deepCopy();
        objectAt(copy, "command_flags").put(flag, value);
        return copy;
    }

    /**
     * {@link #withPrompt} on the JSON text, without building a tree: the document is copied token
     * by token and the one value replaced (or added where the tree version would add it). Gives the
     * same text as {@code write(withPrompt(parse(json), ...))} for any document this module wrote;
     * used when the parsed document is not at hand, where parsing a tree, copying it and writing it
     * again cost most of a prompt event's fold.
     */
    public String withPromptJson(String json, String promptType, String text) {
        String[] path =
                AGENT_PROMPTS.contains(promptType)
                        ? new String[] {"prompt_config", "agent", promptType}
                        : new String[] {"prompt_config", promptType};
        return setAt(json, path, g -> g.writeString(text));
    }

    /** {@link #withFlag} on the JSON text; see {@link #withPromptJson}. */
    public String withFlagJson(String json, String flag, boolean value) {
        return setAt(json, new String[] {"command_flags", flag}, g -> g.writeBoolean(value));
    }

    /**
     * {@link #mergePatch} on the JSON text of a configuration that has the shape (every stored one
     * does: each applied event checked it), without building its tree: the document is copied token
     * by token with the patch merged in where it applies, giving the same text as {@code
     * write(mergePatch(parse(json), patch))} for any document this module wrote. Empty when the
     * patch could break the shape or touch {@code agent_id} ({@link #keepsShape}): the caller then
     * takes the tree path, whose checks say what is wrong. A merge patch parsed, copied and wrote
     * the whole tree, most of the fold's time for a configuration change.
     */
    public Optional<String> mergePatchJson(String json, ObjectNode patch) {
        if (!keepsShape(patch)) {
            return Optional.empty();
        }
        JsonFactory factory = mapper.getFactory();
        StringWriter out = new StringWriter(json.length() + 64);
        try (JsonParser parser = factory.createParser(json);
                JsonGenerator generator = factory.createGenerator(out)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            copyMerging(parser, generator, patch);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Stored configuration is not JSON: " + e.getMessage(), e);
        }
        return Optional.of(out.toString());
    }

    /**
     * Whether merging {@code patch} into any configuration that has the shape gives one that still
     * has it, with {@code agent_id} unchanged: no {@code agent_id}; each section it sets an object
     * (or null, which removes it); inside them only values the rules allow (prompts strings, flags
     * booleans, database paths strings, models objects) or null. Conservative: a patch outside
     * these may still be valid, and the tree path decides.
     */
    static boolean keepsShape(ObjectNode patch) {
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals("agent_id")) {
                return false;
            }
            if (!OBJECT_SECTIONS.contains(name) || value.isNull()) {
                continue;
            }
            if (!value.isObject()) {
                return false;
            }
            boolean allowed =
                    switch (name) {
                        case "prompt_config" -> promptsKeepShape(value);
                        case "command_flags" -> allValues(value, JsonNode::isBoolean);
                        case "databases" -> allValues(value, JsonNode::isTextual);
                        case "model_config" -> allValues(value, JsonNode::isObject);
                        default -> true;
                    };
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    private static boolean promptsKeepShape(JsonNode prompts) {
        for (Map.Entry<String, JsonNode> field : prompts.properties()) {
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            if (field.getKey().equals("agent")) {
                if (!value.isObject() || !allValues(value, JsonNode::isTextual)) {
                    return false;
                }
            } else if (TOP_PROMPTS.contains(field.getKey()) && !value.isTextual()) {
                return false;
            }
        }
        return true;
    }

    /** Every value of the object is null or passes {@code allowed}. */
    private static boolean allValues(
            JsonNode object, java.util.function.Predicate<JsonNode> allowed) {
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            if (!field.getValue().isNull() && !allowed.test(field.getValue())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Copies the object the parser is at with {@code patch} merged in as {@link #mergePatch} does:
     * a member the patch names is removed (null), merged (both objects) or replaced, in its place;
     * the patch's other members follow in the patch's order.
     */
    private static void copyMerging(JsonParser parser, JsonGenerator generator, ObjectNode patch)
            throws IOException {
        generator.writeStartObject();
        Set<String> merged = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken token = parser.nextToken();
            JsonNode change = patch.get(name);
            if (change == null) {
                generator.writeFieldName(name);
                generator.copyCurrentStructure(parser);
                continue;
            }
            merged.add(name);
            if (change.isNull()) {
                parser.skipChildren();
                continue;
            }
            generator.writeFieldName(name);
            if (change.isObject() && token == JsonToken.START_OBJECT) {
                copyMerging(parser, generator, (ObjectNode) change);
            } else {
                parser.skipChildren();
                writeWithoutNulls(generator, change);
            }
        }
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            if (!field.getValue().isNull() && !merged.contains(field.getKey())) {
                generator.writeFieldName(field.getKey());
                writeWithoutNulls(generator, field.getValue());
            }
        }
        generator.writeEndObject();
    }

    /** What {@link #mergePatch} makes of a patch value where the target has no object to merge. */
    private static void writeWithoutNulls(JsonGenerator generator, JsonNode value)
            throws IOException {
        if (!value.isObject()) {
            generator.writeTree(value);
            return;
        }
        generator.writeStartObject();
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            if (!field.getValue().isNull()) {
                generator.writeFieldName(field.getKey());
                writeWithoutNulls(generator, field.getValue());
            }
        }
        generator.writeEndObject();
    }

    private interface ValueWriter {
        void write(JsonGenerator generator) throws IOException;
    }

    private String setAt(String json, String[] path, ValueWriter value) {
        JsonFactory factory = mapper.getFactory();
        StringWriter out = new StringWriter(json.length() + 64);
        try (JsonParser parser = factory.createParser(json);
                JsonGenerator generator = factory.createGenerator(out)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException("a stored configuration is not a JSON object");
            }
            copySetting(parser, generator, path, 0, value);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Stored configuration is not JSON: " + e.getMessage(), e);
        }
        return out.toString();
    }

    /** Copies the object the parser is at, with {@code path[depth..]} set inside it. */
    private static void copySetting(
            JsonParser parser, JsonGenerator generator, String[] path, int depth, ValueWriter value)
            throws IOException {
        generator.writeStartObject();
        boolean set = false;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken token = parser.nextToken();
            generator.writeFieldName(name);
            if (set || !name.equals(path[depth])) {
                generator.copyCurrentStructure(parser);
            } else if (depth == path.length - 1) {
                parser.skipChildren();
                value.write(generator);
                set = true;
            } else if (token == JsonToken.START_OBJECT) {
                copySetting(parser, generator, path, depth + 1, value);
                set = true;
            } else {
                // Not an object where the path goes on: replaced by one, as objectAt does.
                parser.skipChildren();
                writeNew(generator, path, depth + 1, value);
                set = true;
            }
        }
        if (!set) {
            generator.writeFieldName(path[depth]);
            if (depth == path.length - 1) {
                value.write(generator);
            } else {
                writeNew(generator, path, depth + 1, value);
            }
        }
        generator.writeEndObject();
    }

    private static void writeNew(
            JsonGenerator generator, String[] path, int depth, ValueWriter value)
            throws IOException {
        generator.writeStartObject();
        generator.writeFieldName(path[depth]);
        if (depth == path.length - 1) {
            value.write(generator);
        } else {
            writeNew(generator, path, depth + 1, value);
        }
        generator.writeEndObject();
    }

    public static boolean isPromptType(String promptType) {
        return AGENT_PROMPTS.contains(promptType) || TOP_PROMPTS.contains(promptType);
    }

    private static ObjectNode objectAt(ObjectNode parent, String field) {
        JsonNode child = parent.get(field);
        if (child instanceof ObjectNode object) {
            return object;
        }
        return parent.putObject(field);
    }

    /** A document that is not JSON at all. */
    public static final class InvalidDocumentException extends Exception {
        public InvalidDocumentException(String message) {
            super(message);
        }
    }
}
