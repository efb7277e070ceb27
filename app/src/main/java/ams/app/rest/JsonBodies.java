package ams.app.rest;

import ams.events.InvalidRequestException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads request bodies as JSON objects, turning every malformation into a 400 that says what to
 * fix.
 */
final class JsonBodies {

    // Trailing tokens fail: '{"agent_id":"a","config":{}},' is a malformed body, not the object
    // before the comma.
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonBodies() {}

    static JsonNode object(Context ctx) {
        String body = ctx.body();
        if (body.isBlank()) {
            throw new InvalidRequestException("the request body is empty: send a JSON object");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            // No location when a limit (nesting depth, number length) stopped the parser rather
            // than a syntax error.
            throw new InvalidRequestException(
                    "the request body is not valid JSON: "
                            + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " (line "
                                            + e.getLocation().getLineNr()
                                            + ", column "
                                            + e.getLocation().getColumnNr()
                                            + ")"));
        }
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException("the request body must be a JSON object");
        }
        return node;
    }

    static String requiredText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw new InvalidRequestException("field '" + field + "' is required");
        }
        if (!value.isTextual()) {
            throw new InvalidRequestException("field '" + field + "' must be a string");
        }
        return value.asText();
    }

    static String optionalText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidRequestException("field '" + field + "' must be a string");
        }
        return value.asText();
    }

    static List<String> stringList(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw new InvalidRequestException("field '" + field + "' must be an array of strings");
        }
        List<String> items = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw new InvalidRequestException(
                        "field '" + field + "' must contain only strings");
            }
            items.add(item.asText());
        }
        return items;
    }
}
