package ams.agents;

import ams.events.http.BearerToken;
import io.javalin.Javalin;
import io.javalin.http.UnauthorizedResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent processor as its own process: {@code AgentProcessorMain [config.properties]}, then
 * environment variables (AMS_BOOTSTRAP_SERVERS, AMS_TOPIC_PREFIX, AMS_STATE_DIR, AMS_HTTP_HOST,
 * AMS_HTTP_PORT, ...) override the file. Serves the agent routes on http.host:http.port.
 */
public final class AgentProcessorMain {

    private static final Logger log = LoggerFactory.getLogger(AgentProcessorMain.class);

    private AgentProcessorMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Properties file = new Properties();
        if (args.length > 0) {
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                file.load(in);
            }
        }
        AgentProcessorConfig config = AgentProcessorConfig.fromEnvironment(System.getenv(), file);
        AgentProcessor processor = AgentProcessor.start(config);
        Javalin http = Javalin.create(javalin -> javalin.showJavalinBanner = false);
        // The token of the whole system guards this port too: reachable without it, the processor's
        // routes would bypass the API's check.
        config.apiToken()
                .ifPresent(
                        token ->
                                http.before(
                                        ctx -> {
                                            if (!token.admits(
                                                    ctx.path(), ctx.header("Authorization"))) {
                                                throw new UnauthorizedResponse(BearerToken.REFUSAL);
                                            }
                                        }));
        processor.registerRoutes(http);
        http.start(
                config.getString(AgentProcessorConfig.HTTP_HOST),
                config.getInt(AgentProcessorConfig.HTTP_PORT));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    log.info("Shutting down");
                                    http.stop();
                                    processor.close();
                                    stopped.countDown();
                                },
                                "agent-processor-shutdown"));
        stopped.await();
    }
}
