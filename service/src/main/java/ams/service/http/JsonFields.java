package ams.service.http;

import ams.events.InvalidRequestException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Fields of a request body read one at a time, each misfit a 400 naming the field. */
public final class JsonFields {

    private JsonFields() {}

    public static String requiredText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw new InvalidRequestException("field '" + field + "' is required");
        }
        if (!value.isTextual()) {
            throw new InvalidRequestException("field '" + field + "' must be a string");
        }
        return value.asText();
    }

    public static String optionalText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidRequestException("field '" + field + "' must be a string");
        }
        return value.asText();
    }

    public static List<String> stringList(JsonNode body, String field) {
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
