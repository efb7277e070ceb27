package ams.conversations.llm;

import ams.conversations.ConversationConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * The chat providers of one process and the cap on calls in flight per provider. Providers are
 * built on first use, so a process configured for {@code scripted} never touches a network client.
 */
public final class Providers {

    private final Map<String, ChatProvider> providers = new ConcurrentHashMap<>();
    private final Map<String, Semaphore> inFlight = new ConcurrentHashMap<>();
    private final Function<String, ChatProvider> factory;
    private final String defaultProvider;
    private final int maxInFlight;

    public Providers(
            String defaultProvider, int maxInFlight, Function<String, ChatProvider> factory) {
        this.defaultProvider = defaultProvider;
        this.maxInFlight = maxInFlight;
        this.factory = factory;
    }

    public static Providers fromConfig(ConversationConfig config) {
        String baseUrl = config.getString(ConversationConfig.LLM_BASE_URL);
        String model = config.getString(ConversationConfig.LLM_MODEL);
        Duration timeout = Duration.ofMillis(config.getLong(ConversationConfig.LLM_TIMEOUT_MS));
        String configured = config.getString(ConversationConfig.LLM_PROVIDER);
        return new Providers(
                configured,
                config.getInt(ConversationConfig.LLM_MAX_IN_FLIGHT),
                name ->
                        switch (name) {
                            case ScriptedProvider.NAME -> new ScriptedProvider();
                            // The base URL and model are the configured provider's; another
                            // provider named by a conversation gets its defaults.
                            case "openai" ->
                                    LangChainProvider.openAi(
                                            configured.equals("openai") ? baseUrl : "",
                                            config.apiKey(),
                                            configured.equals("openai") ? model : "",
                                            timeout);
                            case "ollama" ->
                                    LangChainProvider.ollama(
                                            configured.equals("ollama") ? baseUrl : "",
                                            configured.equals("ollama") ? model : "",
                                            timeout);
                            default ->
                                    throw new IllegalArgumentException(
                                            "Unknown provider '"
                                                    + name
                                                    + "' (scripted, openai, ollama)");
                        });
    }

    /** The provider a conversation asked for, or the configured default. */
    public ChatProvider get(String requested) {
        String name = requested == null || requested.isBlank() ? defaultProvider : requested;
        return providers.computeIfAbsent(name, factory);
    }

    /** Runs a call holding one of the provider's in-flight permits. */
    public <T> T call(ChatProvider provider, java.util.function.Supplier<T> call)
            throws InterruptedException {
        Semaphore permits =
                inFlight.computeIfAbsent(provider.name(), n -> new Semaphore(maxInFlight, true));
        permits.acquire();
        try {
            return call.get();
        } finally {
            permits.release();
        }
    }
}
