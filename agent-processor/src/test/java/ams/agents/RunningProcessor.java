package ams.agents;

import ams.events.topics.TopicCatalogue;
import ams.service.config.CommonConfig;
import ams.service.fate.FateRoute;
import ams.service.http.ServiceHttp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An agent processor with its HTTP routes on a free loopback port, as a test (or the benchmark)
 * runs it.
 */
final class RunningProcessor implements AutoCloseable {

    /** One HTTP answer. */
    record Response(int status, JsonNode body) {}

    private final AgentProcessor processor;
    private final Javalin http;
    private final int port;
    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper mapper = new ObjectMapper();

    private RunningProcessor(AgentProcessor processor, Javalin http, int port) {
        this.processor = processor;
        this.http = http;
        this.port = port;
    }

    static RunningProcessor start(
            String bootstrapServers,
            TopicCatalogue catalogue,
            String applicationId,
            Path stateDir,
            Map<String, Object> overrides) {
        int port = freePort();
        Map<String, Object> props = new HashMap<>();
        props.put(AgentProcessorConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        props.put(
                AgentProcessorConfig.TOPIC_PREFIX,
                catalogue.agentEvents().name().replace("agent-events", ""));
        props.put(AgentProcessorConfig.TOPIC_PARTITIONS, catalogue.agentEvents().partitions());
        props.put(AgentProcessorConfig.APPLICATION_ID, applicationId);
        props.put(AgentProcessorConfig.STATE_DIR, stateDir.toString());
        props.put(AgentProcessorConfig.HTTP_PORT, port);
        props.put(AgentProcessorConfig.QUERY_MAX_WAIT_MS, 20_000L);
        props.put("streams.session.timeout.ms", 6000);
        props.put("streams.heartbeat.interval.ms", 500);
        props.putAll(overrides);
        AgentProcessor processor = AgentProcessor.start(new AgentProcessorConfig(props));
        // A forward.port among the overrides is opened as a standalone processor opens it.
        Javalin http =
                ServiceHttp.create(
                        ServiceHttp.Options.of(Optional.empty())
                                .withForwardPort(
                                        processor.config().getInt(CommonConfig.FORWARD_PORT)));
        processor.registerRoutes(http);
        FateRoute.register(http, List.of(processor.fates()));
        http.start("127.0.0.1", port);
        return new RunningProcessor(processor, http, port);
    }

    AgentProcessor processor() {
        return processor;
    }

    int port() {
        return port;
    }

    Response get(String pathAndQuery) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build();
        try {
            HttpResponse<String> response =
                    client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), mapper.readTree(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        http.stop();
        processor.close();
    }

    /**
     * As close to kill -9 as one JVM allows: the HTTP routes go, and the streams stop without
     * leaving the group (whatever {@link AgentProcessor#close} does), so the others learn of it
     * only through the session timeout.
     */
    void kill() {
        http.stop();
        processor.streams().close(Duration.ofSeconds(30));
    }

    private static int freePort() {
        return ams.testkit.FreePorts.next();
    }
}
