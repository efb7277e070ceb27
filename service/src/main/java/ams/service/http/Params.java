package ams.service.http;

import ams.events.InvalidRequestException;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Path and query parameters, each misfit a 400 naming the parameter and what it must be. */
public final class Params {

    private Params() {}

    /** A path parameter that must not be blank, e.g. an agent id. */
    public static String path(Context ctx, String name, String what) {
        String value = ctx.pathParam(name);
        if (value.isBlank()) {
            throw new InvalidRequestException(what + " must not be blank");
        }
        return value;
    }

    /** An optional integer query parameter within [min, max]. */
    public static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(name + " must be an integer, was '" + value + "'");
        }
        if (parsed < min || parsed > max) {
            throw new InvalidRequestException(
                    name + " must be between " + min + " and " + max + ", was " + parsed);
        }
        return parsed;
    }

    /** An optional boolean query parameter: true, false, or absent (null). */
    public static Boolean booleanParam(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        if (!value.equals("true") && !value.equals("false")) {
            throw new InvalidRequestException(name + " must be true or false, was '" + value + "'");
        }
        return Boolean.valueOf(value);
    }

    /** An optional text query parameter; blank counts as absent. */
    public static String textParam(Context ctx, String name) {
        String value = ctx.queryParam(name);
        return value == null || value.isBlank() ? null : value;
    }

    /** An optional number query parameter; {@code defaultValue} when absent. */
    public static double doubleParam(Context ctx, String name, double defaultValue) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(
                    name + " must be a number such as 0.3, was '" + value + "'");
        }
    }

    /**
     * A required ISO-8601 instant (query parameter {@code name}, or its snake_case {@code alias}),
     * within the epoch-millisecond range the stores key versions by.
     */
    public static Instant instantParam(Context ctx, String name, String alias) {
        String value = ctx.queryParam(name);
        if (value == null && alias != null) {
            value = ctx.queryParam(alias);
        }
        if (value == null || value.isBlank()) {
            throw new InvalidRequestException(
                    name + " is required: an ISO-8601 instant such as 2026-01-01T00:00:00Z");
        }
        return instant(name, value);
    }

    /**
     * An optional ISO-8601 instant query parameter (null when absent), as {@link #instantParam}.
     */
    public static Instant optionalInstantParam(Context ctx, String name) {
        String value = ctx.queryParam(name);
        return value == null || value.isBlank() ? null : instant(name, value);
    }

    private static Instant instant(String name, String value) {
        Instant instant;
        try {
            // Accepts an offset too (2026-01-01T01:00:00+01:00), normalised to UTC.
            instant = Instant.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(
                    name
                            + " must be an ISO-8601 instant such as 2026-01-01T00:00:00Z, was '"
                            + value
                            + "'");
        }
        if (instant.isBefore(Instant.ofEpochMilli(Long.MIN_VALUE))
                || instant.isAfter(Instant.ofEpochMilli(Long.MAX_VALUE))) {
            throw new InvalidRequestException(
                    name
                            + " must be an instant from "
                            + Instant.ofEpochMilli(Long.MIN_VALUE)
                            + " to "
                            + Instant.ofEpochMilli(Long.MAX_VALUE)
                            + ", was '"
                            + value
                            + "'");
        }
        return instant;
    }
}
