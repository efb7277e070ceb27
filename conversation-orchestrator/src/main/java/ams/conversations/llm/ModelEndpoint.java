package ams.conversations.llm;

import java.util.Locale;

/**
 * Where a model runs: a provider ({@code scripted}, {@code openai}, {@code ollama}), its base URL
 * and the model name. Providers are cached per endpoint, and rate limits apply per {@link
 * #server()} (provider + base URL). The API key is never printed.
 */
public record ModelEndpoint(String provider, String baseUrl, String model, String apiKey) {

    public static final String OPENAI_URL = "https://api.openai.com/v1";
    public static final String OLLAMA_URL = "http://localhost:11434";
    public static final String OPENAI_MODEL = "gpt-4o-mini";
    public static final String OLLAMA_MODEL = "llama3.1";

    /**
     * Blank base URL and model become the provider's defaults, so equal endpoints compare equal.
     */
    public ModelEndpoint {
        provider = provider == null ? "" : provider.strip().toLowerCase(Locale.ROOT);
        baseUrl = baseUrl == null ? "" : baseUrl.strip();
        model = model == null ? "" : model.strip();
        apiKey = apiKey == null ? "" : apiKey;
        switch (provider) {
            case ScriptedProvider.NAME -> {
                baseUrl = "";
                model = ScriptedProvider.NAME;
            }
            case "openai" -> {
                baseUrl = trimSlash(baseUrl.isEmpty() ? OPENAI_URL : baseUrl);
                model = model.isEmpty() ? OPENAI_MODEL : model;
            }
            case "ollama" -> {
                baseUrl = trimSlash(baseUrl.isEmpty() ? OLLAMA_URL : baseUrl);
                model = model.isEmpty() ? OLLAMA_MODEL : model;
            }
            default ->
                    throw new IllegalArgumentException(
                            "unknown provider '" + provider + "' (scripted, openai, ollama)");
        }
    }

    public static ModelEndpoint scripted() {
        return new ModelEndpoint(ScriptedProvider.NAME, "", "", "");
    }

    /** The same server with another model (blank = this endpoint's model). */
    public ModelEndpoint withModel(String other) {
        return other == null || other.isBlank()
                ? this
                : new ModelEndpoint(provider, baseUrl, other, apiKey);
    }

    /** What rate limits are kept per: the provider and its base URL. */
    public String server() {
        return provider.equals(ScriptedProvider.NAME)
                ? ScriptedProvider.NAME
                : provider + " " + baseUrl;
    }

    /** The cache key of a client: server, model and which key (compared, never shown). */
    String clientKey() {
        return server() + " " + model + " " + apiKey.hashCode();
    }

    @Override
    public String toString() {
        return server() + " " + model;
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
