package ams.conversations.llm;

import ams.conversations.ConversationConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The model endpoints this process knows by name, and the rate limits of each server. {@code
 * primary} is the configured provider ({@code llm.provider}, {@code llm.base.url}, {@code
 * llm.model}, {@code llm.api.key}); {@code llm.endpoints} adds more (or replaces {@code primary}):
 *
 * <pre>{"backup": {"provider": "openai", "base_url": "http://10.0.0.2:8000/v1", "model": "qwen2.5",
 *             "api_key": "...", "requests_per_minute": 60, "tokens_per_minute": 90000}}</pre>
 *
 * Limits absent from an endpoint are {@code llm.requests.per.minute} and {@code
 * llm.tokens.per.minute} (0 = none); they hold per server (provider + base URL), so two endpoints
 * on one server share one budget.
 */
public final class ModelEndpoints {

    public static final String PRIMARY = "primary";

    /** A named endpoint and the limits its server gets. */
    public record Named(String name, ModelEndpoint endpoint, RateLimiter.Limits limits) {}

    private final Map<String, Named> named;
    private final RateLimiter.Limits defaults;

    public ModelEndpoints(Map<String, Named> named, RateLimiter.Limits defaults) {
        if (!named.containsKey(PRIMARY)) {
            throw new IllegalArgumentException("no primary endpoint");
        }
        this.named = Map.copyOf(named);
        this.defaults = defaults;
    }

    public static ModelEndpoints fromConfig(ConversationConfig config) {
        Duration window = Duration.ofMillis(config.getLong(ConversationConfig.LLM_RATE_WINDOW_MS));
        RateLimiter.Limits defaults =
                new RateLimiter.Limits(
                        config.getInt(ConversationConfig.LLM_REQUESTS_PER_MINUTE),
                        config.getLong(ConversationConfig.LLM_TOKENS_PER_MINUTE),
                        window);
        Map<String, Named> named = new LinkedHashMap<>();
        named.put(
                PRIMARY,
                new Named(
                        PRIMARY,
                        new ModelEndpoint(
                                config.getString(ConversationConfig.LLM_PROVIDER),
                                config.getString(ConversationConfig.LLM_BASE_URL),
                                config.getString(ConversationConfig.LLM_MODEL),
                                config.apiKey()),
                        defaults));
        named.putAll(parse(config.endpointsJson(), defaults));
        return new ModelEndpoints(named, defaults);
    }

    /**
     * The endpoints of {@code llm.endpoints}.
     *
     * @throws IllegalArgumentException saying which endpoint and field is wrong
     */
    public static Map<String, Named> parse(String json, RateLimiter.Limits defaults) {
        Map<String, Named> out = new LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return out;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    ConversationConfig.LLM_ENDPOINTS + " is not JSON: " + e.getOriginalMessage());
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(
                    ConversationConfig.LLM_ENDPOINTS
                            + " must be a JSON object of endpoint name → {provider, base_url,"
                            + " model, api_key, requests_per_minute, tokens_per_minute}");
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String where = ConversationConfig.LLM_ENDPOINTS + "." + e.getKey();
            JsonNode spec = e.getValue();
            if (!spec.isObject()) {
                throw new IllegalArgumentException(where + " must be an object");
            }
            ModelEndpoint endpoint = endpoint(spec, where, "");
            int requests =
                    (int) count(spec, "requests_per_minute", defaults.requestsPerWindow(), where);
            long tokens = count(spec, "tokens_per_minute", defaults.tokensPerWindow(), where);
            out.put(
                    e.getKey(),
                    new Named(
                            e.getKey(),
                            endpoint,
                            new RateLimiter.Limits(requests, tokens, defaults.window())));
        }
        return out;
    }

    /**
     * An endpoint given as an object {@code {provider, base_url, model[, api_key]}}; {@code
     * fallbackKey} is the key used when it names none.
     */
    static ModelEndpoint endpoint(JsonNode spec, String where, String fallbackKey) {
        JsonNode provider = spec.path("provider");
        if (!provider.isTextual() || provider.asText().isBlank()) {
            throw new IllegalArgumentException(
                    where + ".provider is required (scripted, openai or ollama)");
        }
        for (String field : new String[] {"base_url", "model", "api_key"}) {
            if (!spec.path(field).isMissingNode()
                    && !spec.path(field).isNull()
                    && !spec.path(field).isTextual()) {
                throw new IllegalArgumentException(where + "." + field + " must be a string");
            }
        }
        try {
            return new ModelEndpoint(
                    provider.asText(),
                    spec.path("base_url").asText(""),
                    spec.path("model").asText(""),
                    spec.hasNonNull("api_key") ? spec.path("api_key").asText() : fallbackKey);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static long count(JsonNode spec, String field, long fallback, String where) {
        JsonNode n = spec.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return fallback;
        }
        if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 0) {
            throw new IllegalArgumentException(
                    where + "." + field + " must be 0 (no limit) or a positive integer");
        }
        return n.asLong();
    }

    public ModelEndpoint primary() {
        return named.get(PRIMARY).endpoint();
    }

    /** The endpoint configured under {@code name}. */
    public Optional<ModelEndpoint> named(String name) {
        return Optional.ofNullable(named.get(name)).map(Named::endpoint);
    }

    /**
     * The endpoint for a request that names only a provider: the primary or the first named
     * endpoint of that provider, else the provider's defaults.
     */
    public ModelEndpoint forProvider(String provider) {
        if (provider == null || provider.isBlank()) {
            return primary();
        }
        if (primary().provider().equals(provider)) {
            return primary();
        }
        for (Named n : named.values()) {
            if (n.endpoint().provider().equals(provider)) {
                return n.endpoint();
            }
        }
        return new ModelEndpoint(provider, "", "", "");
    }

    /**
     * The API key for an endpoint an agent config gives inline: that of a configured endpoint on
     * the same server, else none. A key is never sent to a server the operator did not configure.
     */
    public String apiKeyFor(String server) {
        for (Named n : named.values()) {
            if (n.endpoint().server().equals(server)) {
                return n.endpoint().apiKey();
            }
        }
        return "";
    }

    /** The limits of a server: those of the first configured endpoint on it, else the defaults. */
    public RateLimiter.Limits limitsFor(String server) {
        if (server.equals(ScriptedProvider.NAME)) {
            return RateLimiter.Limits.none();
        }
        for (Named n : named.values()) {
            if (n.endpoint().server().equals(server)) {
                return n.limits();
            }
        }
        return defaults;
    }
}
