package ams.agents;

import ams.events.streams.StaticMembership;
import ams.events.streams.StoreQueries;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import ams.service.config.CommonConfig;
import ams.service.fate.EventFates;
import ams.service.fate.FateLog;
import ams.service.fate.FateRoute;
import ams.service.http.InstanceRouter;
import io.javalin.Javalin;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running agent processor: the Kafka Streams instance, its queries and its HTTP routes. Start one
 * with {@link #start}; several may run in one JVM (each with its own state dir and port).
 */
public final class AgentProcessor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentProcessor.class);

    private final AgentProcessorConfig config;
    private final KafkaStreams streams;
    private final AgentQueries queries;
    private final AgentHttp http;
    private final EventFates fates;

    private AgentProcessor(
            AgentProcessorConfig config,
            KafkaStreams streams,
            AgentQueries queries,
            AgentHttp http,
            EventFates fates) {
        this.config = config;
        this.streams = streams;
        this.queries = queries;
        this.http = http;
        this.fates = fates;
    }

    /**
     * Creates missing topics (if {@code topics.provision}), then starts the topology. Returns
     * without waiting for RUNNING.
     */
    public static AgentProcessor start(AgentProcessorConfig config) {
        TopicCatalogue catalogue = config.catalogue();
        if (config.getBoolean(AgentProcessorConfig.TOPICS_PROVISION)) {
            try (Admin admin =
                    Admin.create(
                            java.util.Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    config.getString(AgentProcessorConfig.BOOTSTRAP_SERVERS)))) {
                new TopicProvisioner(admin, 30_000).provision(catalogue);
            }
        }
        FateLog fates = config.readOnly() ? FateLog.off() : new FateLog();
        ServedAgents served = new ServedAgents();
        Topology topology =
                CommonConfig.withIdleCommits(
                        AgentTopology.buildTopology(catalogue, config, served, fates), config);
        KafkaStreams streams = new KafkaStreams(topology, config.streamsProperties());
        HostInfo self = CommonConfig.applicationServer(config);
        StoreQueries storeQueries = new StoreQueries(config.queryMaxWait());
        InstanceRouter router =
                new InstanceRouter(
                        streams, self, storeQueries, config.forwardTimeout(), config.apiToken());
        AgentQueries queries =
                new AgentQueries(streams, storeQueries, router, served, Json.mapper());
        AgentProcessor processor =
                new AgentProcessor(
                        config,
                        streams,
                        queries,
                        new AgentHttp(queries, router),
                        new EventFates(router, AgentTopology.AGENTS_STORE, fates));
        streams.setStateListener(
                (next, previous) ->
                        log.info("Agent processor {} state {} -> {}", self, previous, next));
        streams.start();
        log.info(
                "Agent processor started: application.id={}, topics {}*, state dir {}, queries at {}",
                config.getString(AgentProcessorConfig.APPLICATION_ID),
                config.getString(AgentProcessorConfig.TOPIC_PREFIX),
                config.getString(AgentProcessorConfig.STATE_DIR),
                self);
        return processor;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public AgentQueries queries() {
        return queries;
    }

    public AgentProcessorConfig config() {
        return config;
    }

    /**
     * What became of the agent events this processor settled, for {@code GET /events/{event_id}}
     * ({@link FateRoute}, which the server mounts over every processor it serves).
     */
    public EventFates fates() {
        return fates;
    }

    /**
     * Mounts the agent routes on a server the caller owns (and starts on this instance's
     * http.port). The routes throw: the server must map exceptions as {@code ServiceHttp.create}
     * does. {@code GET /events/{event_id}} is not among them: see {@link #fates}.
     */
    public void registerRoutes(Javalin app) {
        http.register(app);
    }

    /**
     * Waits until the instance is RUNNING (all its stores restored), or throws after {@code
     * timeout}.
     */
    public void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline
                    || (!streams.state().isRunningOrRebalancing()
                            && streams.state() != KafkaStreams.State.CREATED)) {
                throw new IllegalStateException(
                        "Agent processor not RUNNING after "
                                + timeout.toMillis()
                                + " ms: "
                                + streams.state());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(
                        "Interrupted while waiting for the agent processor", e);
            }
        }
    }

    @Override
    public void close() {
        StaticMembership.close(streams, Duration.ofSeconds(30));
        log.info("Agent processor closed");
    }
}
