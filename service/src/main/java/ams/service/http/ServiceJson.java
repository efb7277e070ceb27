package ams.service.http;

import ams.events.InvalidRequestException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.util.stream.Collectors;

/**
 * The one JSON mapping of the HTTP contract: snake_case names, trailing tokens refused (so
 * '{"a":1},' is a malformed body, not the object before the comma), no coercion of scalars (a
 * string is not a number or a boolean), unknown fields in a typed request refused with their name.
 */
public final class ServiceJson {

    private static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                    // ALLOW_COERCION_OF_SCALARS leaves two coercions on: a number or a boolean read
                    // as a string (5 -> "5"), and a fraction read as an integer (1.5 -> 1).
                    .withCoercionConfig(
                            LogicalType.Textual,
                            text ->
                                    text.setCoercion(
                                                    CoercionInputShape.Integer, CoercionAction.Fail)
                                            .setCoercion(
                                                    CoercionInputShape.Float, CoercionAction.Fail)
                                            .setCoercion(
                                                    CoercionInputShape.Boolean,
                                                    CoercionAction.Fail))
                    .withCoercionConfig(
                            LogicalType.Integer,
                            integer ->
                                    integer.setCoercion(
                                            CoercionInputShape.Float, CoercionAction.Fail))
                    .build();

    private ServiceJson() {}

    /**
     * The shared mapper. Configured once above and never reconfigured, so it is safe to share
     * across threads (Jackson's own advice).
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** {@code value} as JSON text. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "Cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** {@code value} as UTF-8 JSON bytes. */
    public static byte[] writeBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "Cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** The body as a JSON object, every malformation a 400 that says what to fix. */
    public static JsonNode object(String body) {
        if (body == null || body.isBlank()) {
            throw new InvalidRequestException("the request body is empty: send a JSON object");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(
                    "the request body is not valid JSON: " + e.getOriginalMessage() + where(e));
        }
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException("the request body must be a JSON object");
        }
        return node;
    }

    /**
     * The body as a typed request; a wrong type or unknown field answers 400 naming the field and
     * what it must be.
     */
    public static <T> T read(String body, Class<T> type) {
        JsonNode node = object(body);
        try {
            return MAPPER.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            throw new InvalidRequestException(
                    "unknown field '"
                            + e.getPropertyName()
                            + "'"
                            + (e.getKnownPropertyIds() == null
                                    ? ""
                                    : ": the fields are "
                                            + e.getKnownPropertyIds().stream()
                                                    .map(String::valueOf)
                                                    .sorted()
                                                    .collect(Collectors.joining(", "))));
        } catch (InvalidFormatException e) {
            throw new InvalidRequestException(
                    "field '"
                            + path(e)
                            + "' must be "
                            + describe(e.getTargetType())
                            + ", was "
                            + e.getValue());
        } catch (MismatchedInputException e) {
            throw new InvalidRequestException(
                    "field '" + path(e) + "' must be " + describe(e.getTargetType()));
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InvalidRequestException invalid) {
                throw invalid;
            }
            throw new InvalidRequestException(
                    "the request body does not fit: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof InvalidRequestException invalid) {
                throw invalid;
            }
            throw new InvalidRequestException(e.getMessage());
        }
    }

    private static String path(MismatchedInputException e) {
        String path =
                e.getPath().stream()
                        .map(
                                ref ->
                                        ref.getFieldName() != null
                                                ? ref.getFieldName()
                                                : "[" + ref.getIndex() + "]")
                        .collect(Collectors.joining("."))
                        .replace(".[", "[");
        return path.isEmpty() ? "(body)" : path;
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    private static String where(JsonProcessingException e) {
        // No location when a limit (nesting depth, number length) stopped the parser rather than a
        // syntax error.
        return e.getLocation() == null
                ? ""
                : " (line "
                        + e.getLocation().getLineNr()
                        + ", column "
                        + e.getLocation().getColumnNr()
                        + ")";
    }
}
