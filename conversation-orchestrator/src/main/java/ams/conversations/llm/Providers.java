package ams.conversations.llm;

import ams.conversations.ConversationConfig;
import ams.events.GenerationParameters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The model clients of one process, one per endpoint (provider, base URL, model, key), and per
 * server (provider + base URL) the cap on calls in flight and the {@link RateLimiter} every turn
 * worker of the process shares. Clients are built on first use, so a process configured for {@code
 * scripted} never touches a network client.
 */
public final class Providers {

    /** One server's shared guards. */
    private record Server(ModelEndpoint endpoint, Semaphore inFlight, RateLimiter limiter) {}

    /** What {@code GET /llm/endpoints} and the metrics show of one server. */
    public record ServerStatus(
            String server,
            String provider,
            String baseUrl,
            int requestsPerWindow,
            long tokensPerWindow,
            long windowMillis,
            int inFlight,
            RateLimiter.Stats stats) {}

    private final Map<String, ChatProvider> clients = new ConcurrentHashMap<>();
    private final Map<String, Server> servers = new ConcurrentHashMap<>();
    private final Function<ModelEndpoint, ChatProvider> factory;
    private final ModelEndpoints endpoints;
    private final AgentModels models;
    private final int maxInFlight;

    public Providers(
            ModelEndpoints endpoints,
            int maxInFlight,
            Function<ModelEndpoint, ChatProvider> factory) {
        this.endpoints = endpoints;
        this.models = new AgentModels(endpoints);
        this.maxInFlight = maxInFlight;
        this.factory = factory;
    }

    /** Providers by name only, without limits: for tests of the turn runner. */
    public Providers(
            String defaultProvider, int maxInFlight, Function<String, ChatProvider> factory) {
        this(
                new ModelEndpoints(
                        Map.of(
                                ModelEndpoints.PRIMARY,
                                new ModelEndpoints.Named(
                                        ModelEndpoints.PRIMARY,
                                        new ModelEndpoint(defaultProvider, "", "", ""),
                                        RateLimiter.Limits.none())),
                        RateLimiter.Limits.none()),
                maxInFlight,
                endpoint -> factory.apply(endpoint.provider()));
    }

    public static Providers fromConfig(ConversationConfig config) {
        Duration timeout = Duration.ofMillis(config.getLong(ConversationConfig.LLM_TIMEOUT_MS));
        return new Providers(
                ModelEndpoints.fromConfig(config),
                config.getInt(ConversationConfig.LLM_MAX_IN_FLIGHT),
                endpoint ->
                        switch (endpoint.provider()) {
                            case ScriptedProvider.NAME -> new ScriptedProvider();
                            case "openai" -> LangChainProvider.openAi(endpoint, timeout);
                            case "ollama" -> LangChainProvider.ollama(endpoint, timeout);
                            default ->
                                    throw new IllegalArgumentException(
                                            "Unknown provider '"
                                                    + endpoint.provider()
                                                    + "' (scripted, openai, ollama)");
                        });
    }

    /** Which models may write an agent's turn. */
    public AgentModels models() {
        return models;
    }

    /**
     * The endpoint a conversation's own generation settings name (its provider and model), else the
     * primary: what a model-selected speaker policy asks.
     */
    public ModelEndpoint forRequest(GenerationParameters generation) {
        if (generation == null) {
            return endpoints.primary();
        }
        return endpoints.forProvider(generation.getProvider()).withModel(generation.getModel());
    }

    /** The client of an endpoint. */
    public ChatProvider get(ModelEndpoint endpoint) {
        return clients.computeIfAbsent(endpoint.clientKey(), k -> factory.apply(endpoint));
    }

    /**
     * Runs a call to {@code endpoint} holding one of its server's in-flight permits, once the
     * server's rate limit has room for about {@code estimatedTokens} (waiting, not failing). The
     * tokens booked are corrected to {@code usedTokens} of the result; a failure carrying a
     * Retry-After pauses the server for that long.
     */
    public <T> T call(
            ModelEndpoint endpoint,
            long estimatedTokens,
            Supplier<T> call,
            ToLongFunction<T> usedTokens)
            throws InterruptedException {
        Server server = server(endpoint);
        server.inFlight().acquire();
        try {
            RateLimiter.Permit permit = server.limiter().acquire(estimatedTokens);
            T result = null;
            try {
                result = call.get();
                return result;
            } catch (RuntimeException e) {
                RetryAfterHttpClient.retryAfter(e).ifPresent(server.limiter()::pause);
                throw e;
            } finally {
                // Always ended, so a call that failed in any way frees its place a window later.
                if (result == null) {
                    permit.finish();
                } else {
                    permit.settle(usedTokens.applyAsLong(result));
                }
            }
        } finally {
            server.inFlight().release();
        }
    }

    private Server server(ModelEndpoint endpoint) {
        return servers.computeIfAbsent(
                endpoint.server(),
                s ->
                        new Server(
                                endpoint,
                                new Semaphore(maxInFlight, true),
                                new RateLimiter(endpoints.limitsFor(s))));
    }

    /** Every server called so far, with its limits and what its limiter did. */
    public List<ServerStatus> status() {
        List<ServerStatus> out = new ArrayList<>();
        servers.forEach(
                (name, s) -> {
                    RateLimiter.Limits l = s.limiter().limits();
                    out.add(
                            new ServerStatus(
                                    name,
                                    s.endpoint().provider(),
                                    s.endpoint().baseUrl(),
                                    l.requestsPerWindow(),
                                    l.tokensPerWindow(),
                                    l.window().toMillis(),
                                    maxInFlight - s.inFlight().availablePermits(),
                                    s.limiter().stats()));
                });
        out.sort(java.util.Comparator.comparing(ServerStatus::server));
        return out;
    }
}
