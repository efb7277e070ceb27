package ams.app.system;

import ams.conversations.ModelServerStatus;
import ams.knowledge.QueryEmbeddingCache;
import io.javalin.Javalin;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * {@code /metrics} in Prometheus text format: JVM, every Streams client's own metrics (consumer lag
 * as {@code kafka_consumer_fetch_manager_records_lag*}, commit and process rates), and the
 * approximate entry count of each store, and turn/LLM metrics read from the log ({@code
 * ams_turns_total}, {@code ams_llm_latency_seconds}, {@code ams_llm_tokens_total}, {@code
 * ams_llm_errors_total}), and per model server what the orchestrator's rate limiter did ({@code
 * ams_llm_rate_limit_waits_total}, {@code ams_llm_rate_limit_wait_seconds_total}, {@code
 * ams_llm_retry_after_pauses_total}, {@code ams_llm_server_calls_total}, label {@code server}), and
 * the knowledge search's query-embedding cache ({@code ams_knowledge_query_embeddings_total} with
 * label {@code result} hit or miss, {@code ams_knowledge_query_embedding_cache_entries}).
 */
final class SystemMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final java.util.List<KafkaStreamsMetrics> bindings = new java.util.ArrayList<>();

    private final ConversationMetrics conversations;
    private final Supplier<List<ModelServerStatus>> modelServers;
    private final Set<String> boundServers = ConcurrentHashMap.newKeySet();

    SystemMetrics(
            Supplier<List<ModelServerStatus>> modelServers,
            Map<String, KafkaStreams> processors,
            String bootstrapServers,
            ams.events.topics.Topic<String, ams.events.conversation.ConversationEvent>
                    conversationEvents,
            QueryEmbeddingCache queryEmbeddings) {
        this.modelServers = modelServers;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        processors.forEach(
                (name, streams) -> {
                    KafkaStreamsMetrics binding =
                            new KafkaStreamsMetrics(
                                    streams,
                                    java.util.List.of(
                                            io.micrometer.core.instrument.Tag.of(
                                                    "processor", name)));
                    binding.bindTo(registry);
                    bindings.add(binding);
                });
        gaugeStore(processors.get("agent-processor"), "agents", "ams_agents_stored");
        gaugeStore(processors.get("knowledge-indexer"), "documents", "ams_documents_stored");
        gaugeStore(processors.get("knowledge-indexer"), "chunks", "ams_chunks_stored");
        gaugeStore(
                processors.get("conversation-orchestrator"),
                "conversations",
                "ams_conversations_stored");
        gaugeStore(processors.get("conversation-orchestrator"), "messages", "ams_messages_stored");
        conversations = new ConversationMetrics(bootstrapServers, conversationEvents, registry);
        FunctionCounter.builder(
                        "ams_knowledge_query_embeddings",
                        queryEmbeddings,
                        QueryEmbeddingCache::hits)
                .tags(Tags.of("result", "hit"))
                .description("Search queries whose embedding came from the cache")
                .register(registry);
        FunctionCounter.builder(
                        "ams_knowledge_query_embeddings",
                        queryEmbeddings,
                        QueryEmbeddingCache::misses)
                .tags(Tags.of("result", "miss"))
                .description("Search queries embedded by the model (not in the cache)")
                .register(registry);
        Gauge.builder(
                        "ams_knowledge_query_embedding_cache_entries",
                        queryEmbeddings,
                        QueryEmbeddingCache::size)
                .description("Query embeddings held by the knowledge search's cache")
                .register(registry);
    }

    private void gaugeStore(KafkaStreams streams, String store, String name) {
        Gauge.builder(name, () -> entries(streams, store))
                .description("Approximate entries in store " + store)
                .register(registry);
    }

    private static double entries(KafkaStreams streams, String store) {
        try {
            return streams.store(
                            StoreQueryParameters.fromNameAndType(
                                    store, QueryableStoreTypes.keyValueStore()))
                    .approximateNumEntries();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    void register(Javalin app) {
        app.get(
                "/metrics",
                ctx -> {
                    bindModelServers();
                    ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                            .result(registry.scrape());
                });
    }

    /**
     * Meters for each model server the orchestrator has called: servers appear on first use (an
     * agent's config may name one), so they are bound when a scrape first sees them.
     */
    private void bindModelServers() {
        for (ModelServerStatus server : modelServers.get()) {
            String name = server.server();
            if (!boundServers.add(name)) {
                continue;
            }
            Tags tags = Tags.of("server", name);
            FunctionCounter.builder(
                            "ams_llm_rate_limit_waits",
                            this,
                            m -> m.stat(name, ModelServerStatus::waits))
                    .tags(tags)
                    .description("Model calls that waited for the server's rate limit")
                    .register(registry);
            FunctionCounter.builder(
                            "ams_llm_rate_limit_wait_seconds",
                            this,
                            m -> m.stat(name, ModelServerStatus::waitSeconds))
                    .tags(tags)
                    .description("Time model calls spent waiting for the server's rate limit")
                    .register(registry);
            FunctionCounter.builder(
                            "ams_llm_retry_after_pauses",
                            this,
                            m -> m.stat(name, ModelServerStatus::retryAfterPauses))
                    .tags(tags)
                    .description("429 answers with Retry-After that paused the server")
                    .register(registry);
            FunctionCounter.builder(
                            "ams_llm_server_calls",
                            this,
                            m -> m.stat(name, ModelServerStatus::calls))
                    .tags(tags)
                    .description("Model calls started on the server")
                    .register(registry);
        }
    }

    private double stat(String server, ToDoubleFunction<ModelServerStatus> value) {
        for (ModelServerStatus s : modelServers.get()) {
            if (s.server().equals(server)) {
                return value.applyAsDouble(s);
            }
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        conversations.close();
        bindings.forEach(KafkaStreamsMetrics::close);
        registry.close();
    }
}
