package ams.conversations;

import ams.conversations.http.HttpAgentDirectory;
import ams.conversations.http.HttpKnowledgeSearch;
import ams.events.http.BearerToken;
import io.javalin.Javalin;
import io.javalin.http.UnauthorizedResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the orchestrator as its own process: configuration from the environment and an optional
 * properties file (first argument), agents and knowledge from the other processors over HTTP.
 */
public final class ConversationOrchestratorMain {

    private static final Logger log = LoggerFactory.getLogger(ConversationOrchestratorMain.class);

    private ConversationOrchestratorMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Properties file = new Properties();
        if (args.length > 0) {
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                file.load(in);
            }
        }
        ConversationConfig config = ConversationConfig.fromEnvironment(System.getenv(), file);
        Duration timeout = Duration.ofSeconds(10);
        ConversationOrchestrator orchestrator =
                ConversationOrchestrator.start(
                        config,
                        new HttpAgentDirectory(
                                config.getString(ConversationConfig.AGENTS_BASE_URL),
                                timeout,
                                config.apiToken()),
                        new HttpKnowledgeSearch(
                                config.getString(ConversationConfig.KNOWLEDGE_BASE_URL),
                                timeout,
                                config.apiToken()));
        Javalin app = Javalin.create();
        // The token of the whole system guards this port too: reachable without it, the processor's
        // routes would bypass the API's check.
        config.apiToken()
                .ifPresent(
                        token ->
                                app.before(
                                        ctx -> {
                                            if (!token.admits(
                                                    ctx.path(), ctx.header("Authorization"))) {
                                                throw new UnauthorizedResponse(BearerToken.REFUSAL);
                                            }
                                        }));
        orchestrator.registerRoutes(app);
        app.start(
                config.getString(ConversationConfig.HTTP_HOST),
                config.getInt(ConversationConfig.HTTP_PORT));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    log.info("Shutting down");
                                    app.stop();
                                    orchestrator.close();
                                    stopped.countDown();
                                },
                                "shutdown"));
        stopped.await();
    }
}
